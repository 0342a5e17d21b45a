"""“My training”, the session page and the roster run a fixed number of SQL queries, whatever the
number of sessions, meetings, enrolments and people."""
from datetime import date, time, timedelta

from ecole.enrolment import services
from ecole.extensions import db
from ecole.sessions import services as session_services
from tests.factories import make_session, make_user
from tests.helpers import count_queries, login


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
