"""Every route × every role: allowed roles get in, others are sent to sign in (anonymous) or refused (403)."""
import pytest

from tests.factories import ROLES
from tests.helpers import csrf_token
from tests.routes import ROUTES, world_for

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def test_every_route_has_an_entry(app):
    missing = []
    for rule in app.url_map.iter_rules():
        entry = ROUTES.get(rule.endpoint, {})
        for method in sorted(rule.methods - IGNORED_METHODS):
            if method not in entry:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "routes without an access entry in tests/routes.py: " + ", ".join(missing)


def test_no_stale_entries(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(ROUTES) <= endpoints, set(ROUTES) - endpoints


CASES = [(endpoint, method, role) for endpoint, methods in ROUTES.items() for method in methods for role in ROLES]


@pytest.mark.parametrize("endpoint,method,role", CASES, ids=[f"{m}-{e}-{r}" for e, m, r in CASES])
def test_access(as_role, people, endpoint, method, role):
    route = ROUTES[endpoint][method]
    world = world_for(people, lazy=True)
    client = as_role(role)
    url = route.url(world)
    if method == "GET":
        response = client.get(url)
    else:
        data = dict(route.data(world))
        data["csrf_token"] = csrf_token(client)
        response = client.open(url, method=method, data=data)
    location = response.headers.get("Location", "")
    assert response.status_code < 500, response.status_code
    if role in route.allowed:
        assert response.status_code not in (401, 403), f"{role} refused on {method} {url}"
        assert "/login" not in location or endpoint.startswith("auth."), f"{role} sent to sign in on {url}"
    elif role == "anonymous":
        assert response.status_code == 302 and "/login?next=" in location, (response.status_code, location)
    else:
        assert response.status_code == 403, f"{role} got {response.status_code} on {method} {url}"
