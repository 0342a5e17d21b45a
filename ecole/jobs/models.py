"""The Job table: one row per unit of background work, the truth the queue only carries messages for."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ecole.core.models import UTCDateTime, utcnow
from ecole.extensions import db

STATES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """A job is claimed by one worker at a time with a conditional UPDATE (queued → running) and
    holds a lease; a worker that dies leaves a running row whose lease expires, and the sweeper
    puts it back in the queue. `key` is the caller's idempotency key: enqueueing the same key
    twice gives the same row, so a unit of work is recorded, and done, once."""

    __tablename__ = "jobs"
    __table_args__ = (CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state_known"),
                      CheckConstraint("progress >= 0 AND progress <= 100", name="progress_percent"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the row was last handed to the queue, and when it may run (retries wait: backoff).
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.key!r} {self.state}>"
