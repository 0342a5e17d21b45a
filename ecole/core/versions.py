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
"""
import re
import secrets

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
    """The tokens of these tables (None for one never written since the tokens began)."""
    tokens = dict(current())
    return tuple(tokens.get(name) for name in names)


def read(engine) -> tuple:
    """Every table's token as `engine`'s database has them now (no application context needed)."""
    return tuple(raw_rows(engine, _READ))
