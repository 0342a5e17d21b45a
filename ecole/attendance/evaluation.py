"""The trainer's practical assessment of each trainee: passed or not, an optional score out of 20,
a comment. Every change is kept in the audit log (from what to what); results once validated are
locked, and only an administrator's unlock reopens their assessments. Services flush; the view commits."""
import math
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ecole.accounts.services import hold_person
from ecole.attendance.errors import AttendanceError
from ecole.attendance.models import Assessment, Result
from ecole.core.audit import record
from ecole.core.models import utcnow
from ecole.core.transactions import insert_once
from ecole.enrolment.models import Enrolment
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.extensions import db
from ecole.sessions.models import CourseSession

# Titles of this module's audit actions (create_app gives them to core/audit.py).
ACTION_TITLES = {
    "assessment.record": _l("Évaluation pratique d’un·e stagiaire"),
}

# Who can be assessed: the people who hold a seat in the session (an open offer is not one yet).
ASSESSABLE = frozenset({S.CONFIRMED, S.COMPLETED, S.NOT_COMPLETED})
SCORE_MIN, SCORE_MAX = 0, 20  # Moroccan schools mark out of 20
COMMENT_MAX = 1000
_SCORE = re.compile(r"\d{1,2}([.,]\d{1,2})?", re.ASCII)  # Latin digits, as Moroccan forms write them


def read_score(text: str | None) -> float | None:
    """A score as typed: "14", "14,5" (the decimal comma of fr, ar_MA and zgh) or "14.5"; empty
    is no score. Anything else, or outside 0–20, is refused with a message for the person."""
    text = (text or "").strip()
    if not text:
        return None
    if not _SCORE.fullmatch(text):
        raise AttendanceError(_("Écrivez une note entre 0 et 20, par exemple 14 ou 14,5."))
    score = float(text.replace(",", "."))
    check_score(score)
    return score


def check_score(score: float | None) -> None:
    if score is not None and not (math.isfinite(score) and SCORE_MIN <= score <= SCORE_MAX):
        raise AttendanceError(_("La note doit être entre 0 et 20."))


def result_of(enrolment: Enrolment) -> Result | None:
    return db.session.scalar(select(Result).where(Result.enrolment_id == enrolment.id))


def assessment_of(enrolment: Enrolment) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(Assessment.enrolment_id == enrolment.id))


def record_assessment(enrolment: Enrolment, passed: bool, score: float | None, comment: str, *, actor) -> Assessment:
    """Record (or change) `enrolment`'s assessment. Refused for anyone but the session's trainers and
    administrators, for an enrolment that holds no seat, and once its result is validated."""
    if not enrolment.course_session.can_manage(actor):
        raise AttendanceError(_("Seuls les formateurs de la session et les administrateurs peuvent évaluer."))
    if enrolment.status not in ASSESSABLE:
        raise AttendanceError(_("Seule une inscription confirmée ou terminée peut être évaluée."))
    result = result_of(enrolment)
    if result is not None and result.is_locked:
        raise AttendanceError(_("Résultats validés : seul un administrateur peut les rouvrir."))
    check_score(score)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise AttendanceError(_("Le commentaire doit compter au plus %(max)d caractères.", max=COMMENT_MAX))
    passed = bool(passed)
    # A comment is a text about the person: an erasure under way is waited for, and one that is over
    # leaves nobody to write about (a result and a score still count for the funders).
    if comment and hold_person(enrolment.user).erased_at is not None:
        raise AttendanceError(_("Les données de cette personne ont été effacées à sa demande."))

    assessment = assessment_of(enrolment)
    if assessment is None:
        assessment = Assessment(enrolment_id=enrolment.id, passed=passed, score=score, comment=comment,
                                assessed_at=utcnow(), assessed_by_id=actor.id)
        if insert_once(assessment):
            _record_change(enrolment, (None, None, ""), (passed, score, comment), actor=actor)
            return assessment
        assessment = assessment_of(enrolment)  # another request created it a moment ago: change theirs
    before = (assessment.passed, assessment.score, assessment.comment)
    if before == (passed, score, comment):
        return assessment  # nothing changed: no history to write
    assessment.passed, assessment.score, assessment.comment = passed, score, comment
    assessment.assessed_at = utcnow()
    assessment.assessed_by_id = actor.id
    db.session.flush()
    _record_change(enrolment, before, (passed, score, comment), actor=actor)
    return assessment


def _record_change(enrolment: Enrolment, before: tuple, after: tuple, *, actor) -> None:
    record("assessment.record", enrolment, actor=actor, session_id=enrolment.session_id,
           from_passed=before[0], to_passed=after[0], from_score=before[1], to_score=after[1],
           from_comment=before[2], to_comment=after[2])


@dataclass
class AssessmentRow:
    """One trainee on the assessment page: their enrolment, assessment (if any) and whether it is locked."""

    enrolment: Enrolment
    assessment: Assessment | None
    locked: bool


def assessment_rows(course_session: CourseSession) -> list[AssessmentRow]:
    """The session's assessable trainees by name, with their assessments and results (three queries)."""
    enrolments = list(db.session.scalars(
        select(Enrolment).where(Enrolment.session_id == course_session.id,
                                Enrolment.status.in_([status.value for status in ASSESSABLE]))))
    ids = [enrolment.id for enrolment in enrolments]
    assessments = {a.enrolment_id: a for a in db.session.scalars(select(Assessment).where(Assessment.enrolment_id.in_(ids)))}
    locked = set(db.session.scalars(select(Result.enrolment_id).where(Result.enrolment_id.in_(ids),
                                                                      Result.validated_at.is_not(None))))
    enrolments.sort(key=lambda enrolment: ((enrolment.user.name_latin or "").casefold(), enrolment.id))
    return [AssessmentRow(enrolment, assessments.get(enrolment.id), enrolment.id in locked) for enrolment in enrolments]
