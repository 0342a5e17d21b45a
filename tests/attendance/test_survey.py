"""The satisfaction questionnaire: once per trainee, after the last meeting has begun, anonymous,
and shown to the session's staff only as counts (free texts from three answers on)."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ecole.accounts.models import User
from ecole.attendance import survey
from ecole.attendance.errors import AttendanceError
from ecole.attendance.models import SurveyAnswer, SurveyReceipt
from ecole.core.audit import AuditEntry
from ecole.core.models import utcnow
from ecole.enrolment import services as enrolment_services
from ecole.extensions import db
from ecole.sessions.models import CourseSession
from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.enrolment.conftest import other_trainer  # noqa: F401
from tests.factories import make_past_session, make_session, make_user
from tests.helpers import csrf_token, signed_in

ANSWERS = {"useful": 4, "clear": 3, "trainer": 4, "organisation": 2, "recommend": 4, "change": "Plus de pratique"}


@pytest.fixture(autouse=True)
def _courses(catalogue):  # noqa: F811
    """Sessions are built on the test catalogue."""


@pytest.fixture
def past(people):
    """A session whose only meeting began yesterday, the trainee enrolled (confirmed)."""
    return make_past_session(people.trainer, people.trainee)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def trainees(course_session, n: int, trainer) -> list[User]:
    people = []
    for i in range(n):
        person = make_user("trainee", name=f"Stagiaire {i}", email=f"s{i}@example.org")
        enrolment_services.enrol(course_session, person, actor=trainer, walk_in=True)
        people.append(person)
    db.session.commit()
    return people


# --- the service ---------------------------------------------------------------------------------

def test_a_trainee_answers_once(people, past):
    course_session, _enrolment = past
    survey.answer_survey(course_session, people.trainee, ANSWERS, now=utcnow())
    db.session.commit()
    with pytest.raises(AttendanceError, match="déjà répondu"):
        survey.answer_survey(course_session, people.trainee, {**ANSWERS, "useful": 1}, now=utcnow())
    db.session.rollback()
    assert count(SurveyAnswer) == 1 and count(SurveyReceipt) == 1
    assert db.session.scalar(select(SurveyAnswer.answers))["useful"] == 4


def test_a_double_submit_racing_with_itself_gives_one_answer(app, people, past):
    course_session, _enrolment = past
    session_id, user_id = course_session.id, people.trainee.id
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit():
        with app.app_context():
            try:
                own_session, user = db.session.get(CourseSession, session_id), db.session.get(User, user_id)
                barrier.wait(timeout=10)
                survey.answer_survey(own_session, user, ANSWERS, now=utcnow())
                db.session.commit()
                outcomes.append("answered")
            except AttendanceError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["answered", "refused"]
    assert count(SurveyAnswer) == 1 and count(SurveyReceipt) == 1


def test_not_before_the_last_meeting_has_begun(people):
    course_session = make_session(people.trainer, days_ahead=3)
    enrolment_services.enrol(course_session, people.trainee, actor=people.trainee)
    db.session.commit()
    with pytest.raises(AttendanceError, match="dernière séance"):
        survey.answer_survey(course_session, people.trainee, ANSWERS, now=utcnow())
    last = course_session.meetings[-1].starts_at
    assert not survey.is_open(course_session, last - timedelta(seconds=1))
    assert survey.is_open(course_session, last)
    survey.answer_survey(course_session, people.trainee, ANSWERS, now=last)
    assert count(SurveyAnswer) == 1


def test_a_meeting_called_off_does_not_hold_the_questionnaire_back(people, past):
    course_session, _enrolment = past
    from ecole.sessions.models import Meeting

    later = course_session.meetings[0]
    db.session.add(Meeting(session_id=course_session.id, starts_at=later.starts_at + timedelta(days=7),
                           ends_at=later.ends_at + timedelta(days=7), cancelled_at=utcnow()))
    db.session.commit()
    db.session.refresh(course_session)
    assert survey.is_open(course_session, utcnow())


@pytest.mark.parametrize("who", ["stranger", "trainer", "cancelled"])
def test_only_the_sessions_trainees_answer(people, past, who):
    course_session, enrolment = past
    if who == "cancelled":
        enrolment_services.cancel(enrolment, actor=people.trainer, reason="Parti à Agadir")
        db.session.commit()
    user = {"stranger": make_user("trainee", name="Pas Inscrit", email="stranger@example.org"),
            "trainer": people.trainer, "cancelled": people.trainee}[who]
    with pytest.raises(AttendanceError, match="stagiaires de cette session"):
        survey.answer_survey(course_session, user, ANSWERS, now=utcnow())
    assert count(SurveyAnswer) == 0


@pytest.mark.parametrize("answers", [{**ANSWERS, "useful": 5}, {**ANSWERS, "clear": None},
                                     {k: v for k, v in ANSWERS.items() if k != "trainer"},
                                     {**ANSWERS, "change": "x" * 1001}])
def test_incomplete_or_wrong_answers_are_refused(people, past, answers):
    course_session, _enrolment = past
    with pytest.raises(AttendanceError):
        survey.answer_survey(course_session, people.trainee, answers, now=utcnow())
    assert count(SurveyAnswer) == 0 and count(SurveyReceipt) == 0


def test_the_answers_cannot_be_traced_to_the_person(people, past):
    course_session, _enrolment = past
    answer = survey.answer_survey(course_session, people.trainee, ANSWERS, now=utcnow())
    db.session.commit()
    assert set(SurveyAnswer.__table__.columns.keys()) == {"id", "session_id", "answers", "day"}
    assert {fk.column.table.name for fk in SurveyAnswer.__table__.foreign_keys} == {"course_sessions"}
    assert len(answer.id) == 32 and int(answer.id, 16) >= 0
    assert set(answer.answers) == {*survey.QUESTION_KEYS, survey.CHANGE}
    # Nothing in the audit log says who answered (it would carry the person and the time):
    assert not db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == people.trainee.id)).all()


def test_the_summary_counts_and_averages(people, past):
    course_session, _enrolment = past
    others = trainees(course_session, 2, people.trainer)
    for user, useful in zip([people.trainee, *others], [4, 4, 1]):
        survey.answer_survey(course_session, user, {**ANSWERS, "useful": useful, "change": ""}, now=utcnow())
    db.session.commit()
    summary = survey.survey_summary(course_session)
    assert summary.answers == 3
    useful = summary.questions[0]
    assert useful.key == "useful" and useful.counts == {1: 1, 2: 0, 3: 0, 4: 2} and useful.average == 3
    assert summary.free_texts == [] and not summary.free_texts_hidden


def test_free_texts_are_hidden_under_three_answers_then_sorted(people, past):
    course_session, _enrolment = past
    others = trainees(course_session, 2, people.trainer)
    texts = ["Plus de visites", "Des séances plus courtes", "Avoir le support en arabe"]
    for user, text in zip([people.trainee, *others[:1]], texts):
        survey.answer_survey(course_session, user, {**ANSWERS, "change": text}, now=utcnow())
    summary = survey.survey_summary(course_session)
    assert summary.answers == 2 and summary.free_texts_hidden and summary.free_texts == []
    survey.answer_survey(course_session, others[1], {**ANSWERS, "change": texts[2]}, now=utcnow())
    summary = survey.survey_summary(course_session)
    assert summary.free_texts == sorted(texts)  # not the order they came in


# --- the pages -----------------------------------------------------------------------------------

def test_the_trainee_answers_on_the_page_and_is_thanked(app, people, past):
    course_session, _enrolment = past
    client = signed_in(app, people.trainee)
    home = client.get("/me/training").get_data(as_text=True)
    url = f"/sessions/{course_session.id}/survey"
    assert "Donnez votre avis" in home and url in home
    page = client.get(url).get_data(as_text=True)
    assert page.count('type="radio"') == 20 and "Que changeriez-vous" in page
    data = {key: str(value) for key, value in ANSWERS.items()}
    response = client.post(url, data={**data, "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Merci : votre avis est enregistré." in page and 'type="radio"' not in page
    assert url not in client.get("/me/training").get_data(as_text=True)
    again = client.post(url, data={**data, "csrf_token": csrf_token(client, "/account")})
    assert again.status_code == 400
    assert count(SurveyAnswer) == 1


def test_a_missing_answer_is_shown_and_nothing_is_stored(app, people, past):
    course_session, _enrolment = past
    client = signed_in(app, people.trainee)
    url = f"/sessions/{course_session.id}/survey"
    data = {key: str(value) for key, value in ANSWERS.items() if key != "clear"}
    response = client.post(url, data={**data, "csrf_token": csrf_token(client, url)})
    assert response.status_code == 400
    assert "Choisissez une réponse." in response.get_data(as_text=True)
    assert count(SurveyAnswer) == 0 and count(SurveyReceipt) == 0


def test_the_page_says_when_the_questionnaire_is_not_open_or_not_theirs(app, people):
    course_session = make_session(people.trainer, days_ahead=3)
    enrolment_services.enrol(course_session, people.trainee, actor=people.trainee)
    db.session.commit()
    url = f"/sessions/{course_session.id}/survey"
    page = signed_in(app, people.trainee).get(url).get_data(as_text=True)
    assert "Le questionnaire s’ouvrira le" in page and 'type="radio"' not in page
    assert "Donnez votre avis" not in signed_in(app, people.trainee).get("/me/training").get_data(as_text=True)
    stranger = make_user("trainee", name="Pas Inscrit", email="stranger@example.org")
    page = signed_in(app, stranger).get(url).get_data(as_text=True)
    assert "Ce questionnaire est pour les stagiaires de cette session." in page


def test_the_questionnaire_speaks_the_trainees_language(app, people, past):
    course_session, _enrolment = past
    people.trainee.locale = "zgh"
    db.session.commit()
    page = signed_in(app, people.trainee).get(f"/sessions/{course_session.id}/survey").get_data(as_text=True)
    assert 'lang="zgh"' in page and 'dir="ltr"' in page
    assert "Pas du tout" not in page and "ⵓⵍⴰ" in page


def test_the_results_show_counts_to_the_sessions_staff(app, people, past):
    course_session, _enrolment = past
    survey.answer_survey(course_session, people.trainee, ANSWERS, now=utcnow())
    db.session.commit()
    url = f"/sessions/{course_session.id}/survey/results"
    for user in (people.trainer, people.admin):
        page = signed_in(app, user).get(url).get_data(as_text=True)
        assert "1 réponse" in page and 'class="survey-bar-fill"' in page
        assert "Plus de pratique" not in page  # one answer: its free text is not shown
        assert "à partir de 3 réponses" in page
        assert "style=" not in page.split("<main", 1)[1]  # the CSP forbids inline styles


@pytest.mark.parametrize("role", ["anonymous", "trainee", "other_trainer"])
def test_the_results_are_refused_to_others(app, people, past, other_trainer, role):  # noqa: F811
    course_session, _enrolment = past
    client = app.test_client()
    if role != "anonymous":
        client = signed_in(app, other_trainer if role == "other_trainer" else people[role])
    response = client.get(f"/sessions/{course_session.id}/survey/results")
    assert response.status_code == (302 if role == "anonymous" else 403)
