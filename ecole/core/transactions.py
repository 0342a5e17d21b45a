"""SQLite transactions done right, the lock on a row that must not race, and requests run again
when the database asks for it.

pysqlite's own transaction handling emits no BEGIN before SAVEPOINT (so a savepoint can commit
on its own) and starts transactions late. Ecole turns it off and emits BEGIN itself, as
SQLAlchemy's documentation recommends. A transaction that read first and writes later fails at
once on SQLite (SQLITE_BUSY, "database is locked", without waiting for busy_timeout) when another
writer committed in between: the lock cannot be upgraded. So a transaction that is going to write
starts as a writer: every transaction of a request that may change something (any method but GET,
HEAD and OPTIONS) begins with BEGIN IMMEDIATE, which waits for the write lock (busy_timeout)
instead of failing, and so do the operations that call `take_write_lock()` outside a request.
A GET never writes (house rule), so it reads from its snapshot without taking any lock. Slow work
that only reads (checking a password: Argon2 takes tens of milliseconds) runs in
`without_write_lock()`, so that a rush of sign-ins does not queue every other writer behind it.

Where the database still asks for a retry (SQLite busy after busy_timeout; a PostgreSQL deadlock
or serialization failure), the request is rolled back and its view run again from the start, a
bounded number of times, provided nothing was committed yet: a view that committed has changed
the world (and e-mails go out only after a request's view has returned, see `init_app`), so it
is never run twice.

Rows that several requests change at once (a session's seats) are locked with `lock_row()`:
SELECT … FOR UPDATE on PostgreSQL, the database's write lock on SQLite. Conditional UPDATEs
remain the guard; the lock makes the reads that decide them current.
"""
import copy
import logging
import random
import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, g, has_request_context, request, session
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from ecole.extensions import db

log = logging.getLogger(__name__)

_IMMEDIATE: ContextVar[bool] = ContextVar("sqlite_immediate", default=False)
_READING: ContextVar[bool] = ContextVar("sqlite_reading", default=False)
_WROTE = "ecole_wrote"  # the write lock is ours (BEGIN IMMEDIATE, or a write)
_CHANGED = "ecole_changed"  # something was written: ending the transaction would lose it
_COMMITTED = "ecole_committed"
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ATTEMPTS = 3  # a request runs at most this many times when the database asks for a retry
_RETRY_SQLSTATES = frozenset({"40001", "40P01"})  # PostgreSQL: serialization failure, deadlock detected


def _is_sqlite(connection) -> bool:
    return connection.dialect.name == "sqlite"


def _writing_request() -> bool:
    return has_request_context() and request.method not in READ_ONLY_METHODS


def _begin(connection) -> None:
    if _is_sqlite(connection):
        immediate = _IMMEDIATE.get() or (_writing_request() and not _READING.get())
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        connection.info[_WROTE] = immediate


def _note_writes(connection, cursor, statement, parameters, context, executemany) -> None:
    if _is_sqlite(connection):
        verb = statement.lstrip()[:6].upper()
        if verb not in ("SELECT", "PRAGMA"):
            connection.info[_WROTE] = True
        if verb not in ("SELECT", "PRAGMA", "BEGIN ", "BEGIN", "SAVEPO", "RELEAS", "ROLLBA"):
            connection.info[_CHANGED] = True


def _forget(connection) -> None:
    connection.info.pop(_WROTE, None)
    connection.info.pop(_CHANGED, None)


def _note_commit(session) -> None:
    session.info[_COMMITTED] = True


def install() -> None:
    for name, listener in (("begin", _begin), ("before_cursor_execute", _note_writes), ("commit", _forget),
                           ("rollback", _forget)):
        if not event.contains(Engine, name, listener):
            event.listen(Engine, name, listener)


def take_write_lock() -> None:
    """Hold the database's write lock for the rest of the transaction (SQLite); no-op elsewhere."""
    connection = db.session.connection()
    if not _is_sqlite(connection) or connection.info.get(_WROTE):
        return  # PostgreSQL, or SQLite after a write (or a BEGIN IMMEDIATE): the lock is already ours
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.flush()
        return
    db.session.rollback()  # only reads so far: nothing is lost
    token = _IMMEDIATE.set(True)
    try:
        db.session.connection()
    finally:
        _IMMEDIATE.reset(token)


@contextmanager
def without_write_lock():
    """Slow work that only reads (a password check) without holding SQLite's write lock: a
    transaction that has only read so far is ended (nothing is lost; loaded objects reload) and
    the reads inside begin as a reader. Whatever writes afterwards calls take_write_lock() first.
    On PostgreSQL nothing changes: reading locks nothing there."""
    current = db.session()
    # Inside a savepoint the outer transaction is someone else's to end: keep it.
    if current.in_transaction() and not current.in_nested_transaction() and not (
            current.new or current.dirty or current.deleted):
        connection = current.connection()
        if _is_sqlite(connection) and not connection.info.get(_CHANGED):
            current.rollback()
    token = _READING.set(True)
    try:
        yield
    finally:
        _READING.reset(token)


def lock_row(instance, *, columns_only: bool = False, shared: bool = False) -> None:
    """Lock `instance`'s row until the transaction ends and read it again, so that what others
    committed meanwhile is seen: SELECT … FOR UPDATE on PostgreSQL, the write lock on SQLite.

    A refresh also loads again the relationships the instance was first loaded with (a session
    loaded for its page: trainers, meetings, the course and its texts, 8 statements). With
    `columns_only` only the row's own columns are read, in one statement: for the callers that
    change counters and states, not the instance's collections. A `shared` lock (FOR SHARE) is for a
    row that is only read and must not change before the transaction ends (the person an enrolment is
    for): several may hold it at once, whoever changes the row waits for them all. `current_user` is
    locked as the row behind it; an instance not in the database yet has no row to lock."""
    instance = getattr(instance, "_get_current_object", lambda: instance)()
    if not inspect(instance).persistent:
        return
    take_write_lock()
    if instance in db.session.dirty:
        db.session.flush()  # what was changed is written, then read back: a reload never drops it
    names = [attribute.key for attribute in inspect(type(instance)).column_attrs] if columns_only else None
    db.session.refresh(instance, attribute_names=names,
                       with_for_update={"of": type(instance), "read": True} if shared else {"of": type(instance)})


def insert_once(row) -> bool:
    """Add `row` in a savepoint: False when a unique key says it is there already (a double tap, two
    phones, two trainers at once), and the transaction goes on without it."""
    from ecole.extensions import db

    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


# --- requests run again when the database asks for it ----------------------------------------

def retry_asked(error: BaseException) -> bool:
    """Is this the database saying "try again" (not a bug, not bad data)?"""
    if not isinstance(error, DBAPIError) or error.orig is None:
        return False
    orig = error.orig
    if getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    name = getattr(orig, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return True
    return type(orig).__module__.startswith("sqlite3") and "is locked" in str(orig)


class _RequestState:
    """What a view may change besides the database: the signed cookie session (flashes, sign-in),
    `g` (the signed-in user) and the position in uploaded files. Put back before the view runs again."""

    def __init__(self):
        # dict.copy, not session.get(): reading the session through its own methods marks it
        # accessed, and every answer would then vary on the cookie.
        self.cookie = copy.deepcopy(dict.copy(session._get_current_object()))
        self.globals = dict(vars(g._get_current_object()))

    def restore(self) -> None:
        session.clear()
        session.update(copy.deepcopy(self.cookie))
        values = vars(g._get_current_object())
        values.clear()
        values.update(self.globals)
        for upload in request.files.values():
            if upload.stream.seekable():
                upload.stream.seek(0)


def init_app(app: Flask) -> None:
    """Run each view again (at most ATTEMPTS times) when the database asks for a retry before the
    view committed anything. (What a view's commit starts, e-mail for instance, runs as jobs handed
    to the queue after that commit: once, whatever the retries.)"""
    if not event.contains(Session, "after_commit", _note_commit):
        event.listen(Session, "after_commit", _note_commit)
    dispatch = app.dispatch_request

    def run_view():
        attempt = 1
        while True:
            state = _RequestState()
            if db.session.registry.has():  # a view that never opens the ORM session costs none
                db.session.info.pop(_COMMITTED, None)
            try:
                return dispatch()
            except DBAPIError as error:
                if attempt >= ATTEMPTS or not retry_asked(error) or db.session.info.get(_COMMITTED):
                    raise
                log.info("database busy on %s %s (attempt %d): running it again", request.method, request.path, attempt)
                db.session.rollback()
                state.restore()
                time.sleep(random.uniform(0.01, 0.05) * attempt)  # let the other writer finish
                attempt += 1

    def dispatch_request():
        try:
            return run_view()
        except BaseException:
            db.session.rollback()
            raise

    app.dispatch_request = dispatch_request
