"""“My training”, the session page and the roster run a fixed number of SQL queries, whatever the
number of sessions, meetings, enrolments and people."""
from datetime import date, time, timedelta

from ecole.enrolment import services
from ecole.extensions import db
from ecole.sessions import services as session_services
from tests.factories import make_session, make_user
from tests.helpers import count_queries, count_statements, csrf_token, login


def grow(trainer, trainee, sessions: int, people: int, tag: str):
    """`sessions` more sessions with two meetings each, the trainee in all, `people` others in the first."""
    made = []
    for i in range(sessions):
        session = make_session(trainer, capacity=people + 5, commune=f"{tag} {i}")
        day = date.today() + timedelta(days=40 + i)
        session_services.add_meeting(session, session_services.to_utc(day, time(14)),
                                     session_services.to_utc(day, time(16)), actor=trainer, force=True)
        services.enrol(session, trainee, actor=trainee)
        made.append(session)
    for j in range(people):
        person = make_user("trainee", name=f"{tag} person {j}", email=f"{tag}{j}@example.org".lower().replace(" ", ""))
        services.enrol(made[0], person, actor=person)
    db.session.commit()
    return made[0]


def test_fixed_queries_for_training_session_and_roster(app, catalogue, people):
    trainee_client, trainer_client = app.test_client(), app.test_client()
    login(trainee_client, people.trainee)
    login(trainer_client, people.trainer)
    small = grow(people.trainer, people.trainee, sessions=2, people=2, tag="small")
    before = [count_queries(trainee_client, "/me/training"), count_queries(trainee_client, f"/sessions/{small.id}"),
              count_queries(trainer_client, f"/sessions/{small.id}/roster"), count_queries(trainer_client, f"/sessions/{small.id}/manage")]
    large = grow(people.trainer, people.trainee, sessions=8, people=25, tag="large")
    after = [count_queries(trainee_client, "/me/training"), count_queries(trainee_client, f"/sessions/{large.id}"),
             count_queries(trainer_client, f"/sessions/{large.id}/roster"), count_queries(trainer_client, f"/sessions/{large.id}/manage")]
    assert before == after, (before, after)
    assert max(after) <= 16, after


def test_enrolling_and_cancelling_run_a_fixed_number_of_statements(app, catalogue, people, queued_jobs):
    """The forms of a busy enrolment morning: a seat taken, a place on the waitlist, a seat given back
    (and offered to the first who waits), each in the same few statements whatever the session's size.
    They used to load the session as for its page, lock it by loading it all again (trainers, meetings,
    the course and its texts) and read it once more after the commit: 42 statements for an enrolment."""
    from ecole.enrolment.models import Enrolment

    counts = {}
    for size in (2, 30):
        course_session = make_session(people.trainer, capacity=size, commune=f"Taille {size}")
        session_id = course_session.id
        for j in range(size - 1):
            person = make_user("trainee", name=f"Déjà {size} {j}", email=f"deja{size}-{j}@example.org")
            services.enrol(course_session, person, actor=person)
        db.session.commit()
        devices = []
        for name in ("last", "late"):
            client = app.test_client()
            login(client, make_user("trainee", name=f"{name} {size}", email=f"{name}{size}@example.org"))
            devices.append((client, csrf_token(client, f"/sessions/{session_id}")))
        (last, last_token), (late, late_token) = devices

        def enrol(client, token):
            return client.post(f"/sessions/{session_id}/enrol", data={"csrf_token": token})

        took, answer = count_statements(lambda: enrol(last, last_token))
        assert answer.status_code == 302 and "complète" not in last.get(answer.location).get_data(as_text=True)
        waits, answer = count_statements(lambda: enrol(late, late_token))
        assert answer.status_code == 302
        held = db.session.scalar(db.select(Enrolment).where(Enrolment.session_id == session_id,
                                                            Enrolment.user.has(email=f"last{size}@example.org")))
        waiting = db.session.scalar(db.select(Enrolment).where(Enrolment.session_id == session_id,
                                                               Enrolment.user.has(email=f"late{size}@example.org")))
        assert (held.status, waiting.status) == ("confirmed", "waitlisted")
        held_id, waiting_id = held.id, waiting.id
        gives_back, answer = count_statements(
            lambda: last.post(f"/enrolments/{held_id}/cancel", data={"csrf_token": last_token}))
        assert answer.status_code == 302
        db.session.expire_all()
        assert db.session.get(Enrolment, waiting_id).status == "offered"
        counts[size] = (took, waits, gives_back)
    assert counts[2] == counts[30], counts
    assert max(counts[30]) <= 20, counts
