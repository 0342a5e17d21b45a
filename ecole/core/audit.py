"""The audit log: who did what, when, on what. Every administrative action writes one entry."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecole.core.models import UTCDateTime, utcnow
from ecole.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User", foreign_keys=[actor_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} {self.target_type}:{self.target_id} by {self.actor_id}>"


def record(action: str, target, *, actor, **details) -> AuditEntry:
    """Add an audit entry for `action` on `target` (a model with an id, or a name such as
    "catalogue" for actions on a whole area) in the current transaction."""
    is_name = isinstance(target, str)
    entry = AuditEntry(
        action=action,
        target_type=target if is_name else type(target).__name__,
        target_id="" if is_name else str(target.id),
        actor_id=actor.id if actor is not None else None,
        details=details,
    )
    db.session.add(entry)
    return entry


_EXTENSION = "ecole.audit_titles"


def init_app(app, titles: dict[str, object]) -> None:
    """The translated titles of every audit action ("user.roles": _l("…")), each domain's dict
    written out in create_app."""
    app.extensions[_EXTENSION] = dict(titles)


def action_titles() -> dict[str, object]:
    from flask import current_app

    return current_app.extensions.get(_EXTENSION, {})


def action_title(action: str) -> str:
    return str(action_titles().get(action, action))
