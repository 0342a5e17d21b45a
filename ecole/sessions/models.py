"""Sessions, their meetings, venues, trainers and reserved seats."""
import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import Boolean, CheckConstraint, Column, Float, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecole.accounts.models import Audience, User
from ecole.catalogue.models import Course
from ecole.core.models import UTCDateTime, utcnow
from ecole.extensions import db


class SessionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    COMPLETED = "completed"

    @property
    def title(self):
        return SESSION_STATUS_TITLES[self]


# Contexts: "session" is feminine in French and Arabic, a course or an enrolment may not be.
SESSION_STATUS_TITLES = {
    SessionStatus.DRAFT: lazy_pgettext("session", "Brouillon"),
    SessionStatus.PUBLISHED: lazy_pgettext("session", "Publiée"),
    SessionStatus.CANCELLED: lazy_pgettext("session", "Annulée"),
    SessionStatus.COMPLETED: lazy_pgettext("session", "Terminée"),
}


class MeetingKind(enum.StrEnum):
    CLASS = "class"
    VISIT = "visit"


class SessionFormat(enum.StrEnum):
    COURSE = "course"
    STUDY_TRIP = "study_trip"  # a study trip: itinerary, hosts, vehicles, documents, report (ecole/trips/)

    @property
    def title(self):
        return SESSION_FORMAT_TITLES[self]


SESSION_FORMAT_TITLES = {
    SessionFormat.COURSE: _l("Formation"),
    SessionFormat.STUDY_TRIP: _l("Voyage d’étude"),
}


class EnrolmentWindow(enum.Enum):
    OPEN = "open"
    NOT_PUBLISHED = "not_published"
    NOT_YET = "not_yet"
    CLOSED = "closed"
    STARTED = "started"


class QuotaKind(enum.StrEnum):
    WOMEN = "women"
    YOUTH = "youth"
    AUDIENCE = "audience"


YOUTH_MAX_AGE = 30  # the school's programmes count people up to 30 as youth


class Venue(db.Model):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune: Mapped[str] = mapped_column(String(120), index=True)
    place: Mapped[str] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"<Venue {self.id} {self.place}, {self.commune}>"

    def label(self) -> str:
        return f"{self.place}, {self.commune}" if self.place else self.commune


session_trainers = Table(
    "session_trainers", db.metadata,
    Column("session_id", ForeignKey("course_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class CourseSession(db.Model):
    """One run of a course for a group ("session" alone would clash with Flask's and SQLAlchemy's)."""

    __tablename__ = "course_sessions"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=SessionStatus.DRAFT.value, index=True)
    format: Mapped[str] = mapped_column(String(16), default=SessionFormat.COURSE.value,
                                        server_default=SessionFormat.COURSE.value)
    capacity: Mapped[int] = mapped_column(Integer)
    # Confirmed enrolments and open offers: changed only by conditional UPDATEs (see enrolment.seats),
    # so that concurrent requests can never take more seats than there are, on SQLite or PostgreSQL.
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    languages: Mapped[str] = mapped_column(String(20), default="fr")  # "ar,zgh"
    enrolment_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enrolment_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    offer_hours: Mapped[int] = mapped_column(Integer, default=48)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # first meeting, kept in step
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Loaded on use; queries that show many sessions ask for what they need (selectinload).
    course: Mapped[Course] = relationship()
    venue: Mapped[Venue] = relationship(lazy="joined")
    trainers: Mapped[list[User]] = relationship(secondary=session_trainers, order_by=User.name_latin)
    meetings: Mapped[list["Meeting"]] = relationship(
        back_populates="course_session", cascade="all, delete-orphan", order_by="Meeting.starts_at")
    quotas: Mapped[list["SeatQuota"]] = relationship(cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<CourseSession {self.id} {self.course_id} {self.status}>"

    @property
    def language_list(self) -> list[str]:
        return [code for code in (self.languages or "").split(",") if code]

    @property
    def is_trip(self) -> bool:
        return self.format == SessionFormat.STUDY_TRIP

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def status_title(self):
        return SESSION_STATUS_TITLES[SessionStatus(self.status)]

    def is_trainer(self, user) -> bool:
        return user is not None and user.is_authenticated and any(t.id == user.id for t in self.trainers)

    def can_manage(self, user) -> bool:
        """Administrators manage every session; trainers only their own."""
        if user is None or not user.is_authenticated:
            return False
        # Only people with the trainer role can teach: a trainee never costs a query here.
        return user.is_admin or (user.has_role("trainer") and self.is_trainer(user))

    def can_see(self, user) -> bool:
        return self.status != SessionStatus.DRAFT or self.can_manage(user)

    def enrolment_state(self, now: datetime) -> "EnrolmentWindow":
        """Whether people can enrol now, and if not why: the one answer the public page, the publish
        message and the enrolment service all give."""
        if self.status != SessionStatus.PUBLISHED:
            return EnrolmentWindow.NOT_PUBLISHED
        if self.starts_at and now >= self.starts_at:
            return EnrolmentWindow.STARTED
        if self.enrolment_closes_at and now > self.enrolment_closes_at:
            return EnrolmentWindow.CLOSED
        if self.enrolment_opens_at and now < self.enrolment_opens_at:
            return EnrolmentWindow.NOT_YET
        return EnrolmentWindow.OPEN

    def enrolment_open(self, now: datetime) -> bool:
        return self.enrolment_state(now) is EnrolmentWindow.OPEN

    @property
    def is_finished(self) -> bool:
        """Closed by staff: nothing changes any more for its trainees (no enrolling, no cancelling)."""
        return self.status == SessionStatus.COMPLETED

    @property
    def last_meeting_start(self) -> datetime | None:
        return max((m.starts_at for m in self.meetings), default=None)


class Meeting(db.Model):
    """One dated class of a session."""

    __tablename__ = "meetings"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    place: Mapped[str] = mapped_column(String(160), default="")  # when not at the session's venue
    topic: Mapped[str] = mapped_column(String(200), default="")
    # "class", or "visit": a stop of a study trip (completion may ask for the trip to be attended).
    kind: Mapped[str] = mapped_column(String(16), default=MeetingKind.CLASS.value, server_default="class")
    # A meeting the school called off keeps its place in the history but counts for nobody's hours.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    course_session: Mapped[CourseSession] = relationship(back_populates="meetings")

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def __repr__(self) -> str:
        return f"<Meeting {self.id} session={self.session_id} {self.starts_at:%Y-%m-%d %H:%M}>"


class SeatQuota(db.Model):
    """Seats held for women, youth or one audience until they are filled."""

    __tablename__ = "seat_quotas"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    audience: Mapped[str | None] = mapped_column(String(32))
    seats: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<SeatQuota {self.session_id} {self.kind}:{self.audience} {self.seats}>"

    def matches(self, user: User, at: datetime | None) -> bool:
        if self.kind == QuotaKind.WOMEN:
            return user.gender == "f"
        if self.kind == QuotaKind.YOUTH:
            year = (at or utcnow()).year
            return user.audience == Audience.YOUTH or (user.birth_year is not None and year - user.birth_year <= YOUTH_MAX_AGE)
        return user.audience == self.audience
