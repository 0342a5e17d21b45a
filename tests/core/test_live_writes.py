"""A morning rush over real HTTP on one database, under gunicorn's 4 processes and `make run`'s
threads: people signing in, saving their profile, marking a lesson done, reading their notices,
renewing their calendar feed, registering and enrolling, all at once, each after following a
`?lang=` link. Nobody gets a 5xx (SQLite used to answer "database is locked") and every write lands."""
import os
import threading
import time

import pytest

from ecole.accounts.models import User
from ecole.catalogue.models import Lesson, LessonProgress
from ecole.enrolment.models import CalendarFeed, Enrolment
from ecole.extensions import db
from ecole.notifications.models import Notification
from ecole.notifications.services import notify
from tests.catalogue.conftest import load_fixture_catalogue
from tests.factories import PASSWORD, make_session, make_user

pytestmark = pytest.mark.slow

PEOPLE = 21  # 3 of each of the 7 kinds of write
ROUNDS = 2


def run_together(functions, timeout: float = 120) -> list:
    """Call every function at the same instant, each in its own thread; an exception is a result."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def worker(index, function):
        barrier.wait()
        try:
            results[index] = function()
        except Exception as error:  # noqa: BLE001 - the assertions report it
            results[index] = error

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


SERVERS = ["gunicorn", pytest.param("flask", marks=pytest.mark.skipif(
    os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="`make run` serves the embedded SQLite database; gunicorn covers PostgreSQL"))]


@pytest.mark.parametrize("server", SERVERS)
def test_people_writing_different_things_at_once(live_school, server):
    """gunicorn's 4 processes, and `make run`'s threaded development server."""
    school = live_school(workers=4, server=server)
    with school.context():
        load_fixture_catalogue()
        trainer = make_user("trainer", email="rush.trainer@example.org")
        course_session = make_session(trainer, capacity=100)
        session_id = course_session.id
        users = [make_user("trainee", name=f"Rush {i}", email=f"rush{i}@example.org") for i in range(PEOPLE)]
        for user in users:
            notify(user, "enrolment.requested", course_session=course_session)
        db.session.commit()
        ids = [u.id for u in users]
        lesson_id = db.session.scalar(db.select(Lesson.id).where(Lesson.key == "bulbes"))

    kinds = ("login", "profile", "lesson", "notices", "feed", "register", "enrol")
    for round_number in range(ROUNDS):
        clients, plans = [], []
        for i in range(PEOPLE):
            kind, client = kinds[i % len(kinds)], school.client()
            if kind not in ("login", "register"):
                client.login(f"rush{i}@example.org", PASSWORD)
            form_path = {"login": "/login", "register": "/register", "profile": "/account"}.get(kind, "/account")
            token = client.csrf(form_path)
            clients.append(client)
            plans.append((kind, client, token, i))

        def act(kind, client, token, i, round_number=round_number):
            answers = [client.get(f"/?lang={('ar', 'zgh', 'fr')[i % 3]}").status]
            if kind == "login":
                answers.append(client.post("/login", {"identifier": f"rush{i}@example.org", "password": PASSWORD},
                                           token=token).status)
            elif kind == "profile":
                answers.append(client.post("/account", {
                    "name_latin": f"Rush {i}", "email": f"rush{i}@example.org", "commune": f"Tafraout {round_number}",
                    "audience": "farmer", "gender": "", "locale": "fr"}, token=token).status)
            elif kind == "lesson":
                done = "1" if round_number % 2 == 0 else "0"
                answers.append(client.post("/courses/saffron-basics/lessons/bulbes/done", {"done": done},
                                           token=token).status)
            elif kind == "notices":
                answers.append(client.post("/notifications/read", token=token).status)
                answers.append(client.get("/notifications").status)
            elif kind == "feed":
                answers.append(client.post("/me/calendar", {"renew": "1"}, token=token).status)
            elif kind == "register":
                answers.append(client.post("/register", {
                    "name_latin": f"New {round_number} {i}", "email": f"new{round_number}.{i}@example.org",
                    "audience": "farmer", "gender": "f", "locale": "ar",
                    "password": "long enough 123", "confirm": "long enough 123",
                }, token=token).status)
            elif kind == "enrol":
                answers.append(client.post(f"/sessions/{session_id}/enrol", token=token).status)
            return answers

        started = time.monotonic()
        results = run_together([lambda p=p: act(*p) for p in plans])
        elapsed = time.monotonic() - started
        failures = [(plans[i][0], r) for i, r in enumerate(results)
                    if not isinstance(r, list) or any(status >= 500 for status in r)]
        assert not failures, (failures, school.log())
        # Each write answered like a success: a redirect after the POST.
        refused = [(plans[i][0], r) for i, r in enumerate(results) if r[-1 if plans[i][0] != "notices" else 1] != 302]
        assert not refused, refused
        assert elapsed < 30, f"the rush took {elapsed:.1f} s"

        with school.context():
            by_kind = {kind: [ids[i] for i in range(PEOPLE) if kinds[i % len(kinds)] == kind] for kind in kinds}
            people = {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(ids)))}
            assert all(people[uid].last_login_at is not None for uid in by_kind["login"])
            assert all(people[uid].commune == f"Tafraout {round_number}" for uid in by_kind["profile"])
            done = set(db.session.scalars(db.select(LessonProgress.user_id)
                                          .where(LessonProgress.lesson_id == lesson_id)))
            assert (set(by_kind["lesson"]) <= done) if round_number % 2 == 0 else not (set(by_kind["lesson"]) & done)
            unread = db.session.scalars(db.select(Notification.user_id).where(
                Notification.user_id.in_(by_kind["notices"]), Notification.read_at.is_(None))).all()
            assert unread == []
            feeds = db.session.scalars(db.select(CalendarFeed).where(CalendarFeed.user_id.in_(by_kind["feed"]))).all()
            assert len(feeds) == len(by_kind["feed"])
            registered = db.session.scalar(db.select(db.func.count(User.id)).where(
                User.email.like(f"new{round_number}.%@example.org")))
            assert registered == len(by_kind["register"])
            enrolled = db.session.scalars(db.select(Enrolment).where(Enrolment.session_id == session_id,
                                                                     Enrolment.user_id.in_(by_kind["enrol"]))).all()
            assert len(enrolled) == len(by_kind["enrol"]) and all(e.status == "confirmed" for e in enrolled)
            # The `?lang=` links changed nobody's preferred language (only their cookie).
            assert {people[uid].locale for uid in ids if uid not in by_kind["profile"]} == {"fr"}
