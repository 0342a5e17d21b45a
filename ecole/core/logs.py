"""Logs as an operator reads them: plain lines in development, one JSON object per line in production,
each record written during a request carrying that request's id, and one access line per request.

The id comes from nginx (`X-Request-ID`, its `$request_id`) when it looks like one, else it is made
here; it goes back in the response's `X-Request-ID`, so a person's "it failed" (the header, or the
time) leads to every line the request wrote, on whichever app server it ran. A context variable, not
`flask.g`, holds it: a logging filter reads it for any logger (SQLAlchemy's, Huey's) without needing
an application context, and it costs nothing to read.

Access lines never hold the query string (calendar tokens, search words), a secret in the path (the
`token` and `code` of calendar feeds and certificate addresses are replaced by their names), nor who
the person is beyond their account's id.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from contextvars import ContextVar
from datetime import datetime, timezone

from flask import Flask, g, request

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept when it looks like one (nginx's 32 hex digits, a UUID…). Anything else — too
# short or long, spaces, quotes, control characters — could break or forge log lines: a new id is made.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# Parts of a path that are secrets: written as `<token>` in access lines.
SECRET_PATH_PARTS = ("token", "code")

request_id: ContextVar[str | None] = ContextVar("ecole_request_id", default=None)

# The attributes of every LogRecord: anything else on a record came from `extra=` and is written out.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "request_id", "taskName"}
_HANDLER_MARK = "_ecole_handler"
access_log = logging.getLogger("ecole.access")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, the record's `extra`
    fields, and the traceback of an exception (newlines escaped: still one line)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


FORMATTERS = {
    "text": lambda: logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"),
    "json": JsonFormatter,
}


def make_handler(log_format: str, stream=None) -> logging.Handler:
    """A handler writing `log_format` lines ("text" or "json") to `stream` (stdout), with request ids."""
    if log_format not in FORMATTERS:
        raise RuntimeError(f"ECOLE_LOG_FORMAT must be one of {', '.join(FORMATTERS)}, not {log_format!r}")
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(FORMATTERS[log_format]())
    handler.addFilter(RequestIdFilter())
    return handler


def configure(app: Flask) -> None:
    """Logs go to stdout, where gunicorn, systemd or a container collects them. Tests keep pytest's."""
    handler = make_handler(app.config.get("LOG_FORMAT", "text"))  # a wrong format fails at start-up
    if app.testing:
        return
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)  # create_app called again in one process: one handler, the latest
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    """The request's id and start time, the `X-Request-ID` answer and the access line. Registered
    before every other request hook, so that it runs first, and its after-request hook last."""
    write_access_line = bool(app.config.get("ACCESS_LOG"))

    @app.before_request
    def begin_request():
        # The environ, not request.headers: a missing header costs Werkzeug an exception (~3 µs).
        current = request_id_for(request.environ)
        g.request_id = current
        g.request_started = time.perf_counter()
        g.request_id_token = request_id.set(current)

    @app.after_request
    def end_request(response):
        current = g.get("request_id")
        if current is not None:
            response.headers[REQUEST_ID_HEADER] = current
            if write_access_line:
                _access_line(response)
        return response

    @app.teardown_request
    def forget_request_id(_error=None):
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id.reset(token)


def request_id_for(environ) -> str:
    """The request's id: the proxy's (nginx's `$request_id`) when it is a sane one, else a new one."""
    incoming = environ.get("HTTP_X_REQUEST_ID")
    return incoming if incoming and SANE_REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()


def request_seconds() -> float | None:
    """How long the current request has taken so far (None before `begin_request` ran)."""
    started = g.get("request_started")
    return None if started is None else time.perf_counter() - started


def logged_path() -> str:
    """The request's path without its secrets (query strings are never logged)."""
    path = request.path
    for name in SECRET_PATH_PARTS:
        value = (request.view_args or {}).get(name)
        if isinstance(value, str) and value:
            path = path.replace(value, f"<{name}>")
    return path


def _access_line(response) -> None:
    duration_ms = round(request_seconds() * 1000, 1)
    user = g.get("_login_user")  # only when the request already loaded it: no query for a log line
    user_id = getattr(user, "id", None) if user is not None and user.is_authenticated else None
    path = logged_path()
    access_log.info("%s %s %s %.1f ms", request.method, path, response.status_code, duration_ms,
                    extra={"method": request.method, "path": path, "status": response.status_code,
                           "duration_ms": duration_ms, "user_id": user_id})
