"""Rate-limit counters in a SQLite file, shared by every process of one machine (the embedded default).

Flask-Limiter's `memory://` store lives inside one process: under gunicorn with 4 workers each
worker counted failed sign-ins on its own, and 40 passed a minute instead of 10. Without Redis,
the counters now live in `instance/ratelimit.sqlite3`, a small file apart from the school's
database, so that counting never waits for (or blocks) a school's writes. Each increment is one
`BEGIN IMMEDIATE` transaction: processes that count at the same moment take turns (busy
timeout) instead of losing increments. With `REDIS_URL`, Redis keeps the counters, as before.

`limits` finds a store by the scheme of its URI: the `Storage` base class registers each
subclass under its `STORAGE_SCHEME` when the class is defined, which `create_app` does by
importing this module to call `init_app`.
"""
import os
import random
import sqlite3
import threading
import time
import urllib.parse
from pathlib import Path

from flask import Flask
from limits.errors import ConfigurationError
from limits.storage import Storage

from ecole.core.sql import use_wal

SCHEME = "ecole-sqlite"
FILE_NAME = "ratelimit.sqlite3"


def uri_for(path: str | os.PathLike) -> str:
    """The storage URI of a counters file (an absolute path)."""
    return f"{SCHEME}://{Path(path).resolve()}"


def init_app(app: Flask) -> None:
    """Without a configured store (no REDIS_URL, no RATELIMIT_STORAGE_URI), count in the instance folder."""
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = uri_for(Path(app.instance_path) / FILE_NAME)


class SQLiteStorage(Storage):
    """Fixed-window counters (Flask-Limiter's default strategy) in one SQLite table."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        path = urllib.parse.urlparse(uri or "").path
        if not path or not path.startswith("/"):
            raise ConfigurationError(f"{SCHEME}:// needs an absolute file path, e.g. {SCHEME}:///var/ecole/limits.sqlite3")
        self.path = "/" + path.lstrip("/")
        self.timeout = float(options.get("timeout", 10))
        self._lock = threading.Lock()  # one connection per process, shared by its threads in turn
        self._connection: sqlite3.Connection | None = None
        self._pid: int | None = None
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    # --- connection -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        # A connection must not cross a fork (gunicorn's master → workers): open one per process.
        if self._connection is None or self._pid != os.getpid():
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                         check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
            use_wal(connection, self.timeout)
            connection.execute("PRAGMA synchronous=NORMAL")  # counters may lose the last second on a power cut
            connection.execute("CREATE TABLE IF NOT EXISTS counters ("
                               "key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL)")
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _write(self, work):
        """Run work(connection) in one BEGIN IMMEDIATE transaction: writers queue, none is lost."""
        with self._lock:
            connection = self._connect()
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = work(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return result

    def _read(self, sql: str, parameters: tuple):
        with self._lock:
            return self._connect().execute(sql, parameters).fetchone()

    # --- the limits.storage.Storage interface -------------------------------------------------
    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        def work(connection: sqlite3.Connection) -> int:
            now = time.time()
            row = connection.execute("SELECT value, expires_at FROM counters WHERE key = ?", (key,)).fetchone()
            if row is None or row[1] <= now:
                value = amount
                connection.execute("INSERT OR REPLACE INTO counters (key, value, expires_at) VALUES (?, ?, ?)",
                                   (key, value, now + expiry))
            else:
                value = row[0] + amount
                connection.execute("UPDATE counters SET value = ? WHERE key = ?", (value, key))
            if random.random() < 0.01:  # now and then, forget windows long past
                connection.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
            return value

        return self._write(work)

    def get(self, key: str) -> int:
        row = self._read("SELECT value FROM counters WHERE key = ? AND expires_at > ?", (key, time.time()))
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = self._read("SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?", (key, now))
        return row[0] if row else now

    def check(self) -> bool:
        try:
            self._read("SELECT 1", ())
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._write(lambda connection: connection.execute("DELETE FROM counters").rowcount)

    def clear(self, key: str) -> None:
        self._write(lambda connection: connection.execute("DELETE FROM counters WHERE key = ?", (key,)))

