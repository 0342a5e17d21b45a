"""SQLite transactions done right, and the write lock for operations that must not race.

pysqlite's own transaction handling emits no BEGIN before SAVEPOINT (so a savepoint can commit
on its own) and starts transactions late. Ecole turns it off and emits BEGIN itself, as
SQLAlchemy's documentation recommends. A transaction that read first and writes later can fail
at once on SQLite when another writer committed in between; operations that must not race
(taking a seat…) call `take_write_lock()` first: on SQLite it restarts the transaction as
BEGIN IMMEDIATE, which waits for the lock (busy_timeout) instead of failing. On PostgreSQL it
does nothing: row locks and conditional UPDATEs already serialise the writers.
"""
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

from ecole.extensions import db

_IMMEDIATE: ContextVar[bool] = ContextVar("sqlite_immediate", default=False)
_WROTE = "ecole_wrote"


def _is_sqlite(connection) -> bool:
    return connection.dialect.name == "sqlite"


def _begin(connection) -> None:
    if _is_sqlite(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _IMMEDIATE.get() else "BEGIN")
        connection.info[_WROTE] = _IMMEDIATE.get()


def _note_writes(connection, cursor, statement, parameters, context, executemany) -> None:
    if _is_sqlite(connection) and not statement.lstrip()[:6].upper() in ("SELECT", "PRAGMA"):
        connection.info[_WROTE] = True


def _forget(connection) -> None:
    connection.info.pop(_WROTE, None)


def install() -> None:
    for name, listener in (("begin", _begin), ("before_cursor_execute", _note_writes), ("commit", _forget),
                           ("rollback", _forget)):
        if not event.contains(Engine, name, listener):
            event.listen(Engine, name, listener)


def take_write_lock() -> None:
    """Hold the database's write lock for the rest of the transaction (SQLite); no-op elsewhere."""
    connection = db.session.connection()
    if not _is_sqlite(connection) or connection.info.get(_WROTE):
        return  # PostgreSQL, or SQLite after a write: the lock is already ours
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.flush()
        return
    db.session.rollback()  # only reads so far: nothing is lost
    token = _IMMEDIATE.set(True)
    try:
        db.session.connection()
    finally:
        _IMMEDIATE.reset(token)
