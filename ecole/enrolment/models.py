"""Enrolments, their guarded states and their event log."""
import enum
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecole.accounts.models import User
from ecole.core.models import UTCDateTime, utcnow
from ecole.extensions import db
from ecole.sessions.models import CourseSession, EnrolmentWindow


class EnrolmentStatus(enum.StrEnum):
    REQUESTED = "requested"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"

    @property
    def title(self):
        return STATUS_TITLES[self]


S = EnrolmentStatus
STATUS_TITLES = {
    S.REQUESTED: _l("Demande en attente d’accord"),
    S.WAITLISTED: _l("Sur liste d’attente"),
    S.OFFERED: _l("Place proposée"),
    S.CONFIRMED: _l("Inscription confirmée"),
    S.CANCELLED: lazy_pgettext("enrolment", "Annulée"),
    S.COMPLETED: _l("Formation suivie"),
    S.NOT_COMPLETED: _l("Formation non achevée"),
}

# The only moves the state machine allows; everything else is refused.
TRANSITIONS: dict[EnrolmentStatus, frozenset[EnrolmentStatus]] = {
    S.REQUESTED: frozenset({S.CONFIRMED, S.WAITLISTED, S.CANCELLED}),
    S.WAITLISTED: frozenset({S.OFFERED, S.CONFIRMED, S.CANCELLED}),
    S.OFFERED: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.CANCELLED, S.COMPLETED, S.NOT_COMPLETED}),
    S.CANCELLED: frozenset({S.REQUESTED}),
    S.COMPLETED: frozenset({S.NOT_COMPLETED}),
    S.NOT_COMPLETED: frozenset({S.COMPLETED}),
}
UNDO_WINDOW = timedelta(minutes=10)  # long enough to notice a mis-tap, short enough not to hold a seat hostage
HOLDS_SEAT = frozenset({S.OFFERED, S.CONFIRMED, S.COMPLETED, S.NOT_COMPLETED})
ACTIVE = frozenset({S.REQUESTED, S.WAITLISTED, S.OFFERED, S.CONFIRMED})


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),  # one enrolment per person and session, even under races
        Index("ix_enrolments_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    course_session: Mapped[CourseSession] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<Enrolment {self.id} session={self.session_id} user={self.user_id} {self.status}>"

    @property
    def status_title(self):
        return STATUS_TITLES[EnrolmentStatus(self.status)]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def can_see(self, user) -> bool:
        return user is not None and user.is_authenticated and (user.id == self.user_id or self.course_session.can_manage(user))

    def can_cancel(self, user, now: datetime) -> bool:
        """The trainee before the start; staff of the session at any time."""
        if not self.is_active or user is None or not user.is_authenticated or self.course_session.is_finished:
            return False
        if self.course_session.can_manage(user):
            return True
        return user.id == self.user_id and not (self.course_session.starts_at and now >= self.course_session.starts_at)


    @property
    def shown_status_title(self):
        """What the trainee is told: a session closed by staff is over, whatever the seat it held."""
        if self.course_session.is_finished and self.is_active:
            return _l("Session terminée")
        return self.status_title

    def can_restore(self, user, now: datetime) -> bool:
        """The trainee who cancelled their own enrolment a few minutes ago (a mis-tap on a phone) may
        take it back while the session has not begun. Staff cancellations carry a reason, expired
        offers too: an empty reason means the person cancelled it themselves."""
        return (user is not None and user.is_authenticated and user.id == self.user_id
                and self.status == S.CANCELLED and not self.cancel_reason
                and now - self.updated_at <= UNDO_WINDOW
                and self.course_session.enrolment_state(now) not in (EnrolmentWindow.NOT_PUBLISHED, EnrolmentWindow.STARTED))


class EnrolmentEvent(db.Model):
    """Every transition: who moved which enrolment from what to what, when and why."""

    __tablename__ = "enrolment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship(lazy="joined")
    enrolment: Mapped[Enrolment] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<EnrolmentEvent {self.enrolment_id} {self.from_status}→{self.to_status}>"


class CalendarFeed(db.Model):
    """A person's secret calendar address; a new token revokes the old one."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<CalendarFeed user={self.user_id}>"
