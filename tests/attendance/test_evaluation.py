"""Practical assessments: the service's rules, its history, and the one-page sheet that saves all or nothing."""
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from ecole.attendance.errors import AttendanceError
from ecole.attendance.evaluation import read_score, record_assessment
from ecole.attendance.models import Assessment, Result
from ecole.core.audit import AuditEntry
from ecole.core.models import utcnow
from ecole.enrolment import services as enrolment_services
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.extensions import db
from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.enrolment.conftest import other_trainer  # noqa: F401
from tests.factories import make_past_session, make_user
from tests.helpers import csrf_token, signed_in


@pytest.fixture(autouse=True)
def _courses(catalogue):  # noqa: F811
    """Sessions are built on the test catalogue."""


@pytest.fixture
def past(people):
    """A session whose meeting is over, the trainee enrolled on the spot (confirmed)."""
    return make_past_session(people.trainer, people.trainee)


def assessments() -> list[Assessment]:
    return list(db.session.scalars(select(Assessment)))


def history() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "assessment.record")
                                   .order_by(AuditEntry.id)))


# --- the service ---------------------------------------------------------------------------------

def test_a_trainer_records_then_changes_an_assessment_and_both_are_in_the_history(people, past):
    _session, enrolment = past
    record_assessment(enrolment, True, 14.5, "Bonne pratique au champ", actor=people.trainer)
    db.session.commit()
    record_assessment(enrolment, False, 8, "Revoir la taille", actor=people.admin)
    db.session.commit()

    [assessment] = assessments()
    assert (assessment.passed, assessment.score, assessment.comment) == (False, 8, "Revoir la taille")
    assert assessment.assessed_by_id == people.admin.id
    first, second = history()
    assert (first.details["from_passed"], first.details["to_passed"], first.details["to_score"]) == (None, True, 14.5)
    assert (second.details["from_passed"], second.details["to_passed"]) == (True, False)
    assert (second.details["from_score"], second.details["to_score"]) == (14.5, 8)
    assert (first.actor_id, second.actor_id) == (people.trainer.id, people.admin.id)
    assert second.target_type == "Enrolment" and second.target_id == str(enrolment.id)


def test_saving_the_same_assessment_again_writes_no_history(people, past):
    _session, enrolment = past
    record_assessment(enrolment, True, None, "", actor=people.trainer)
    record_assessment(enrolment, True, None, "", actor=people.trainer)
    db.session.commit()
    assert len(history()) == 1


def test_validated_results_refuse_any_change(people, past):
    _session, enrolment = past
    record_assessment(enrolment, True, 12, "", actor=people.trainer)
    db.session.add(Result(enrolment_id=enrolment.id, completed=True, validated_at=utcnow(), validated_by_id=people.trainer.id))
    db.session.commit()
    for actor in (people.trainer, people.admin):  # the administrator reopens the results first
        with pytest.raises(AttendanceError, match="seul un administrateur peut les rouvrir"):
            record_assessment(enrolment, False, 5, "", actor=actor)
    db.session.rollback()
    [assessment] = assessments()
    assert (assessment.passed, assessment.score) == (True, 12)
    assert len(history()) == 1


def test_results_computed_but_not_validated_do_not_lock(people, past):
    _session, enrolment = past
    db.session.add(Result(enrolment_id=enrolment.id, completed=False))
    db.session.commit()
    record_assessment(enrolment, True, None, "", actor=people.trainer)
    assert assessments()[0].passed is True


@pytest.mark.parametrize("score", [21, -1, 20.5, float("nan"), float("inf")])
def test_a_score_outside_0_to_20_is_refused(people, past, score):
    _session, enrolment = past
    with pytest.raises(AttendanceError):
        record_assessment(enrolment, True, score, "", actor=people.trainer)
    assert assessments() == []


@pytest.mark.parametrize("typed,score", [("14,5", 14.5), ("14.5", 14.5), (" 20 ", 20.0), ("0", 0.0), ("", None)])
def test_a_typed_score_takes_a_decimal_comma(typed, score):
    assert read_score(typed) == score


@pytest.mark.parametrize("typed", ["abc", "21", "-1", "14,5,5", "1e1", "NaN", "٣"])
def test_a_typed_score_that_is_not_a_score_is_refused(typed):
    with force_locale("fr"), pytest.raises(AttendanceError, match="entre 0 et 20"):
        read_score(typed)


def test_a_comment_longer_than_1000_characters_is_refused(people, past):
    _session, enrolment = past
    with pytest.raises(AttendanceError, match="1000"):
        record_assessment(enrolment, True, None, "x" * 1001, actor=people.trainer)


def test_a_cancelled_enrolment_is_not_assessed(people, past):
    _session, enrolment = past
    enrolment_services.cancel(enrolment, actor=people.trainer, reason="Parti travailler à Agadir")
    db.session.commit()
    with pytest.raises(AttendanceError, match="confirmée ou terminée"):
        record_assessment(enrolment, True, None, "", actor=people.trainer)


def test_completed_and_not_completed_enrolments_are_assessed(people, past):
    _session, enrolment = past
    enrolment_services.move(enrolment, S.NOT_COMPLETED, actor=people.trainer)
    db.session.commit()
    record_assessment(enrolment, False, 6, "", actor=people.trainer)
    assert assessments()[0].score == 6


def test_only_the_sessions_trainers_and_administrators_assess(people, past, other_trainer):  # noqa: F811
    _session, enrolment = past
    for actor in (other_trainer, people.trainee):
        with pytest.raises(AttendanceError):
            record_assessment(enrolment, True, None, "", actor=actor)
    record_assessment(enrolment, True, None, "", actor=people.admin)
    assert len(assessments()) == 1


# --- the sheet -----------------------------------------------------------------------------------

@pytest.fixture
def two_trainees(app, people, past):
    """The past session with a second confirmed trainee; the trainer's client."""
    course_session, first = past
    other = make_user("trainee", name="Hassan Amrani", email="hassan@example.org")
    second = enrolment_services.enrol(course_session, other, actor=people.trainer, walk_in=True)
    db.session.commit()
    return course_session, first, second, signed_in(app, people.trainer)


def test_the_sheet_saves_every_row_at_once_with_a_decimal_comma(two_trainees):
    course_session, first, second, client = two_trainees
    url = f"/sessions/{course_session.id}/assessments"
    page = client.get(url).get_data(as_text=True)
    assert "Fatima Aït Ali" in page and "Hassan Amrani" in page
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      f"passed_{first.id}": "1", f"score_{first.id}": "14,5",
                                      f"comment_{first.id}": "Taille des bulbes maîtrisée",
                                      f"passed_{second.id}": "0"})
    assert response.status_code == 302
    rows = {a.enrolment_id: a for a in assessments()}
    assert (rows[first.id].passed, rows[first.id].score, rows[first.id].comment) == (True, 14.5, "Taille des bulbes maîtrisée")
    assert (rows[second.id].passed, rows[second.id].score) == (False, None)
    page = client.get(url).get_data(as_text=True)
    assert 'value="14,5"' in page  # shown back as typed, with the comma


def test_one_bad_row_saves_nothing_and_says_why_next_to_the_field(two_trainees):
    course_session, first, second, client = two_trainees
    url = f"/sessions/{course_session.id}/assessments"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      f"passed_{first.id}": "1", f"score_{first.id}": "15",
                                      f"passed_{second.id}": "1", f"score_{second.id}": "abc"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Rien n’a été enregistré" in page
    assert f'id="score_{second.id}-error">Écrivez une note entre 0 et 20, par exemple 14 ou 14,5.</small>' in page
    assert 'value="abc"' in page  # what was typed stays, to be corrected
    assert assessments() == []


@pytest.mark.parametrize("score", ["21", "-1"])
def test_a_score_out_of_range_on_the_sheet_saves_nothing(two_trainees, score):
    course_session, first, second, client = two_trainees
    url = f"/sessions/{course_session.id}/assessments"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), f"passed_{first.id}": "1",
                                      f"passed_{second.id}": "0", f"score_{second.id}": score})
    assert response.status_code == 400
    assert assessments() == []


def test_a_score_without_a_result_is_an_error(two_trainees):
    course_session, first, _second, client = two_trainees
    url = f"/sessions/{course_session.id}/assessments"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), f"score_{first.id}": "12"})
    assert response.status_code == 400
    assert "Choisissez « réussi » ou « non réussi »." in response.get_data(as_text=True)
    assert assessments() == []


def test_a_locked_row_changed_on_the_sheet_undoes_the_other_rows(people, two_trainees):
    course_session, first, second, client = two_trainees
    record_assessment(first, True, 12, "", actor=people.trainer)
    db.session.add(Result(enrolment_id=first.id, validated_at=utcnow()))
    db.session.commit()
    url = f"/sessions/{course_session.id}/assessments"
    page = client.get(url).get_data(as_text=True)
    assert "Résultats validés : seul un administrateur peut les rouvrir." in page
    # A page opened before the results were validated still sends the row, changed:
    response = client.post(url, data={"csrf_token": csrf_token(client, url), f"passed_{first.id}": "0",
                                      f"passed_{second.id}": "1"})
    assert response.status_code == 400
    assert "seul un administrateur peut les rouvrir" in response.get_data(as_text=True)
    assert [(a.enrolment_id, a.passed) for a in assessments()] == [(first.id, True)]


def test_the_sheet_speaks_arabic_right_to_left(app, people, two_trainees):
    course_session, _first, _second, _client = two_trainees
    people.admin.locale = "ar"
    db.session.commit()
    page = signed_in(app, people.admin).get(f"/sessions/{course_session.id}/assessments").get_data(as_text=True)
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert "Évaluations pratiques" not in page


@pytest.mark.parametrize("role", ["anonymous", "trainee", "other_trainer"])
def test_only_the_sessions_staff_open_the_sheet(app, people, past, other_trainer, role):  # noqa: F811
    course_session, _enrolment = past
    client = app.test_client()
    if role != "anonymous":
        client = signed_in(app, other_trainer if role == "other_trainer" else people[role])
    response = client.get(f"/sessions/{course_session.id}/assessments")
    assert response.status_code == (302 if role == "anonymous" else 403)


def test_the_manage_page_links_to_the_sheet(app, people, past):
    course_session, _enrolment = past
    page = signed_in(app, people.trainer).get(f"/sessions/{course_session.id}/manage").get_data(as_text=True)
    assert f"/sessions/{course_session.id}/assessments" in page
