"""A notice: what happened (kind + parameters), rendered in the recipient's language when shown or sent."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecole.accounts.models import User
from ecole.core.models import UTCDateTime, utcnow
from ecole.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(20), default="")  # "session"…
    subject_id: Mapped[int | None] = mapped_column(Integer, index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # No e-mail address: someone of the school must phone the person.
    needs_call: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} to {self.user_id}>"
