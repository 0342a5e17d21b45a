"""Every state-changing route refuses a request without a valid CSRF token, and changes nothing."""
import pytest
from sqlalchemy import select

from ecole.extensions import db
from tests.routes import ROUTES, world_for

STATE_CHANGING = [(endpoint, method) for endpoint, methods in ROUTES.items() for method in methods
                  if method not in ("GET", "HEAD", "OPTIONS")]


def snapshot() -> dict:
    """Row counts and a digest of every table: "nothing changed" is checked on the whole database."""
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted(repr(tuple(row)) for row in rows)
    return state


def test_there_are_state_changing_routes():
    assert len(STATE_CHANGING) >= 8


@pytest.mark.parametrize("endpoint,method", STATE_CHANGING, ids=[f"{m}-{e}" for e, m in STATE_CHANGING])
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_refused_without_csrf(as_role, people, endpoint, method, token):
    route = ROUTES[endpoint][method]
    world = world_for(people, lazy=True)
    role = "admin" if "admin" in route.allowed else sorted(route.allowed)[0]
    client = as_role(role)
    url = route.url(world)  # the world's parts are built before the snapshot
    data = dict(route.data(world))
    if token == "forged":
        data["csrf_token"] = "IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAi.forged.signature"
    db.session.expire_all()
    before = snapshot()
    response = client.open(url, method=method, data=data)
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    db.session.expire_all()
    assert snapshot() == before
