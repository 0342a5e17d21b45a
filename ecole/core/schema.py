"""Rebuilding tables safely: migrations and restores run with SQLite's foreign keys checked at the end.

A migration in batch mode (SQLite cannot alter most things in place) copies a table, drops the old
one and renames the copy. With foreign keys enforced, that DROP first deletes the table's rows, which
cascades into (or fails on) every table that points at them: a populated database could not be
migrated, or lost rows. The documented way is to turn enforcement off while tables are rebuilt and to
check every key once at the end, before the transaction commits. PRAGMA foreign_keys does nothing
inside a transaction, so it is set on the driver's connection before the work begins one. Nothing
changes on PostgreSQL, which alters tables in place.
"""
from contextlib import contextmanager


@contextmanager
def foreign_keys_off(connection):
    """Run the block on `connection` (not yet in a transaction) with SQLite's foreign keys unenforced.
    The block calls `check_foreign_keys(connection)` and ends its transaction itself."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if raw.in_transaction:  # the block failed inside its transaction: never reuse this connection
            connection.invalidate()
        else:
            raw.execute("PRAGMA foreign_keys=ON")


def check_foreign_keys(connection) -> None:
    """Raise if a row points at a row that does not exist (SQLite, inside `foreign_keys_off`)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _index = broken[0]
        raise RuntimeError(f"{len(broken)} row(s) point at missing rows, e.g. {table} row {rowid} -> {parent}")
