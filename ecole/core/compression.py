"""Gzip for text responses: static files compressed once per process, pages as they are sent.

Why in the application: `make run` and the benchmark serve gunicorn directly, and a phone in a douar
pays for every byte (a stylesheet is a quarter of its size gzipped). Behind nginx (deploy/), nginx
passes a response that already says Content-Encoding through untouched.

A page is compressed only when the visitor's session holds no secret (no account, no CSRF token):
a secret and text an attacker chose (a search, a `next`), compressed together, leak through the
response's length (BREACH). Static files hold no secret and are always compressed.
"""
import functools
import os
import zlib

from flask import Flask, Response, current_app, request, session
from werkzeug.security import safe_join

COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
    "application/manifest+json", "image/svg+xml", "text/plain",
})
MIN_BYTES = 1024  # below this, the Content-Encoding and Vary headers cost about what gzip saves
# Pages at level 1, nginx's default: 45–90 µs for a 3–18 KB page here against 55–250 µs at level 6,
# for 5–25 % more bytes. Static files once per process, so at the best level.
PAGE_LEVEL = 1
STATIC_LEVEL = 9


def init_app(app: Flask) -> None:
    @app.after_request
    def compress(response: Response) -> Response:
        if response.mimetype not in COMPRESSIBLE or "Content-Encoding" in response.headers:
            return response
        if request.endpoint == "static":
            return _compress_static(response)
        if response.direct_passthrough or response.is_streamed or response.status_code in (204, 304):
            return response  # a file sent as it is read, or a body written while it is sent
        if (response.content_length or 0) < MIN_BYTES:
            return response
        response.headers.add("Vary", "Accept-Encoding")  # (a second Vary line: cheaper than parsing the first)
        if _accepts_gzip() and not _session_holds_secret():
            _use_body(response, _gzip_page(response.get_data()))
        return response


@functools.lru_cache(maxsize=256)
def _gzip_page(body: bytes) -> bytes:
    """A page kept whole (core/cache.py) comes back as the very same bytes object, whose hash Python
    keeps: it is compressed once, not at each request (100–180 µs, a fifth of such a page's time)."""
    return _gzip(body, PAGE_LEVEL)


@functools.lru_cache(maxsize=128)
def _gzip_file(path: str, _modified_ns: int, _size: int) -> bytes:
    with open(path, "rb") as file:
        return _gzip(file.read(), STATIC_LEVEL)


def _compress_static(response: Response) -> Response:
    response.vary.add("Accept-Encoding")
    if response.status_code != 200 or not response.direct_passthrough or not _accepts_gzip():
        return response  # a 304, a range: as Werkzeug made them
    path = safe_join(current_app.static_folder, request.view_args["filename"])
    try:
        stat = os.stat(path)
    except (OSError, TypeError):
        return response
    if stat.st_size < MIN_BYTES:
        return response
    body = _gzip_file(path, stat.st_mtime_ns, stat.st_size)
    if hasattr(response.response, "close"):
        response.response.close()  # the open file Werkzeug was about to send
    response.direct_passthrough = False
    _use_body(response, body)
    response.headers.pop("Accept-Ranges", None)  # a range would be of the file, not of these bytes
    return response


def _use_body(response: Response, body: bytes) -> None:
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        # Another representation of the same resource: a weak tag (as nginx does), which still matches
        # If-None-Match, so a revalidation answers 304.
        response.set_etag(etag, weak=True)


def _gzip(data: bytes, level: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _session_holds_secret() -> bool:
    # dict.get, not session.get: reading the session through its own methods marks it accessed, and
    # the page would then vary on the cookie (as in core/cache.py).
    cookie = session._get_current_object()
    return bool(dict.get(cookie, "_user_id") or dict.get(cookie, current_app.config.get("WTF_CSRF_FIELD_NAME",
                                                                                        "csrf_token")))
