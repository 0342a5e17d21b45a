"""Rate-limit counters in a SQLite file, shared by every process of one machine (the embedded default).

A `memory://` store lives inside one process: under gunicorn with 4 workers each
worker counted failed sign-ins on its own, and 40 passed a minute instead of 10. Without Redis,
the counters now live in `instance/ratelimit.sqlite3`, a small file apart from the school's
database, so that counting never waits for (or blocks) a school's writes. Each increment is one
atomic statement (an upsert that returns the new count): processes that count at the same moment
take turns (busy timeout) instead of losing increments. With `REDIS_URL`, Redis keeps the counters, as before.

`limits` finds a store by the scheme of its URI: the `Storage` base class registers each
subclass under its `STORAGE_SCHEME` when the class is defined, that is when `ecole.extensions`
imports this module for `RateLimits` (the `limiter` that views decorate).
"""
import functools
import math
import os
import random
import sqlite3
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import Flask, current_app, g, request
from limits import RateLimitItem, parse
from limits.errors import ConfigurationError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

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
        # One statement, atomic on its own (no BEGIN … COMMIT round trips): a new window starts when
        # the last one has expired.
        now = time.time()
        with self._lock:
            connection = self._connect()
            (value,) = connection.execute(
                "INSERT INTO counters (key, value, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET"
                " value = CASE WHEN expires_at <= ?4 THEN excluded.value ELSE value + excluded.value END,"
                " expires_at = CASE WHEN expires_at <= ?4 THEN excluded.expires_at ELSE expires_at END"
                " RETURNING value", (key, amount, now + expiry, now)).fetchone()
            if random.random() < 0.01:  # now and then, forget windows long past
                connection.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        return value

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


_EXTENSION = "ecole_rate_limits"


@dataclass(frozen=True)
class _Counting:
    enabled: bool
    storage: Storage
    strategy: FixedWindowRateLimiter


class RateLimits:
    """Per-view request limits (`@limiter.limit(...)`), counted with fixed windows in the configured
    store (`limits`: Redis, this module's SQLite file, or memory in tests).

    Flask-Limiter did this until it cost more than the pages it guarded: a hook before every request
    of the site, limited or not (0.07 ms), and 0.2 ms of bookkeeping on a limited one, a third of the
    whole verification page. Here a view that is not limited costs nothing, and a limited one costs
    one increment in the store."""

    def init_app(self, app: Flask) -> None:
        """Each application counts in its own store (a second app in the process, as the tests and
        the backup's restore make, must not move the first one's counts elsewhere)."""
        init_app(app)
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        app.extensions[_EXTENSION] = _Counting(bool(app.config.get("RATELIMIT_ENABLED", True)), storage,
                                               FixedWindowRateLimiter(storage))

    @property
    def _counting(self) -> "_Counting":
        return current_app.extensions[_EXTENSION]

    @property
    def enabled(self) -> bool:
        return self._counting.enabled

    @property
    def storage(self) -> Storage:
        return self._counting.storage

    @property
    def strategy(self) -> FixedWindowRateLimiter:
        return self._counting.strategy

    def limit(self, limit: Callable[[], str], *, methods: tuple[str, ...] | None = None,
              key: Callable[[], str] | None = None, scope: str | None = None):
        """A view decorator: at most `limit()` (e.g. "10 per minute") requests per `key()` (the client's
        address by default), for the given methods (all by default); over it, a 429 page that says when
        to try again. Views that name the same `scope` share one budget (else each view has its own).
        Every request is counted when it arrives (one atomic increment: parallel requests cannot all
        slip under the limit); `give_back()` returns this request's counts (a sign-in that succeeded)."""

        def decorate(view):
            name = scope or f"{view.__module__}.{view.__qualname__}"

            @functools.wraps(view)
            def limited(*args, **kwargs):
                counting = self._counting
                if counting.enabled and (methods is None or request.method in methods):
                    self.hit(name, limit(), key() if key is not None else remote_address())
                return view(*args, **kwargs)

            return limited

        return decorate

    def hit(self, scope: str, limit: str, who: str) -> None:
        item = _parsed(limit)
        if not self.strategy.hit(item, scope, who):
            stats = self.strategy.get_window_stats(item, scope, who)
            raise TooManyRequests(retry_after=max(1, math.ceil(stats.reset_time - time.time())))
        g.setdefault("rate_limit_hits", []).append((item, scope, who))

    def give_back(self) -> None:
        """Return what this request counted (a success must not use up a limit meant for failures)."""
        for item, scope, who in g.pop("rate_limit_hits", []):
            self.storage.incr(item.key_for(scope, who), item.get_expiry(), amount=-1)

    def reset(self) -> None:
        self.storage.reset()


def remote_address() -> str:
    return request.remote_addr or "127.0.0.1"


@functools.lru_cache(maxsize=64)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)
