"""SQL helpers shared by every domain: substring search with the text taken literally.

In LIKE, `%` and `_` are wildcards and `\\` escapes: a search for `%` must find a percent sign,
not every row. Every LIKE on text typed by someone goes through contains()."""
import json
import threading
import weakref

from sqlalchemy import ColumnElement, String, cast, event, func, or_

ESCAPE = "\\"


def like_escape(text: str) -> str:
    """`text` with LIKE's special characters escaped (for use with escape=ESCAPE)."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains_pattern(text: str) -> str:
    return f"%{like_escape(text)}%"


def contains(column, text: str, *, ignore_case: bool = False) -> ColumnElement[bool]:
    """`column` contains `text`, literally (lower() on both sides when ignore_case: same on SQLite and PostgreSQL)."""
    if ignore_case:
        return func.lower(column).like(contains_pattern(text.lower()), escape=ESCAPE)
    return column.like(contains_pattern(text), escape=ESCAPE)


def json_mentions(column, text: str) -> ColumnElement[bool]:
    """A JSON column whose stored text holds `text`, as typed or as JSON writes it (SQLAlchemy's
    serializer escapes non-ASCII letters: "فاطمة" is stored as "\\u0641\\u0627…"). A first sieve on
    the server; the caller checks the values it finds."""
    stored = cast(column, String)
    return or_(*(stored.like(contains_pattern(form), escape=ESCAPE) for form in {text, json.dumps(text)[1:-1]}))


def use_wal(connection, timeout: float) -> None:
    """WAL mode on a sqlite3 connection, set once per file. Asking for it again is a no-op that still
    needs a lock, and SQLite does not wait on its busy handler for every kind of lock (another process
    recovering the WAL): read the mode first, and retry briefly when the file is busy, rather than
    fail a request."""
    import sqlite3
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if ("locked" not in str(error) and "busy" not in str(error)) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


_COMPILED: dict = {}


def first_raw_row(engine, statement, **params) -> tuple | None:
    """The first row of a SELECT, read through a DBAPI connection directly: 0.01 ms instead of
    SQLAlchemy's 0.1 ms (Connection, events, BEGIN, result processing), for the hottest public reads.
    Values come as the driver gives them (a date may be a string on SQLite): use them as cache keys
    and flags, not for display. The statement is compiled once per dialect. Every parameter is a
    `bindparam(name)` given by name in `params`. It runs on a connection of the thread's own, in
    autocommit (`_own_connection`): each read sees the last commit."""
    return _raw(engine, statement, params, lambda cursor: cursor.fetchone())


def raw_rows(engine, statement, **params) -> list[tuple]:
    """Every row of a SELECT, read as `first_raw_row` reads one."""
    return _raw(engine, statement, params, lambda cursor: cursor.fetchall())


# {engine: {thread id: a DBAPI connection of that thread's own, for these reads only}}
_OWN: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_OWN_LOCK = threading.Lock()


def _raw(engine, statement, params: dict, fetch):
    key = (id(statement), engine.dialect.name)
    if key not in _COMPILED:
        compiled = statement.compile(dialect=engine.dialect)
        _COMPILED[key] = (statement, str(compiled), compiled.positiontup if compiled.positional else None)
    _statement, sql, positions = _COMPILED[key]
    from ecole.core import versions

    versions.note_statement(sql)  # a page kept under the tables it read (SQLAlchemy's events don't see this read)
    arguments = tuple(params[name] for name in positions) if positions is not None else params
    connection = _own_connection(engine)
    if connection is not None:
        try:
            return _run(connection, sql, arguments, fetch)
        except Exception:  # a connection the server dropped: forget it, read through the pool
            _forget_own(engine, threading.get_ident())
    pooled = engine.raw_connection()
    try:
        return _run(pooled, sql, arguments, fetch)
    finally:
        pooled.close()


def _run(connection, sql: str, arguments, fetch):
    cursor = connection.cursor()
    try:
        cursor.execute(sql, arguments)
        return fetch(cursor)
    finally:
        cursor.close()


def _own_connection(engine):
    """A DBAPI connection this thread keeps for these reads, in autocommit: taking one from the pool
    and giving it back (a rollback on PostgreSQL) costs more than the read itself. None for a SQLite
    database in memory, whose one pooled connection is the database. Closed when the engine is
    disposed (a database about to be dropped must have no connection left)."""
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return None
    thread = threading.get_ident()
    connection = _OWN.get(engine, {}).get(thread)
    if connection is None:
        fairy = engine.raw_connection()
        fairy.detach()  # no longer the pool's: kept by this thread
        connection = fairy.dbapi_connection
        if engine.dialect.name != "sqlite":  # SQLite's connections are in autocommit already (ecole/__init__.py)
            connection.autocommit = True
        with _OWN_LOCK:
            if engine not in _OWN:
                _OWN[engine] = {}
                if not event.contains(engine, "engine_disposed", _close_own):
                    event.listen(engine, "engine_disposed", _close_own)
            _OWN[engine][thread] = connection
    return connection


def _forget_own(engine, thread: int) -> None:
    with _OWN_LOCK:
        connection = _OWN.get(engine, {}).pop(thread, None)
    _close(connection)


def _close_own(engine) -> None:
    with _OWN_LOCK:
        connections = list(_OWN.pop(engine, {}).values())
    for connection in connections:
        _close(connection)


def _close(connection) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:
            pass
