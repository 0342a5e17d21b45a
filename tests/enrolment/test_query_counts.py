"""“My training”, the session page and the roster run a fixed number of SQL queries, whatever the
number of sessions, meetings, enrolments and people."""
from datetime import date, time, timedelta

from sqlalchemy import event

from ecole.enrolment import services
from ecole.extensions import db
from ecole.sessions import services as session_services
from tests.conftest import login, make_user
from tests.enrolment.factories import make_session


def count(client, url: str) -> int:
    queries = []
    listener = lambda *args: queries.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(queries)


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
    before = [count(trainee_client, "/me/training"), count(trainee_client, f"/sessions/{small.id}"),
              count(trainer_client, f"/sessions/{small.id}/roster"), count(trainer_client, f"/sessions/{small.id}/manage")]
    large = grow(people.trainer, people.trainee, sessions=8, people=25, tag="large")
    after = [count(trainee_client, "/me/training"), count(trainee_client, f"/sessions/{large.id}"),
             count(trainer_client, f"/sessions/{large.id}/roster"), count(trainer_client, f"/sessions/{large.id}/manage")]
    assert before == after, (before, after)
    assert max(after) <= 16, after
