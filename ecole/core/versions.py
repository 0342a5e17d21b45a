"""The database's version, for caches: a random token per table, replaced by every transaction that
writes to that table, in that same transaction.

A page cached under the tokens it was rendered with is right for as long as they have not changed,
on every server of a cluster (they are read from the database, not from the process) and on any
kind of write: the tokens are replaced by a listener on the engine's statements, so ORM changes,
bulk statements, raw SQL, the command line and a restore all count, without any service having to
remember to. A random token rather than a counter: a table emptied and filled again (the tests, a
restore) never comes back to a token that was cached for other rows.

Reading them is one small statement (`current()`, once per request). Writing them adds one upsert
per table written to a writing transaction, just before it commits; the rows are taken in the order
of their names, so two transactions never wait for each other's rows in opposite orders.

A cache also learns which tables a rendering read (`recording()`): every statement sent while a
request records (through SQLAlchemy or core/sql.py's raw reads) adds the tables it names. A page kept
with the tokens of just those tables stays right while they are unchanged, and a write elsewhere (an
enrolment, a mark, the worker's delivery times) no longer renders every page again.
"""
import re
import secrets
from contextlib import contextmanager

from flask import g, has_request_context
from sqlalchemy import BigInteger, Column, String, Table, event, select
from sqlalchemy.engine import Engine

from ecole.core.sql import raw_rows
from ecole.extensions import db

TABLE = "data_versions"
data_versions = Table(TABLE, db.metadata, Column("name", String(64), primary_key=True),
                      Column("token", BigInteger, nullable=False))

# Tables no cached page shows, written all the time by workers: a job's progress is no reason to
# render every page again.
IGNORED = frozenset({TABLE, "jobs", "alembic_version"})
_WRITTEN = "ecole_written_tables"
_WRITE = re.compile(r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)
_READS = ("SELECT", "PRAGMA", "BEGIN", "SAVEPO", "RELEAS", "ROLLBA", "COMMIT", "SHOW", "SET ", "EXPLAI")
_HAS_TABLE = "ecole_has_data_versions"
_TABLE_EXISTS = {"sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'data_versions'",
                 "postgresql": "SELECT to_regclass('data_versions') IS NOT NULL"}
_UPSERT = ("INSERT INTO data_versions (name, token) VALUES ({0}, {0}) "
           "ON CONFLICT (name) DO UPDATE SET token = excluded.token")


# Counts the schema changes this process has seen (DDL run, committed or rolled back), on any
# connection: whether `data_versions` exists is remembered per connection along with this count, and
# looked up again once it has moved. (Remembered alone, a connection that once found no table, under
# a migration test's older revision, went on finding none after another connection put it back, and
# its writes stopped renewing the tokens.)
_schema_changes = 0


def _schema_changed() -> None:
    global _schema_changes
    _schema_changes += 1


def _note(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    note_statement(statement)
    head = statement.lstrip()[:6].upper()
    if head.startswith(_READS):
        return
    match = _WRITE.match(statement)
    name = match.group(1).lower() if match else "*"  # DDL, a CTE: some table changed
    if name == "*":
        _schema_changed()
    if name not in IGNORED:
        connection.info.setdefault(_WRITTEN, set()).add(name)


def _bump(connection) -> None:
    """Just before the transaction commits: a new token for each table it wrote to."""
    names = connection.info.pop(_WRITTEN, None)
    if not names:
        return
    if "*" in names:
        _schema_changed()  # committed now: others look again
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        # A database whose schema predates this table (a migration test's older revision) has no
        # tokens to change. Looked up once per connection, again after any schema change.
        known = connection.connection.info
        seen = known.get(_HAS_TABLE)
        if "*" in names or seen is None or seen[0] != _schema_changes:
            cursor.execute(_TABLE_EXISTS[connection.dialect.name])
            seen = known[_HAS_TABLE] = (_schema_changes, bool(cursor.fetchone()[0]))
        if seen[1]:
            marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            # 63 random bits: a signed BIGINT on PostgreSQL, an INTEGER on SQLite.
            cursor.executemany(_UPSERT.format(marker), [(name, secrets.randbits(63)) for name in sorted(names)])
    finally:
        cursor.close()


def _forget(connection) -> None:
    names = connection.info.pop(_WRITTEN, None)
    if names and "*" in names:
        _schema_changed()


def install() -> None:
    for name, listener in (("before_cursor_execute", _note), ("commit", _bump), ("rollback", _forget)):
        if not event.contains(Engine, name, listener):
            event.listen(Engine, name, listener)


_READ = select(data_versions.c.name, data_versions.c.token).order_by(data_versions.c.name)


def current() -> tuple:
    """Every table's token, in one statement (read once per request): part of a cache key."""
    if not has_request_context():
        return read(db.engine)
    if "data_versions" not in g:
        g.data_versions = read(db.engine)
    return g.data_versions


def of(names: tuple[str, ...]) -> tuple:
    """The tokens of these tables (None for one never written since the tokens began). A cache key
    made of them depends on these tables: a recording rendering notes them."""
    note_read(names)
    tokens = _tokens()
    return tuple(tokens.get(name) for name in names)


def _tokens() -> dict:
    if not has_request_context():
        return dict(current())
    if "data_tokens" not in g:
        g.data_tokens = dict(current())
    return g.data_tokens


# --- which tables a rendering read -----------------------------------------------------------------
_RECORDING = "tables_read"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAMED: dict[str, frozenset] = {}  # statement → the tables it names (statements are few: SQLAlchemy caches them)
_known: tuple[int, frozenset] = (0, frozenset())  # (how many tables the metadata had, their names)


def _tables_named(statement: str) -> frozenset:
    global _known
    found = _NAMED.get(statement)
    if found is None:
        if _known[0] != len(db.metadata.tables):
            _known = (len(db.metadata.tables), frozenset(name.lower() for name in db.metadata.tables) - IGNORED)
        # Every word that is a table's name: more than the statement reads at worst (a column named
        # like a table), never less.
        found = frozenset(word.lower() for word in _NAME.findall(statement)) & _known[1]
        if len(_NAMED) > 5000:  # statements with IN lists of every length: start again
            _NAMED.clear()
        _NAMED[statement] = found
    return found


def _recording_now() -> set | None:
    return g.get(_RECORDING) if has_request_context() else None


def note_statement(statement: str) -> None:
    """Called for every statement sent: its tables, if the request is recording."""
    reads = _recording_now()
    if reads is not None:
        reads.update(_tables_named(statement))


def note_read(names) -> None:
    """These tables, if the request is recording (a cache's hit depends on the tables it was made from)."""
    reads = _recording_now()
    if reads is not None:
        reads.update(names)


@contextmanager
def recording():
    """The set of the tables read inside the block, also added to an enclosing recording's (outside a
    request, an empty set: nothing is kept per request there)."""
    if not has_request_context():
        yield set()
        return
    outer = g.get(_RECORDING)
    reads: set = set()
    setattr(g, _RECORDING, reads)
    try:
        yield reads
    finally:
        setattr(g, _RECORDING, outer)
        if outer is not None:
            outer.update(reads)


def start_recording() -> None:
    """Record the tables read from now until the request ends (`recorded()`)."""
    setattr(g, _RECORDING, set())


def recorded() -> set | None:
    return g.get(_RECORDING)


def tokens_of(names) -> tuple:
    """(name, token) of these tables as the request first read them: what a cached rendering of them is valid for."""
    tokens = _tokens()
    return tuple((name, tokens.get(name)) for name in sorted(names))


def unchanged(pairs: tuple, tokens: dict | None = None) -> bool:
    """Every (name, token) of `pairs` still current (in `tokens`, else as the request read them)."""
    tokens = _tokens() if tokens is None else tokens
    return all(tokens.get(name) == token for name, token in pairs)


def read(engine) -> tuple:
    """Every table's token as `engine`'s database has them now (no application context needed)."""
    return tuple(raw_rows(engine, _READ))
