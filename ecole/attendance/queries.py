"""Reads of attendance that pages share: a meeting's register, a session's results, a person's marks."""
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from ecole.accounts.models import User
from ecole.attendance.models import AttendanceMark, Register, RegisterEvent, Result, SurveyReceipt
from ecole.enrolment.models import Enrolment
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.extensions import db
from ecole.sessions.models import CourseSession, Meeting

ON_REGISTER = (S.CONFIRMED.value, S.COMPLETED.value, S.NOT_COMPLETED.value)


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


OFFLINE_DAYS = 7  # a trainer's phone keeps the registers of today and the next 7 days


def meetings_for_offline(user: User, now) -> list[Meeting]:
    """The meetings of today and the next OFFLINE_DAYS days of the published sessions `user` teaches,
    not called off, with their sessions and courses (fixed queries)."""
    from datetime import datetime, time, timedelta, timezone

    from ecole.core.timezone import school_zone
    from ecole.sessions.models import SessionStatus
    from ecole.sessions.queries import taught_by

    zone = school_zone()
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(0), tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(today + timedelta(days=OFFLINE_DAYS + 1), time(0), tzinfo=zone).astimezone(timezone.utc)
    return list(db.session.scalars(
        select(Meeting).join(CourseSession, CourseSession.id == Meeting.session_id)
        .where(CourseSession.id.in_(taught_by(user)), CourseSession.status == SessionStatus.PUBLISHED.value,
               Meeting.cancelled_at.is_(None), Meeting.starts_at >= start, Meeting.starts_at < end)
        .options(joinedload(Meeting.course_session).joinedload(CourseSession.course))
        .order_by(Meeting.starts_at, Meeting.id)))


def registers_of(meetings: list[Meeting]) -> dict[int, RegisterPage]:
    """The register of each meeting, in three queries whatever their number."""
    session_ids = {m.session_id for m in meetings} or {-1}
    meeting_ids = [m.id for m in meetings] or [-1]
    enrolments = list(db.session.scalars(
        select(Enrolment).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.session_id.in_(session_ids), Enrolment.status.in_(ON_REGISTER))
        .options(lazyload(Enrolment.course_session)).order_by(User.name_latin, Enrolment.id)))
    marks: dict[int, dict[int, AttendanceMark]] = {}
    for mark in db.session.scalars(select(AttendanceMark).where(AttendanceMark.meeting_id.in_(meeting_ids))):
        marks.setdefault(mark.meeting_id, {})[mark.enrolment_id] = mark
    registers = {r.meeting_id: r for r in db.session.scalars(select(Register).where(Register.meeting_id.in_(meeting_ids)))}
    return {m.id: RegisterPage(m, registers.get(m.id), [e for e in enrolments if e.session_id == m.session_id],
                               marks.get(m.id, {})) for m in meetings}
