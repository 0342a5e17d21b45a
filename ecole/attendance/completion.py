"""Completion rules and the standing of each enrolment: hours attended, percentage, completed or
not and why. `standing` is a pure function of the meetings, the marks and the rule, so every edge
case (exactly 80 %, excused absences, late, a cancelled meeting, a trainee who joined from the
waitlist after the first meeting, a meeting added after marks were taken) is decided in one place."""
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from ecole.attendance.models import ATTENDED, Assessment, AttendanceMark, CompletionRule, Mark
from ecole.enrolment.models import HOLDS_SEAT, Enrolment, EnrolmentEvent
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.extensions import db
from ecole.sessions.models import CourseSession, Meeting, MeetingKind


@dataclass(frozen=True)
class Rule:
    """A course's completion rule (the defaults when it has none of its own)."""

    min_attendance: int = 80
    excused_left_out: bool = False
    requires_assessment: bool = False
    requires_trip: bool = True
    absence_streak: int = 2
    counts_as_training: bool = True


DEFAULT_RULE = Rule()
RULE_FIELDS = tuple(Rule.__dataclass_fields__)


def rule_for(course_id: int) -> Rule:
    row = db.session.get(CompletionRule, course_id)
    return Rule(**{name: getattr(row, name) for name in RULE_FIELDS}) if row is not None else DEFAULT_RULE


@dataclass
class Standing:
    minutes_expected: int = 0   # the meetings this person was expected at (cancelled ones never count)
    minutes_counted: int = 0    # the same, less excused absences when the rule leaves them out
    minutes_attended: int = 0   # present or late: the person-hours reports sum
    completed: bool = False
    reasons: list[str] = field(default_factory=list)
    unmarked: list[int] = field(default_factory=list)  # expected meetings already begun without a mark

    @property
    def percent(self) -> int:
        return self.minutes_attended * 100 // self.minutes_counted if self.minutes_counted else 0


def expected(meeting: Meeting, joined_at: datetime | None, mark: str | None) -> bool:
    """Was this person expected at this meeting? Not at a cancelled one; not at one that began
    before they got their seat (from the waitlist after it), unless the trainer marked them there:
    a walk-in enrolled after the fact from the paper sheet is on that meeting's record."""
    if meeting.is_cancelled:
        return False
    if joined_at is not None and meeting.starts_at < joined_at:
        return mark is not None
    return True


def standing(meetings: Iterable[Meeting], marks: dict[int, str], rule: Rule, *, joined_at: datetime | None,
             passed: bool | None, now: datetime) -> Standing:
    """One enrolment's standing. `marks` maps meeting ids to this person's marks."""
    result = Standing()
    visits_missed = False
    for meeting in meetings:
        mark = marks.get(meeting.id)
        if not expected(meeting, joined_at, mark):
            continue
        minutes = meeting.minutes
        result.minutes_expected += minutes
        if mark is None and meeting.starts_at <= now:
            result.unmarked.append(meeting.id)
        if mark in ATTENDED:
            result.minutes_attended += minutes
        if not (mark == Mark.EXCUSED and rule.excused_left_out):
            result.minutes_counted += minutes
        if meeting.kind == MeetingKind.VISIT and mark not in ATTENDED:
            visits_missed = True
    if result.minutes_attended == 0:
        result.reasons.append("nothing_attended")
    elif result.minutes_attended * 100 < rule.min_attendance * result.minutes_counted:  # integers: 80 % is 80 %
        result.reasons.append("attendance")
    if rule.requires_assessment and not passed:
        result.reasons.append("assessment")
    if rule.requires_trip and visits_missed:
        result.reasons.append("trip")
    result.completed = not result.reasons
    return result


@dataclass
class SessionFacts:
    """Everything the standings of a session need, read with a fixed number of queries."""

    course_session: CourseSession
    rule: Rule
    meetings: list[Meeting]
    enrolments: list[Enrolment]
    marks: dict[int, dict[int, str]]          # enrolment id → meeting id → mark
    joined: dict[int, datetime]               # enrolment id → when the seat was confirmed
    passed: dict[int, bool]                   # enrolment id → assessment passed

    def standing_of(self, enrolment: Enrolment, now: datetime) -> Standing:
        return standing(self.meetings, self.marks.get(enrolment.id, {}), self.rule,
                        joined_at=self.joined.get(enrolment.id), passed=self.passed.get(enrolment.id), now=now)


def session_facts(course_session: CourseSession, *, enrolment_ids: list[int] | None = None) -> SessionFacts:
    meetings = list(db.session.scalars(select(Meeting).where(Meeting.session_id == course_session.id)
                                       .order_by(Meeting.starts_at, Meeting.id)))
    query = select(Enrolment).where(Enrolment.session_id == course_session.id,
                                    Enrolment.status.in_([s.value for s in HOLDS_SEAT if s != S.OFFERED])
                                    ).options(lazyload(Enrolment.course_session))  # the one session, loaded
    if enrolment_ids is not None:
        query = query.where(Enrolment.id.in_(enrolment_ids))
    enrolments = list(db.session.scalars(query))
    ids = [e.id for e in enrolments] or [-1]
    marks: dict[int, dict[int, str]] = {}
    for enrolment_id, meeting_id, status in db.session.execute(
            select(AttendanceMark.enrolment_id, AttendanceMark.meeting_id, AttendanceMark.status)
            .where(AttendanceMark.enrolment_id.in_(ids))):
        marks.setdefault(enrolment_id, {})[meeting_id] = status
    joined = dict(db.session.execute(
        select(EnrolmentEvent.enrolment_id, func.max(EnrolmentEvent.at))
        .where(EnrolmentEvent.enrolment_id.in_(ids), EnrolmentEvent.to_status == S.CONFIRMED.value)
        .group_by(EnrolmentEvent.enrolment_id)).all())
    passed = dict(db.session.execute(
        select(Assessment.enrolment_id, Assessment.passed).where(Assessment.enrolment_id.in_(ids))).all())
    return SessionFacts(course_session, rule_for(course_session.course_id), meetings, enrolments, marks, joined, passed)
