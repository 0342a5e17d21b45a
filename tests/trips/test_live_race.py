"""The last seats of a study trip, over real HTTP with 4 server processes: 20 applicants, and 20
selections (or 20 offers accepted) at once. The trip never confirms more people than its vehicles
have seats, its seat counter equals the seats held, and nobody gets a 5xx (SQLite and PostgreSQL)."""
import pytest

from ecole.enrolment.models import HOLDS_SEAT, Enrolment
from ecole.extensions import db
from ecole.sessions.models import CourseSession
from tests.catalogue.conftest import load_fixture_catalogue
from tests.core.test_live_writes import run_together
from tests.factories import PASSWORD, make_trip, make_user

pytestmark = pytest.mark.slow

PEOPLE = 20
SEATS = 4


@pytest.fixture(scope="module")
def school(tmp_path_factory, app):
    from tests.live import LiveSchool

    live = LiveSchool(tmp_path_factory.mktemp("trip-race"), workers=4).start()
    try:
        with live.context():
            load_fixture_catalogue()
            make_user("admin", email="trip.admin@example.org")
            trainer = make_user("trainer", email="trip.trainer@example.org")
            for i in range(PEOPLE):
                make_user("trainee", name=f"Voyageur {i}", email=f"voyageur{i}@example.org")
            trainer_id = trainer.id
        yield live, trainer_id
    finally:
        live.stop()


def _signed_in(live, email: str):
    client = live.client()
    client.login(email, PASSWORD)
    return client


def _trip(live, trainer_id: int, days: int) -> int:
    from ecole.accounts.models import User

    with live.context():
        return make_trip(db.session.get(User, trainer_id), seats=SEATS, days_ahead=days, commune=f"Commune {days}").session_id


def _held(live, session_id: int):
    with live.context():
        course_session = db.session.get(CourseSession, session_id)
        rows = db.session.scalars(db.select(Enrolment).where(Enrolment.session_id == session_id)).all()
        holding = [r for r in rows if r.status in {s.value for s in HOLDS_SEAT}]
        return course_session.capacity, course_session.seats_taken, rows, holding


def test_twenty_applications_and_twenty_selections_at_once_never_exceed_the_seats(school):
    live, trainer_id = school
    session_id = _trip(live, trainer_id, days=40)
    people = [_signed_in(live, f"voyageur{i}@example.org") for i in range(PEOPLE)]
    tokens = [client.csrf(f"/sessions/{session_id}/apply") for client in people]
    answers = run_together([lambda c=c, t=t: c.post(f"/sessions/{session_id}/apply", {"motivation": "Apprendre"},
                                                     token=t).status for c, t in zip(people, tokens)])
    assert answers == [302] * PEOPLE, (answers, live.log())
    _capacity, _taken, rows, holding = _held(live, session_id)
    assert len(rows) == PEOPLE and holding == []  # applications take no seat

    admins = [_signed_in(live, "trip.admin@example.org") for _ in range(4)]
    token = [admin.csrf(f"/sessions/{session_id}/trip/participants") for admin in admins]
    selections = [lambda a=admins[i % 4], t=token[i % 4], e=row.id:
                  a.post(f"/sessions/{session_id}/trip/applications/{e}/select", {}, token=t).status
                  for i, row in enumerate(rows)]
    statuses = run_together(selections)
    assert all(isinstance(s, int) and s < 500 for s in statuses), (statuses, live.log())
    capacity, seats_taken, rows, holding = _held(live, session_id)
    assert capacity == SEATS
    assert len(holding) == seats_taken == SEATS, (len(holding), seats_taken)
    assert sorted(r.status for r in rows) == ["confirmed"] * SEATS + ["waitlisted"] * (PEOPLE - SEATS)


def test_the_last_seat_offered_to_the_waitlist_is_taken_once(school):
    live, trainer_id = school
    session_id = _trip(live, trainer_id, days=50)
    people = [_signed_in(live, f"voyageur{i}@example.org") for i in range(PEOPLE)]
    admin = _signed_in(live, "trip.admin@example.org")
    for client in people:
        assert client.post(f"/sessions/{session_id}/apply", {"motivation": "Voir"}).status == 302
    _c, _t, rows, _h = _held(live, session_id)
    for row in rows:
        assert admin.post(f"/sessions/{session_id}/trip/applications/{row.id}/select", {},
                          form_path=f"/sessions/{session_id}/trip/participants").status == 302
    # Every waitlisted person, and a confirmed one cancelling, at once: one seat frees, one offer.
    _c, _t, rows, holding = _held(live, session_id)
    leaving = next(r for r in rows if r.status == "confirmed")
    by_user = {f"voyageur{i}@example.org": people[i] for i in range(PEOPLE)}
    with live.context():
        emails = {r.id: r.user.email for r in rows}
    leaver = by_user[emails[leaving.id]]
    token = leaver.csrf("/me/training")
    cancel = [lambda: leaver.post(f"/enrolments/{leaving.id}/cancel", {}, token=token).status]
    accepting = [lambda c=by_user[emails[r.id]], e=r.id: c.post(f"/enrolments/{e}/accept", {}, form_path="/me/training").status
                 for r in rows if r.status == "waitlisted"]
    statuses = run_together(cancel + accepting)
    assert all(isinstance(s, int) and s < 500 for s in statuses), (statuses, live.log())
    capacity, seats_taken, rows, holding = _held(live, session_id)
    assert len(holding) == seats_taken <= capacity == SEATS
