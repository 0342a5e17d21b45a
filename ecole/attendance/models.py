"""Attendance: registers and their marks, the history of every change, scanned sign-in sheets,
assessments, the anonymous satisfaction questionnaire, completion rules and results."""
import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecole.accounts.models import User
from ecole.core.models import UTCDateTime, utcnow
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from ecole.sessions.models import Meeting


class Mark(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def title(self):
        return MARK_TITLES[self]


# Contexts: a mark is said of a person (the French and Arabic forms agree with nobody in particular).
MARK_TITLES = {
    Mark.PRESENT: lazy_pgettext("mark", "Présent"),
    Mark.LATE: lazy_pgettext("mark", "En retard"),
    Mark.EXCUSED: lazy_pgettext("mark", "Absence excusée"),
    Mark.ABSENT: lazy_pgettext("mark", "Absent"),
}
ATTENDED = frozenset({Mark.PRESENT, Mark.LATE})  # late counts as present


class Register(db.Model):
    """A meeting's register: whether it is locked, and since when. Created on first use."""

    __tablename__ = "registers"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    locked_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Register meeting={self.meeting_id} locked={self.locked_at is not None}>"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class AttendanceMark(db.Model):
    """One trainee's mark at one meeting: the latest word (every change is in MarkEvent)."""

    __tablename__ = "attendance_marks"
    __table_args__ = (UniqueConstraint("meeting_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    # When the mark was taken: the server's clock, or the phone's for marks taken offline (the
    # latest by this time wins when two devices disagree).
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    def __repr__(self) -> str:
        return f"<AttendanceMark meeting={self.meeting_id} enrolment={self.enrolment_id} {self.status}>"

    @property
    def title(self):
        return MARK_TITLES[Mark(self.status)]


class RegisterEvent(db.Model):
    """The history of a register: every mark and change (from what to what), every lock and unlock."""

    __tablename__ = "register_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "mark", "lock", "unlock"
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # An idempotency key for marks sent by a device (offline sync): the same mark twice is stored once.
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)

    actor: Mapped[User | None] = relationship(lazy="joined")
    enrolment: Mapped[Enrolment | None] = relationship()

    def __repr__(self) -> str:
        return f"<RegisterEvent {self.kind} meeting={self.meeting_id} {self.from_status}→{self.to_status}>"


class SheetScan(db.Model):
    """An uploaded photo or scan of signed sign-in sheets (one or several pages)."""

    __tablename__ = "sheet_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(512))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    pages: Mapped[list["ScanPage"]] = relationship(back_populates="scan", cascade="all, delete-orphan",
                                                   order_by="ScanPage.position")

    def __repr__(self) -> str:
        return f"<SheetScan {self.id} session={self.session_id}>"


class ScanPage(db.Model):
    """One page of a scan, as an image, filed under its meeting (read from its QR code, or chosen by
    the trainer when the code could not be read)."""

    __tablename__ = "scan_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("sheet_scans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1-based, in the uploaded file
    # "code": filed by its QR code; "chosen": by the trainer; "unread": waiting for the trainer's choice.
    filed_by: Mapped[str] = mapped_column(String(16), default="unread")
    # "meeting": a page of one meeting's sheet; "session": of the sheet with a column per meeting.
    sheet_kind: Mapped[str] = mapped_column(String(16), default="meeting")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    sheet_page: Mapped[int | None] = mapped_column(Integer)  # the printed sheet's page number, from the code
    storage_key: Mapped[str] = mapped_column(String(512))
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)

    scan: Mapped[SheetScan] = relationship(back_populates="pages")
    meeting: Mapped[Meeting | None] = relationship()

    def __repr__(self) -> str:
        return f"<ScanPage {self.scan_id}#{self.position} meeting={self.meeting_id}>"


class Assessment(db.Model):
    """The trainer's practical assessment of one trainee."""

    __tablename__ = "assessments"
    __table_args__ = (CheckConstraint("score IS NULL OR (score >= 0 AND score <= 20)", name="score_out_of_20"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    passed: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Float)  # out of 20, as Moroccan schools mark
    comment: Mapped[str] = mapped_column(Text, default="")
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    def __repr__(self) -> str:
        return f"<Assessment enrolment={self.enrolment_id} passed={self.passed}>"


class SurveyReceipt(db.Model):
    """That a trainee answered a session's questionnaire: kept apart from the answers, so that
    nobody can tell who answered what (the answers carry neither person nor time)."""

    __tablename__ = "survey_receipts"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class SurveyAnswer(db.Model):
    """One anonymous set of answers: a random id (no order to match with receipts), the day only."""

    __tablename__ = "survey_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    day: Mapped[date] = mapped_column(Date)


class CompletionRule(db.Model):
    """What completing a course means; a course without a row follows the defaults below."""

    __tablename__ = "completion_rules"
    __table_args__ = (
        CheckConstraint("min_attendance >= 0 AND min_attendance <= 100", name="attendance_percent"),
        CheckConstraint("absence_streak >= 1", name="streak_positive"),
    )

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    min_attendance: Mapped[int] = mapped_column(Integer, default=80)  # % of the meeting hours
    excused_left_out: Mapped[bool] = mapped_column(Boolean, default=False)  # excused absences not held against
    requires_assessment: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_trip: Mapped[bool] = mapped_column(Boolean, default=True)  # when the session has study-trip meetings
    absence_streak: Mapped[int] = mapped_column(Integer, default=2)  # meetings missed in a row before a warning
    counts_as_training: Mapped[bool] = mapped_column(Boolean, default=True)  # awareness meetings do not


class Result(db.Model):
    """An enrolment's computed completion and the hours attended (reports sum them). Validated by
    the trainer: then locked, and only an administrator's unlock (with a reason) reopens it."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    minutes_expected: Mapped[int] = mapped_column(Integer, default=0)
    minutes_attended: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)  # codes of the unmet conditions
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    enrolment: Mapped[Enrolment] = relationship()

    def __repr__(self) -> str:
        return f"<Result enrolment={self.enrolment_id} completed={self.completed}>"

    @property
    def is_locked(self) -> bool:
        return self.validated_at is not None

    @property
    def hours_attended(self) -> float:
        return self.minutes_attended / 60

    @property
    def percent(self) -> int:
        return (self.minutes_attended * 100 // self.minutes_expected) if self.minutes_expected else 0


class AbsenceWarning(db.Model):
    """A warning sent about a trainee's absences: once per enrolment and kind."""

    __tablename__ = "absence_warnings"
    __table_args__ = (UniqueConstraint("enrolment_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "streak" or "out_of_reach"
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


REASON_TITLES = {
    "attendance": _l("Présence inférieure au minimum demandé"),
    "assessment": _l("Évaluation pratique non réussie ou pas encore faite"),
    "trip": _l("Voyage d’étude non suivi"),
    "nothing_attended": _l("Aucune séance suivie"),
}


class MarkReview(db.Model):
    """A mark that reached a locked register (sent by a phone that was offline): it never overwrites;
    the trainer or an administrator accepts or rejects it."""

    __tablename__ = "mark_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the phone's time
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending, accepted, rejected
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    enrolment: Mapped[Enrolment] = relationship()
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])

    def __repr__(self) -> str:
        return f"<MarkReview {self.id} meeting={self.meeting_id} {self.status} {self.decision}>"

    @property
    def title(self):
        return MARK_TITLES[Mark(self.status)]
