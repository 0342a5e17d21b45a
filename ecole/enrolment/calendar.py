"""iCalendar (RFC 5545) files: one session, or a person's whole timetable as a feed."""
import secrets
from datetime import datetime

from flask import current_app, url_for
from icalendar import Calendar, Event
from sqlalchemy import select

from ecole.accounts.models import User
from ecole.core.models import utcnow
from ecole.core.timezone import school_zone
from ecole.enrolment.models import CalendarFeed, Enrolment
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.extensions import db
from ecole.sessions.models import CourseSession


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//EPDR//Ecole//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return calendar


def _add_session(calendar: Calendar, course_session: CourseSession, lang: str, stamp: datetime) -> None:
    zone = school_zone()
    host = current_app.config["BASE_URL"].split("://", 1)[-1].split("/", 1)[0] or "ecole"
    title = course_session.course.title(lang)
    for meeting in course_session.meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.id}@{host}")
        event.add("dtstamp", stamp)
        # Local times with their zone: calendars show them on Morocco's clock, Ramadan changes included.
        event.add("dtstart", meeting.starts_at.astimezone(zone))
        event.add("dtend", meeting.ends_at.astimezone(zone))
        event.add("summary", f"{title} — {meeting.topic}" if meeting.topic else title)
        event.add("location", meeting.place or ", ".join(p for p in (course_session.venue.label(), course_session.venue.address) if p))
        event.add("url", current_app.config["BASE_URL"].rstrip("/") + url_for("sessions.show", session_id=course_session.id))
        if course_session.status == "cancelled":
            event.add("status", "CANCELLED")
        calendar.add_component(event)


def session_ics(course_session: CourseSession, lang: str) -> bytes:
    calendar = _calendar(course_session.course.title(lang))
    _add_session(calendar, course_session, lang, utcnow())
    calendar.add_missing_timezones()
    return calendar.to_ical()


def feed_ics(user, lang: str) -> bytes:
    calendar = _calendar("École — EPDR")
    stamp = utcnow()
    enrolments = db.session.scalars(select(Enrolment).where(
        Enrolment.user_id == user.id,
        Enrolment.status.in_([S.CONFIRMED.value, S.OFFERED.value, S.COMPLETED.value]))).all()
    sessions = {e.course_session.id: e.course_session for e in enrolments}
    # A trainer's own sessions too, each once even if they are also enrolled in it.
    for course_session in db.session.scalars(select(CourseSession).where(CourseSession.trainers.any(id=user.id))):
        sessions.setdefault(course_session.id, course_session)
    for course_session in sorted(sessions.values(), key=lambda s: (s.starts_at is None, s.starts_at, s.id)):
        _add_session(calendar, course_session, lang, stamp)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def current_token(user) -> str | None:
    """The feed address's token if the person asked for one (a GET shows it, never creates it)."""
    return db.session.scalar(select(CalendarFeed.token).where(CalendarFeed.user_id == user.id))


def feed_token(user, *, renew: bool = False) -> str:
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token=secrets.token_urlsafe(24))
        db.session.add(feed)
    elif renew:
        feed.token, feed.created_at = secrets.token_urlsafe(24), utcnow()
    db.session.flush()
    return feed.token


def user_for_token(token: str):
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token == token))
    return db.session.get(User, feed.user_id) if feed is not None else None
