"""The report's dashboard reads a fixed number of SQL statements, whatever the size of the programme:
the same count with a small school and with ten times its people, sessions, communes and marks,
for an administrator (every figure, links to the names) and for a trainer (small cells hidden).
The school is built through the real services (held sessions, marks, validated results)."""
from datetime import date

import pytest

from ecole.extensions import db
from ecole.reports import services
from tests.factories import make_user, make_validated_session
from tests.helpers import count_queries, signed_in

pytestmark = pytest.mark.usefixtures("catalogue")

PER_SESSION = 5
COMMUNES = ("Taliouine", "Askaoun", "Tafraout", "Igherm", "Tiznit", "Tata", "Irherm", "Aoulouz", "Tazenakht",
            "Ait Baha", "Anzi", "Tamanar")
AUDIENCES = ("farmer", "cooperative_member", "elected_official", "commune_staff", "youth", "womens_association",
             "teacher", "artisan")
# Statements of one dashboard, for either role: the signed-in user with their roles (one statement); the filter form's
# programmes and communes; the chosen programme, read twice more (by the view, then by compute: the
# list's objects are gone from the session by then); the report's four reads of the figures
# (indicators.compute); the unread-notices badge of the menu. On SQLite, the transaction's BEGIN is
# one more statement (ecole.core.transactions), which PostgreSQL's driver does not send.
STATEMENTS = 8


def grow(people, programme, sessions: int, tag: str) -> None:
    """`sessions` held sessions of PER_SESSION new trainees each (varied sex, age, commune, audience,
    and WG-SS answers for some), everyone present at the three meetings but one absent per session,
    results validated, every session added to the programme."""
    from ecole.accounts.services import set_functioning

    added = []
    for number in range(sessions):
        trainees = []
        for seat in range(PER_SESSION):
            n = number * PER_SESSION + seat
            person = make_user("trainee", name=f"{tag} Stagiaire {n}", email=f"{tag.lower()}{n}@example.org",
                               gender=(None, "f", "m", "f")[n % 4], birth_year=(None, 1962, 1985, 1999, 2009)[n % 5],
                               commune=COMMUNES[n % len(COMMUNES)], audience=AUDIENCES[n % len(AUDIENCES)])
            if n % 3 == 0:
                set_functioning(person, {"seeing": 1 + n % 4, "walking": 1}, actor=person)
            trainees.append(person)
        db.session.commit()
        course_session, _enrolments = make_validated_session(people.trainer, trainees, absent=trainees[-1:])
        added.append(course_session.id)
    held = [s.id for s in programme.sessions]
    services.set_sessions(programme, held + added, actor=people.admin)
    db.session.commit()


def test_the_dashboard_reads_a_fixed_number_of_statements_whatever_the_size(app, people):
    programme = services.create_programme(
        {"code": "PAFR-2026", "titles": {"fr": "Programme d’appui aux femmes rurales"}, "funder": "Fondation Souss",
         "starts_on": date(2000, 1, 1), "ends_on": date(2100, 12, 31),
         "targets": {"trained": 500, "women_trained": 200, "completion_rate": 80, "person_hours": 3000,
                     "communes": 10}}, actor=people.admin)
    db.session.commit()
    devices = {"admin": signed_in(app, people.admin), "trainer": signed_in(app, people.trainer)}
    url = f"/reports?programme={programme.id}&lang=fr"

    grow(people, programme, 2, "Small")
    for device in devices.values():  # the first page of a device may fill caches: not what is counted
        assert device.get(url).status_code == 200
    small = {role: count_queries(device, url) for role, device in devices.items()}
    grow(people, programme, 18, "Large")  # 10 × the sessions, people and marks; every commune
    large = {role: count_queries(device, url) for role, device in devices.items()}

    assert small == large, (small, large)
    expected = STATEMENTS + (db.engine.dialect.name == "sqlite")
    assert large == {"admin": expected, "trainer": expected}, large
    body = devices["admin"].get(url).get_data(as_text=True)
    assert "Large Stagiaire" not in body and "Tamanar" in body  # every commune has its row; no names inline
