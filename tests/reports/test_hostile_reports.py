"""Hostile values in every filter and field the report's pages read (query strings too, which the route
table's hostile test does not fill): a clear answer, never a 500, nothing written."""
import pytest

from ecole.extensions import db
from ecole.reports.models import Programme, ReportExport
from tests.helpers import post

HOSTILE = ["9" * 40, "-1", "NaN", "inf", "1e309", "\x00", "a\r\nSet-Cookie: x=1", "x" * 10_000, "%00", "2026-02-30",
           "0000-01-01", "9999-12-31", "../../etc/passwd", "<script>", "' OR 1=1 --"]
ARGS = ["programme", "from", "to", "commune", "audience", "indicator", "dimension", "value"]


@pytest.mark.parametrize("role", ["admin", "trainer"])
def test_hostile_query_strings_never_get_a_500(as_role, role):
    client = as_role(role)
    for path in ("/reports", "/reports/people", "/reports/sex.csv", "/reports/summary.csv"):
        for name in ARGS:
            for value in HOSTILE:
                response = client.get(path, query_string={name: value})
                assert response.status_code in (200, 400, 403), (path, name, value[:20], response.status_code)


def test_hostile_fields_never_get_a_500_and_write_nothing(as_role):
    admin = as_role("admin")
    fields = ["code", "title_fr", "title_ar", "title_zgh", "funder", "starts_on", "ends_on", "sessions",
              "target_trained", "target_person_hours"]
    base = {"code": "OK-2026", "title_fr": "Titre", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}
    for name in fields:
        for value in HOSTILE:
            data = dict(base, **{name: value})
            if name in ("code", "title_fr", "funder", "title_ar", "title_zgh") and value in ("<script>", "-1", "inf"):
                continue  # acceptable text: saved, that is not an attack on the form
            response = post(admin, "/admin/programmes/new", data)
            assert response.status_code in (302, 400), (name, value[:20], response.status_code)
    for value in HOSTILE:
        response = post(admin, "/reports/exports", {"format": value})
        assert response.status_code == 400, (value[:20], response.status_code)
    assert db.session.scalar(db.select(db.func.count(ReportExport.id))) == 0
    codes = db.session.scalars(db.select(Programme.code)).all()
    assert all("\x00" not in code and len(code) <= 32 for code in codes), codes
