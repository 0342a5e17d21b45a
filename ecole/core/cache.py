"""A small in-process cache of rendered fragments. Keys carry a version read from the database
(e.g. the catalogue's last change), so every server of a cluster stays correct without sharing
the cache: a change anywhere gives new keys everywhere, and old entries age out (LRU)."""
import threading
from collections import OrderedDict
from functools import wraps
from typing import Callable

from flask import current_app, g, request, session
from markupsafe import Markup


class LRUCache:
    """At most `max_entries` values, the least recently used dropped first; safe across threads."""

    def __init__(self, max_entries: int = 2000):
        self.max_entries = max_entries
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        return None

    def put(self, key: tuple, value) -> None:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class FragmentCache(LRUCache):
    def get_or_render(self, key: tuple, render: Callable[[], str]) -> Markup:
        value = self.get(key)
        if value is None:
            value = Markup(render())
            self.put(key, value)
        return value


fragments = FragmentCache()
pages = LRUCache(max_entries=1000)
_KEPT_HEADERS = frozenset({"content-type", "vary", "cache-control", "content-language"})


def cached_page(view):
    """A GET page kept whole and answered again, without running `view`, until the database changes.

    Its key (`_page_key`): the endpoint and the full URL, what chooses the language, the signed-in
    session (its user id and epoch, and the CSRF secret its forms' tokens come from), every table's
    version (core/versions.py: any write anywhere renews it, on every server, so an access rule, a
    name or a figure is never stale), and the minute (what is "upcoming" or "in two hours" moves with
    the clock). A kept page is answered by `init_app`'s hook before the user is even loaded: it was
    rendered for this very session, after every access check passed, and nothing in the database has
    changed since. Never kept: a page with a message waiting to be shown, a page whose rendering
    changed the session (a visitor's first CSRF token), an answer other than 200."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = g.page_key if "page_key" in g else _page_key()
        if key is None:
            return view(*args, **kwargs)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.is_streamed and not session.modified:
            headers = [(name, value) for name, value in response.headers.items() if name.lower() in _KEPT_HEADERS]
            if "Cache-Control" not in response.headers:  # what core/security.py gives pages, decided once
                headers.append(("Cache-Control", "no-store" if key[5][0] is not None else "no-cache"))
            pages.put(key, (response.get_data(), headers))
        return response

    wrapper.kept_page = True
    return wrapper


def init_app(app) -> None:
    """Answer a kept page before anything else loads: registered before the hooks that load the user."""

    @app.before_request
    def answer_kept_page():
        if not getattr(app.view_functions.get(request.endpoint), "kept_page", False):
            return None
        key = g.page_key = _page_key()
        kept = pages.get(key) if key is not None else None
        if kept is None:
            return None
        body, headers = kept
        return app.response_class(body, headers=headers)


def _page_key() -> tuple | None:
    from ecole.core import versions
    from ecole.core.models import utcnow
    from ecole.extensions import login_manager
    from ecole.i18n import COOKIE, from_accept_language, supported

    asking = request._get_current_object()  # (each use of the proxies costs: read them once)
    config = current_app.config
    # dict.get, not session.get: reading the session through its own methods marks it accessed, and
    # a visitor's page would then vary on the cookie.
    cookie = session._get_current_object()
    if asking.method not in ("GET", "HEAD") or dict.get(cookie, "_flashes") or not config["PAGE_CACHE"]:
        return None
    signed_in = dict.get(cookie, "_user_id")  # "<id>.<epoch>" (accounts/setup.py)
    if signed_in is None and asking.cookies.get(config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return None  # Flask-Login signs this visitor in from the cookie on the way
    if signed_in is not None and login_manager.session_protection \
            and dict.get(cookie, "_id") != login_manager._session_identifier_generator():
        return None  # another browser with this cookie: Flask-Login will deal with it
    # A visitor's session may hold a CSRF secret too (they opened the sign-in form): their page is theirs.
    person = (signed_in, dict.get(cookie, config["WTF_CSRF_FIELD_NAME"]))
    # The language as i18n.select_locale chooses it: asked in the URL, else the person's profile (a
    # row of the database, so covered by the versions), else the cookie or the browser's languages.
    asked = supported(asking.args.get("lang"))
    if asked:
        g.lang_chosen = asked  # i18n remembers it in the cookie, as when the page is rendered
    language = (asked, signed_in is not None, supported(asking.cookies.get(COOKIE)) or from_accept_language())
    minute = utcnow().replace(second=0, microsecond=0)
    # The host too, although only trusted hosts reach a view: a page built for one host name is never
    # served to a visitor who asked another. The path and query as they came (one page may have
    # several keys: never a wrong one).
    return (asking.endpoint, asking.host, asking.path, asking.query_string, language, person, minute, versions.current())


def cached_file(folder: str, stem: str, key: tuple, render: Callable[[], bytes], suffix: str = ".pdf") -> bytes:
    """Bytes rendered once per `key` and kept in the file storage (core/storage.py) under
    cache/<folder>/, shared by every process and server. Costly documents (a handout takes
    140–990 ms to print) are rendered once per version instead of once per request.

    Several processes may render the same file at once: the storage writes whole objects (a
    reader sees all of one or none), and both write the same bytes. A small pointer object names
    the current version, so that the previous one is deleted when a new one is written."""
    import hashlib

    from ecole.core.storage import MissingFile, get_storage

    storage = get_storage()
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:24]
    name = f"cache/{folder}/{stem}-{digest}{suffix}"
    try:
        return storage.get(name)
    except MissingFile:
        pass
    data = render()
    storage.put(name, data)
    pointer = f"cache/{folder}/{stem}.current"
    try:
        previous = storage.get(pointer).decode()
    except MissingFile:
        previous = ""
    if previous != name:
        storage.put(pointer, name.encode())
        if previous.startswith(f"cache/{folder}/{stem}-"):
            storage.delete(previous)
    return data
