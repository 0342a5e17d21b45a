"""Funded programmes: a funder's programme (code, name in three languages, period, targets per
indicator) to which sessions and study trips belong (a session may belong to several), and the
exports made of its figures (who asked for what, when, and the file)."""
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecole.accounts.models import User
from ecole.core.models import UTCDateTime, utcnow
from ecole.extensions import db
from ecole.sessions.models import CourseSession

programme_sessions = Table(
    "programme_sessions",
    db.metadata,
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True),
    Column("session_id", ForeignKey("course_sessions.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Programme(db.Model):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. "PAFR-2026", as the funder names it
    titles: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"fr": …, "ar": …, "zgh": …}
    funder: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # {indicator code: target}, e.g. {"trained": 300, "women_trained": 150, "person_hours": 4000}
    targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sessions: Mapped[list[CourseSession]] = relationship(secondary=programme_sessions,
                                                         order_by=CourseSession.starts_at)

    def title(self, lang: str) -> str:
        """The name in `lang`, else French, else any, else the code."""
        titles = self.titles or {}
        return next((titles[code] for code in (lang, "fr", "ar", "zgh") if titles.get(code)), self.code)

    def __repr__(self) -> str:
        return f"<Programme {self.code}>"


class ReportExport(db.Model):
    """One export of a report (XLSX or PDF), made by a job: the filters it was made with, whether it
    holds names (audited), and the stored file once done."""

    __tablename__ = "report_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(String(8))  # "xlsx" or "pdf"
    lang: Mapped[str] = mapped_column(String(8), default="fr")
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    with_names: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    job_id: Mapped[int | None] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(300), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User | None] = relationship()
