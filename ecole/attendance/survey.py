"""The satisfaction questionnaire: five questions on a 1–4 scale and one optional free text, answered
once per trainee after the last meeting has begun. Anonymous by construction: the receipt (who
answered) and the answers (what was said: no person, no time, the day only) are two tables that
nothing links, and nothing here writes an audit entry, which would name the person."""
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ecole.attendance.errors import AttendanceError
from ecole.attendance.models import SurveyAnswer, SurveyReceipt
from ecole.core.timezone import school_zone
from ecole.core.transactions import insert_once, take_write_lock
from ecole.enrolment.models import Enrolment
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.extensions import db
from ecole.sessions.models import CourseSession

# The questions, in the order they are asked; keys are stored in the answers, never change them.
QUESTIONS = (
    ("useful", _l("Ce que vous avez appris vous sera-t-il utile dans votre travail ?")),
    ("clear", _l("Les explications étaient-elles claires ?")),
    ("trainer", _l("Le formateur ou la formatrice vous a-t-il aidé à apprendre ?")),
    ("organisation", _l("L’organisation et le lieu vous ont-ils convenu ?")),
    ("recommend", _l("Conseilleriez-vous cette formation à quelqu’un d’autre ?")),
)
QUESTION_KEYS = tuple(key for key, _title in QUESTIONS)
SCALE = (1, 2, 3, 4)
SCALE_TITLES = {1: _l("Pas du tout"), 2: _l("Un peu"), 3: _l("Plutôt oui"), 4: _l("Tout à fait")}
CHANGE = "change"  # the free text
CHANGE_TITLE = _l("Que changeriez-vous dans cette formation ?")
CHANGE_MAX = 1000
# Free texts are shown from this many answers on: below it, a text could be told apart as one person's.
FREE_TEXTS_FROM = 3
# Who is asked: the people who held a seat in the session.
ASKED = frozenset({S.CONFIRMED, S.COMPLETED, S.NOT_COMPLETED})


def opens_at(course_session: CourseSession) -> datetime | None:
    """When the questionnaire opens: the start of the session's last meeting (None: no meeting yet).
    A meeting the school called off is not the last one: nobody will attend it."""
    return max((m.starts_at for m in course_session.meetings if not m.is_cancelled), default=None)


def is_open(course_session: CourseSession, now: datetime) -> bool:
    start = opens_at(course_session)
    return start is not None and start <= now


def may_answer(course_session: CourseSession, user) -> bool:
    """Whether `user` is one of the people the questionnaire asks (whether it is open aside)."""
    if user is None or not user.is_authenticated:
        return False
    status = db.session.scalar(select(Enrolment.status).where(Enrolment.session_id == course_session.id,
                                                              Enrolment.user_id == user.id))
    return status in ASKED


def has_answered(course_session: CourseSession, user) -> bool:
    return db.session.scalar(select(SurveyReceipt.id).where(SurveyReceipt.session_id == course_session.id,
                                                            SurveyReceipt.user_id == user.id)) is not None


def clean_answers(answers: dict) -> dict:
    """The answers to store: each question's value, 1 to 4, and the free text (may be empty)."""
    clean: dict = {}
    for key in QUESTION_KEYS:
        try:
            value = int(answers.get(key))
        except (TypeError, ValueError):
            value = None
        if value not in SCALE:
            raise AttendanceError(_("Répondez à chaque question."))
        clean[key] = value
    text = str(answers.get(CHANGE) or "").strip()
    if len(text) > CHANGE_MAX:
        raise AttendanceError(_("Votre texte doit compter au plus %(max)d caractères.", max=CHANGE_MAX))
    clean[CHANGE] = text
    return clean


def answer_survey(course_session: CourseSession, user, answers: dict, *, now: datetime) -> SurveyAnswer:
    """Record `user`'s answers, once. The receipt is inserted first, in a savepoint: of two
    submissions racing each other, the second meets the unique (session, user) and is refused."""
    clean = clean_answers(answers)
    take_write_lock()  # on SQLite, the reads below decide a write: they must be current
    if not may_answer(course_session, user):
        raise AttendanceError(_("Ce questionnaire est pour les stagiaires de cette session."))
    if not is_open(course_session, now):
        raise AttendanceError(_("Le questionnaire s’ouvrira au début de la dernière séance."))
    if not insert_once(SurveyReceipt(session_id=course_session.id, user_id=user.id)):
        raise AttendanceError(_("Vous avez déjà répondu à ce questionnaire."))
    answer = SurveyAnswer(id=secrets.token_hex(16), session_id=course_session.id, answers=clean,
                          day=now.astimezone(school_zone()).date())
    db.session.add(answer)
    db.session.flush()
    return answer


@dataclass
class QuestionSummary:
    key: str
    title: object
    counts: dict[int, int]  # value → how many chose it
    answered: int
    average: float | None


@dataclass
class SurveySummary:
    answers: int
    questions: list[QuestionSummary] = field(default_factory=list)
    free_texts: list[str] = field(default_factory=list)  # empty while there are too few answers
    free_texts_hidden: bool = True  # too few answers to show them


def survey_summary(course_session: CourseSession) -> SurveySummary:
    """Counts per question and value, averages, and the free texts in alphabetical order (not in
    the order they came), only from FREE_TEXTS_FROM answers on."""
    rows = list(db.session.scalars(select(SurveyAnswer.answers).where(SurveyAnswer.session_id == course_session.id)))
    summary = SurveySummary(answers=len(rows))
    for key, title in QUESTIONS:
        values = [row.get(key) for row in rows if row.get(key) in SCALE]
        counts = {value: values.count(value) for value in SCALE}
        average = sum(values) / len(values) if values else None
        summary.questions.append(QuestionSummary(key, title, counts, len(values), average))
    texts = sorted((str(row.get(CHANGE) or "").strip() for row in rows), key=str.casefold)
    summary.free_texts_hidden = len(rows) < FREE_TEXTS_FROM
    if not summary.free_texts_hidden:
        summary.free_texts = [text for text in texts if text]
    return summary
