"""Races on real connections (SQLite file or PostgreSQL): parallel requests for the last seats never
over-book, never enrol a person twice, never answer 5xx; a cancellation racing a promotion keeps
the seat count exact."""
import os
import threading

import pytest

from ecole.enrolment import services
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from ecole.sessions.models import CourseSession
from tests.factories import make_session, make_user
from tests.helpers import csrf_token, login

REPEATS = int(os.environ.get("ECOLE_RACE_REPEATS", "50"))
ATTEMPTS = 20
PEOPLE = 15  # 5 of them click twice, from two devices

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _queued(queued_jobs):
    """The notices' e-mails wait in a queue instead of running inline in each of the 20 racing
    requests: these tests are about seats."""


def run_together(functions) -> list:
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def worker(index, function):
        barrier.wait()
        try:
            results[index] = function()
        except Exception as error:  # noqa: BLE001 - reported by the assertions below
            results[index] = error

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_parallel_enrolments_for_the_last_seats(app, catalogue):
    trainer = make_user("trainer", email="trainer@example.org")
    people = [make_user("trainee", name=f"Racer {i}", email=f"racer{i}@example.org") for i in range(PEOPLE)]
    devices = []
    for i in range(ATTEMPTS):
        client = app.test_client()
        login(client, people[i % PEOPLE])
        devices.append((client, csrf_token(client, "/account"), people[i % PEOPLE].id))
    overbooked = duplicates = errors = 0
    for repeat in range(REPEATS):
        capacity = 3 + repeat % 3
        session = make_session(trainer, capacity=capacity, commune=f"Commune {repeat}")
        url = f"/sessions/{session.id}/enrol"
        statuses = run_together([lambda c=c, t=t: c.post(url, data={"csrf_token": t}).status_code
                                 for c, t, _uid in devices])
        db.session.rollback()  # a new snapshot: see what the other connections committed
        errors += sum(1 for s in statuses if not isinstance(s, int) or s >= 500)
        fresh = db.session.get(CourseSession, session.id)
        rows = db.session.scalars(db.select(Enrolment).where(Enrolment.session_id == session.id)).all()
        confirmed = [r for r in rows if r.status == "confirmed"]
        overbooked += int(len(confirmed) > capacity or fresh.seats_taken != len(confirmed))
        duplicates += len(rows) - len({r.user_id for r in rows})
        assert len({r.user_id for r in rows}) == PEOPLE, f"repeat {repeat}: someone was not enrolled at all"
        assert len(confirmed) == capacity, f"repeat {repeat}: {len(confirmed)} confirmed for {capacity} seats"
        assert all(r.status in ("confirmed", "waitlisted") for r in rows)
    assert (overbooked, duplicates, errors) == (0, 0, 0)


def test_a_cancellation_racing_a_promotion(app, catalogue):
    trainer = make_user("trainer", email="trainer@example.org")
    holder, first, second = (make_user("trainee", name=n, email=f"{n}@example.org") for n in ("holder", "first", "second"))
    for repeat in range(REPEATS):
        session = make_session(trainer, capacity=1, commune=f"Commune {repeat}")
        held = services.enrol(session, holder, actor=holder)
        waiting = services.enrol(session, first, actor=first)
        services.enrol(session, second, actor=second)
        db.session.commit()
        ids = (held.id, waiting.id)

        def cancel(enrolment_id, user_id):
            with app.app_context():
                enrolment = db.session.get(Enrolment, enrolment_id)
                services.cancel(enrolment, actor=db.session.get(type(holder), user_id))
                db.session.commit()

        results = run_together([lambda: cancel(ids[0], holder.id), lambda: cancel(ids[1], first.id)])
        assert not [r for r in results if isinstance(r, Exception) and "vient de changer" not in str(r)], results
        db.session.rollback()  # a new snapshot: see what the other connections committed
        rows = {r.user_id: r.status for r in db.session.scalars(
            db.select(Enrolment).where(Enrolment.session_id == session.id))}
        seats = db.session.get(CourseSession, session.id).seats_taken
        assert rows[holder.id] == "cancelled" and rows[first.id] == "cancelled", rows
        assert rows[second.id] == "offered", rows  # the seat went to the next person, exactly once
        assert seats == 1, seats
