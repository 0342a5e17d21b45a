"""Reads of attendance that pages share: a meeting's register, a session's results, a person's marks."""
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from ecole.accounts.models import User
from ecole.attendance.models import AttendanceMark, Register, RegisterEvent, Result, SurveyReceipt
from ecole.enrolment.models import Enrolment
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.extensions import db
from ecole.sessions.models import CourseSession, Meeting

ON_REGISTER = (S.CONFIRMED.value, S.COMPLETED.value, S.NOT_COMPLETED.value)


def meeting_for_page(meeting_id: int) -> Meeting | None:
    """A meeting with its session, course, venue and trainers (what the register page shows)."""
    return db.session.scalar(select(Meeting).where(Meeting.id == meeting_id).options(
        joinedload(Meeting.course_session).options(joinedload(CourseSession.course), selectinload(CourseSession.trainers))))


@dataclass
class RegisterPage:
    meeting: Meeting
    register: Register | None
    enrolments: list[Enrolment]
    marks: dict[int, AttendanceMark]

    @property
    def locked(self) -> bool:
        return self.register is not None and self.register.is_locked

    @property
    def missing(self) -> int:
        return sum(1 for e in self.enrolments if e.id not in self.marks)

    def count(self, status: str) -> int:
        return sum(1 for m in self.marks.values() if m.status == status)


def register_page(meeting: Meeting) -> RegisterPage:
    """The trainees on a meeting's register with their marks: three queries whatever their number."""
    enrolments = list(db.session.scalars(
        select(Enrolment).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.session_id == meeting.session_id, Enrolment.status.in_(ON_REGISTER))
        # the session is the meeting's, already loaded: no join of it (and its venue) per person
        .options(lazyload(Enrolment.course_session))
        .order_by(User.name_latin, Enrolment.id)))
    marks = {m.enrolment_id: m for m in db.session.scalars(
        select(AttendanceMark).where(AttendanceMark.meeting_id == meeting.id))}
    register = db.session.scalar(select(Register).where(Register.meeting_id == meeting.id)
                                 .options(joinedload(Register.locked_by)))
    return RegisterPage(meeting, register, enrolments, marks)


def history(meeting: Meeting) -> list[RegisterEvent]:
    return list(db.session.scalars(
        select(RegisterEvent).where(RegisterEvent.meeting_id == meeting.id)
        .options(joinedload(RegisterEvent.enrolment).joinedload(Enrolment.user))
        .order_by(RegisterEvent.at.desc(), RegisterEvent.id.desc())))


def results_of(course_session: CourseSession) -> dict[int, Result]:
    """Stored results of a session's enrolments, by enrolment id."""
    return {r.enrolment_id: r for r in db.session.scalars(
        select(Result).join(Enrolment, Enrolment.id == Result.enrolment_id)
        .where(Enrolment.session_id == course_session.id))}


def marks_of(enrolment: Enrolment) -> dict[int, str]:
    return dict(db.session.execute(select(AttendanceMark.meeting_id, AttendanceMark.status)
                                   .where(AttendanceMark.enrolment_id == enrolment.id)).all())


def has_marks(meeting: Meeting) -> bool:
    return db.session.scalar(select(AttendanceMark.id).where(AttendanceMark.meeting_id == meeting.id).limit(1)) is not None


def answered_sessions(user, session_ids: Iterable[int]) -> set[int]:
    """Which of `session_ids` the person has answered the questionnaire of (one query)."""
    ids = list(set(session_ids))
    if not ids:
        return set()
    return set(db.session.scalars(select(SurveyReceipt.session_id).where(SurveyReceipt.user_id == user.id,
                                                                         SurveyReceipt.session_id.in_(ids))))
