"""A real Ecole under gunicorn with several sync workers, on its own database, for tests over HTTP.

The in-process test client runs one request at a time in one process, so it cannot show what
several server processes do to each other (locks, limits counted per process, races on a row).
`LiveSchool` starts gunicorn on a fresh SQLite file, or on a fresh PostgreSQL database when
TEST_DATABASE_URL points to PostgreSQL, and `LiveClient` talks to it like a browser: cookies,
CSRF tokens read from the pages, redirects not followed.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from benchmarks.client import USER_AGENT, BenchError, Response, cookie_header, request
from benchmarks.servers import HOST, ROOT, Server, free_port
from config import TestingConfig

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def _postgres_server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


class FlaskDevServer(Server):
    """The server `make run` starts: Flask's development server, one process, a thread per request."""

    def start(self, timeout: float = 30.0) -> None:
        self.port = free_port()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", HOST, "--port", str(self.port)],
                cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        if not self._wait_ready(timeout):
            self.stop()
            raise BenchError(f"flask run did not start on {HOST}:{self.port}; its log:\n" + self.log_tail())


class LiveSchool:
    """gunicorn + a database of its own. `app` is an in-process app on the same database, for
    setting up rows (`with school.app.app_context(): make_user(...)`) and reading them back."""

    def __init__(self, tmp: Path, *, workers: int = 4, env: dict[str, str] | None = None, server: str = "gunicorn"):
        """server: "gunicorn" (sync workers, as in production) or "flask" (`make run`'s threaded server)."""
        self.tmp, self.workers, self.extra_env, self.server_kind = tmp, workers, env or {}, server
        self._pg_admin_url = _postgres_server_url()
        self._pg_name = None
        if self._pg_admin_url:
            self._pg_name = f"ecole_live_{uuid.uuid4().hex[:12]}"
            base = self._pg_admin_url.rsplit("/", 1)[0]
            self.database_url = f"{base}/{self._pg_name}"
        else:
            self.database_url = f"sqlite:///{tmp / 'live.sqlite3'}"
        self.storage = tmp / "storage"
        self.server: Server | None = None
        self.app = None

    # --- life cycle ---------------------------------------------------------------------------
    def start(self) -> "LiveSchool":
        from ecole import create_app

        if self._pg_name:
            engine = create_engine(self._pg_admin_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self._pg_name}"'))
            engine.dispose()

        url, storage = self.database_url, str(self.storage)

        class Config(TestingConfig):
            SQLALCHEMY_DATABASE_URI = url
            STORAGE_DIR = storage

        self.app = create_app(Config)
        with self.app.app_context():
            upgrade()
        env = {key: value for key, value in os.environ.items()
               if key not in ("REDIS_URL", "MAIL_SERVER", "FLASK_APP", "FLASK_DEBUG", "TEST_DATABASE_URL")}
        env.update({
            "ECOLE_ENV": "development", "SECRET_KEY": secrets.token_urlsafe(24), "DATABASE_URL": url,
            "ECOLE_STORAGE_DIR": storage, "PYTHONUNBUFFERED": "1",
            # Rate limits counted in this school's own file (the embedded default, shared by its workers).
            "RATELIMIT_STORAGE_URI": f"ecole-sqlite://{self.tmp / 'ratelimit.sqlite3'}", **self.extra_env,
        })
        kind = FlaskDevServer if self.server_kind == "flask" else Server
        self.server = kind("Ecole (live test)", "wsgi:app", env, self.tmp / f"{self.server_kind}.log",
                           ready_path="/healthz", workers=self.workers)
        self.server.start(timeout=60)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        if self.app is not None:
            from ecole.extensions import db

            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()
        if self._pg_name:
            engine = create_engine(self._pg_admin_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)'))
            engine.dispose()

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def log(self) -> str:
        return self.server.log_tail(200) if self.server else ""

    @contextmanager
    def context(self):
        """An app context on the live database (for factories and for reading results)."""
        from ecole.extensions import db

        with self.app.app_context():
            try:
                yield db
            finally:
                db.session.remove()

    def client(self, source: str | None = None) -> "LiveClient":
        """A new browser; `source` (e.g. "127.0.0.2") makes it come from another loopback address."""
        return LiveClient(self.base_url, source=source)


class LiveClient:
    """One browser: its own cookies, CSRF tokens taken from the pages it reads."""

    def __init__(self, base_url: str, source: str | None = None):
        self.base_url, self.source = base_url, source
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
              timeout: float = 60.0) -> Response:
        all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = cookie_header(self.cookies)
        response = request(self.base_url, method, path, headers=all_headers, body=body, timeout=timeout,
                           source=self.source)
        self.cookies.update(response.cookies())
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self._send("GET", path, **kwargs)

    def csrf(self, path: str = "/login") -> str:
        for candidate in (path, "/account", "/"):
            match = CSRF_RE.search(self.get(candidate).body.decode("utf-8", "replace"))
            if match:
                return match.group(1) or match.group(2)
        raise AssertionError("no page with a CSRF token")

    def post(self, path: str, data: dict | None = None, *, token: str | None = None, form_path: str | None = None,
             **kwargs) -> Response:
        fields = dict(data or {})
        fields.setdefault("csrf_token", token or self.csrf(form_path or path))
        body = urlencode(fields, doseq=True).encode()
        return self._send("POST", path, body=body,
                          headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": self.base_url + path},
                          **kwargs)

    def login(self, identifier: str, password: str) -> Response:
        response = self.post("/login", {"identifier": identifier, "password": password})
        assert response.status == 302, (response.status, response.body[:300])
        return response
