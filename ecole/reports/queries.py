"""Reads the report pages share: the sessions a programme can hold."""
from datetime import date, datetime, time, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ecole.extensions import db
from ecole.reports.models import Programme, programme_sessions
from ecole.sessions.models import CourseSession

CHOICES_LIMIT = 500


def session_choices(programme: Programme | None, starts_on: date | None, ends_on: date | None,
                    lang: str) -> list[tuple[int, str]]:
    """(id, label) of the sessions whose dates touch the period, and those the programme already holds."""
    query = select(CourseSession).options(joinedload(CourseSession.course)).order_by(
        CourseSession.starts_at.desc(), CourseSession.id.desc()).limit(CHOICES_LIMIT)
    touching = []
    if starts_on and ends_on:
        start = datetime.combine(starts_on, time(0), tzinfo=timezone.utc)
        end = datetime.combine(ends_on, time(23, 59), tzinfo=timezone.utc)
        touching.append((CourseSession.starts_at <= end) & (CourseSession.ends_at >= start))
    if programme is not None:
        touching.append(CourseSession.id.in_(select(programme_sessions.c.session_id)
                                             .where(programme_sessions.c.programme_id == programme.id)))
    if touching:
        query = query.where(or_(*touching))
    return [(s.id, _label(s, lang)) for s in db.session.scalars(query).unique()]


def _label(course_session: CourseSession, lang: str) -> str:
    from ecole.i18n import format_date

    when = format_date(course_session.starts_at, "medium") if course_session.starts_at else "—"
    return f"{course_session.course.title(lang)} · {when} · {course_session.venue.commune}"
