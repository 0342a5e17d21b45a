"""A GET never writes: every page of the route table, as each role, with and without `?lang=`,
runs no INSERT, UPDATE or DELETE (writes in a GET made SQLite answer "database is locked" under
load, and a link could change someone's profile)."""
import pytest
from sqlalchemy import event

from ecole.extensions import db
from tests.factories import ROLES
from tests.routes import ROUTES, world_for

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@pytest.mark.parametrize("role", ROLES)
def test_no_get_writes_to_the_database(as_role, people, role):
    world = world_for(people)
    client = as_role(role)
    written = []

    def listener(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip()[:7].upper().startswith(WRITES):
            written.append(statement.split("\n")[0][:80])

    urls = [route["GET"].url(world) for route in ROUTES.values() if "GET" in route]
    urls += [url + ("&" if "?" in url else "?") + f"lang={lang}" for url in urls for lang in ("ar", "zgh")]
    urls += ["/me/training?feed=1"]
    found = {}
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for url in urls:
            written.clear()
            status = client.get(url).status_code
            assert status < 500, (url, status)
            if written:
                found[url] = list(written)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert not found, found
