"""A small in-process cache of rendered pages and fragments. Each entry is valid for the versions
read from the database of the tables it was made from (core/versions.py), so every server of a
cluster stays correct without sharing the cache: a change to one of those tables, anywhere, makes
the entry stale everywhere, and old entries age out (LRU)."""
import threading
import time
from collections import OrderedDict
from functools import wraps
from typing import Callable

from flask import current_app, g, request, session
from markupsafe import Markup


class LRUCache:
    """At most `max_entries` values weighing at most `max_bytes` together (each as `weigh` says), the
    least recently used dropped first; safe across threads. The bytes bound the memory whatever the
    school's size: a count alone either thrashed (300 courses in three languages make 10,000
    fragments, 7 MB, against 2,000 entries) or would let large pages take gigabytes."""

    def __init__(self, max_entries: int = 100_000, max_bytes: int = 32 << 20, weigh: Callable = len):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.weigh = weigh
        self.bytes = 0
        self._entries: OrderedDict = OrderedDict()
        self._weights: dict = {}
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        return None

    def put(self, key: tuple, value) -> None:
        weight = self.weigh(value)
        with self._lock:
            self.bytes += weight - self._weights.get(key, 0)
            self._entries[key] = value
            self._entries.move_to_end(key)
            self._weights[key] = weight
            while len(self._entries) > self.max_entries or (self.bytes > self.max_bytes and len(self._entries) > 1):
                dropped, _value = self._entries.popitem(last=False)
                self.bytes -= self._weights.pop(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weights.clear()
            self.bytes = 0


class FragmentCache(LRUCache):
    def get_or_render(self, key: tuple, render: Callable[[], str]) -> Markup:
        """The fragment kept under `key` (which must change with whatever it shows), else rendered.
        The tables it was made from count for the page around it, hit or miss: a page kept with a
        fragment depends on what the fragment read when it was rendered."""
        from ecole.core import versions

        kept = self.get(key)
        if kept is None:
            with versions.recording() as reads:
                kept = (Markup(render()), frozenset(reads))
            self.put(key, kept)
        else:
            versions.note_read(kept[1])
        return kept[0]


# Per process (a gunicorn worker each): at most 96 MB in all.
fragments = FragmentCache(max_bytes=48 << 20, weigh=lambda kept: len(kept[0]))  # (markup, tables it read)
pages = LRUCache(max_bytes=32 << 20, weigh=lambda kept: len(kept[1]))  # (tables' tokens, body, headers)
_KEPT_HEADERS = frozenset({"content-type", "vary", "cache-control", "content-language"})
# Set in the WSGI environ when the page answered is a kept one (rendered and kept, or answered from
# `pages`): what KeptForVisitors may keep whole, as (endpoint, minute of the page's key, the (table,
# token) pairs it is valid for).
_KEPT = "ecole.kept_page"
# Request headers that change nothing in a kept page: they are left out of a visitor's key. (Every
# other header is in it, so whatever a page could depend on gives its own entry.) The client's
# address, after the proxy's headers, only counts for rate limits, which a kept page never reaches.
_NOT_IN_KEY = frozenset({
    "HTTP_X_REQUEST_ID", "HTTP_CONNECTION", "HTTP_KEEP_ALIVE", "HTTP_TE", "HTTP_USER_AGENT", "HTTP_REFERER",
    "HTTP_CACHE_CONTROL", "HTTP_PRAGMA", "HTTP_UPGRADE_INSECURE_REQUESTS", "HTTP_DNT", "HTTP_PRIORITY",
    "HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP",
})
_REQUEST_ID_HEADER = "X-Request-ID"


def cached_page(view):
    """A GET page kept whole and answered again, without running `view`, until the database changes.

    Its key (`_page_key`): the endpoint and the full URL, what chooses the language, the signed-in
    session (its user id and epoch, and the CSRF secret its forms' tokens come from), and the minute
    (what is "upcoming" or "in two hours" moves with the clock). It is kept with the versions of the
    tables its rendering read (core/versions.py: every statement of the request is recorded, the
    signed-in person's and their roles' too, and a kept fragment counts the tables it was made
    from), and answered only while each is unchanged: any write to one of them, by anyone on any
    server, renders it again, so an access rule, a name or a figure is never stale; a write elsewhere
    leaves it be. A kept page is answered by `init_app`'s hook before the user is even loaded: it was
    rendered for this very session, after every access check passed, and nothing it read has changed
    since. Never kept: a page with a message waiting to be shown, a page whose rendering changed the
    session (a visitor's first CSRF token), an answer other than 200."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        from ecole.core import versions
        from ecole.extensions import db

        recorded = "page_key" in g  # the request's recording began with its key, before the user was loaded
        key = g.page_key if recorded else _page_key()
        if key is None:
            return view(*args, **kwargs)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.is_streamed and not session.modified:
            headers = [(name, value) for name, value in response.headers.items() if name.lower() in _KEPT_HEADERS]
            if "Cache-Control" not in response.headers:  # what core/security.py gives pages, decided once
                headers.append(("Cache-Control", "no-store" if key[5][0] is not None else "no-cache"))
            # Called from another view, nothing recorded what it read: it depends on every table.
            pairs = versions.tokens_of(versions.recorded() if recorded else db.metadata.tables)
            pages.put(key, (pairs, response.get_data(), headers))
            _mark_kept(key, pairs)  # a visitor's answer may be kept whole too
        return response

    wrapper.kept_page = True
    return wrapper


def init_app(app) -> None:
    """Answer a kept page before anything else loads: registered before the hooks that load the user."""

    @app.before_request
    def answer_kept_page():
        if not getattr(app.view_functions.get(request.endpoint), "kept_page", False):
            return None
        from ecole.core import versions

        key = g.page_key = _page_key()
        if key is None:
            return None
        versions.start_recording()  # what the page reads from here on, the person's row included
        kept = pages.get(key)
        if kept is None or not versions.unchanged(kept[0]):
            return None
        pairs, body, headers = kept
        _mark_kept(key, pairs)
        return app.response_class(body, headers=headers)


def current_minute() -> int:
    """The minute a kept page belongs to: what a page shows of the clock ("in 3 days", an offer's
    deadline) is never older than a minute. One function, so that a test can hold the clock still."""
    return int(time.time() // 60)


def _page_key() -> tuple | None:
    from ecole.core import versions
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
    minute = current_minute()
    versions.current()  # the tokens, read before anything the page shows: what a kept copy is valid for
    # The host too, although only trusted hosts reach a view: a page built for one host name is never
    # served to a visitor who asked another. The path and query as they came (one page may have
    # several keys: never a wrong one).
    return (asking.endpoint, asking.host, asking.path, asking.query_string, language, person, minute)


def _mark_kept(key: tuple, pairs: tuple) -> None:
    request.environ[_KEPT] = (key[0], key[6], pairs)  # endpoint, minute (`_page_key`), what it is valid for


class KeptForVisitors:
    """A visitor's kept page answered whole, before Flask builds a request: WSGI middleware around the
    app (inside the proxy fix, so the host and scheme are the client's).

    For a visitor (no session cookie, no remember-me cookie) a kept page's whole answer (status,
    headers, gzipped or not, the language cookie) follows from the request's URL and headers, the
    minute and the database's versions: this keeps that answer the first time and gives it back,
    with a new request id, to the next identical request while nothing it read has changed. The key
    holds the scheme, host, path, query, every request header but those in `_NOT_IN_KEY` and the
    minute, and the answer is given only while the tokens of the tables the page read (core/versions.py)
    are those it was rendered under, so it is finer than `_page_key`: it never answers what Flask
    would not have answered from `pages`. Such a hit costs a tenth of one through Flask's hooks.

    Kept: GET answers of `cached_page` views, 200, setting no cookie but the language's. Requests are
    still counted in the metrics. Not installed when the app writes its own access line (a hit would
    write none)."""

    def __init__(self, app, wsgi_app, max_bytes: int = 16 << 20):
        from ecole.i18n import COOKIE

        self.app = app
        self.wsgi_app = wsgi_app
        self.entries = LRUCache(max_bytes=max_bytes, weigh=lambda kept: len(kept[3]))  # (tokens, status, headers, body, …)
        self.signed_cookies = (app.config["SESSION_COOKIE_NAME"] + "=",
                               app.config.get("REMEMBER_COOKIE_NAME", "remember_token") + "=")
        self.language_cookie = COOKIE + "="
        self.engine = None

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or not self.app.config["PAGE_CACHE"]:
            return self.wsgi_app(environ, start_response)
        cookie = environ.get("HTTP_COOKIE", "")
        if cookie and (self.signed_cookies[0] in cookie or self.signed_cookies[1] in cookie):
            return self.wsgi_app(environ, start_response)
        from ecole.core import versions

        started = time.perf_counter()
        kept = self.entries.get(self._key(environ, current_minute()))
        if kept is not None:  # only then are the versions read (a static file, a form, a 404 go straight to Flask)
            try:
                fresh = versions.unchanged(kept[0], dict(self._versions()))
            except Exception:  # the database not answering: Flask meets it again and answers its error page
                return self.wsgi_app(environ, start_response)
            if fresh:
                return self._answer(kept, environ, start_response, started)
        answered: list = []

        def starting(status, headers, exc_info=None):
            answered[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, starting)
        kept = environ.get(_KEPT)
        if kept is None or not answered or not answered[0].startswith("200 "):
            return body
        status, headers = answered
        if any(name.lower() == "set-cookie" and not value.startswith(self.language_cookie) for name, value in headers):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        endpoint, minute, pairs = kept  # keyed with the minute the page was rendered in, valid for these tokens
        self.entries.put(self._key(environ, minute),
                         (pairs, status, [(name, value) for name, value in headers if name != _REQUEST_ID_HEADER],
                          data, endpoint))
        return [data]

    def _versions(self) -> tuple:
        from ecole.core import versions

        if self.engine is None:
            from ecole.extensions import db

            with self.app.app_context():
                self.engine = db.engine
        return versions.read(self.engine)

    @staticmethod
    def _key(environ, minute: int) -> tuple:
        headers = tuple(sorted((name, value) for name, value in environ.items()
                               if name.startswith("HTTP_") and name not in _NOT_IN_KEY and not name.startswith("HTTP_SEC_")))
        return (environ.get("wsgi.url_scheme"), environ.get("SERVER_NAME"), environ.get("SERVER_PORT"),
                environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
                headers, minute)

    def _answer(self, kept, environ, start_response, started):
        from ecole.core import logs, metrics

        _pairs, status, headers, data, endpoint = kept
        start_response(status, [*headers, (_REQUEST_ID_HEADER, logs.request_id_for(environ))])
        metrics.observe(endpoint, "GET", 200, time.perf_counter() - started)
        return [data]


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
