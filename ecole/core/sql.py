"""SQL helpers shared by every domain: substring search with the text taken literally.

In LIKE, `%` and `_` are wildcards and `\\` escapes: a search for `%` must find a percent sign,
not every row. Every LIKE on text typed by someone goes through contains()."""
from sqlalchemy import ColumnElement, func

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
