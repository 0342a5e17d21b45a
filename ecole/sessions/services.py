"""Session operations: create and edit, meetings with double-booking checks, publish, complete."""
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ecole.accounts.models import User
from ecole.catalogue.models import LOCALES, Course, CourseFormat
from ecole.core.audit import record
from ecole.core.models import utcnow
from ecole.core.timezone import school_zone
from ecole.core.transactions import lock_row
from ecole.extensions import db
from ecole.sessions.models import (
    CourseSession,
    Meeting,
    MeetingKind,
    QuotaKind,
    SeatQuota,
    SessionFormat,
    SessionStatus,
    Venue,
    session_trainers,
)

# Titles of this domain's audit actions (create_app gives them to core/audit.py).
ACTION_TITLES = {
    "session.create": _l("Création d’une session"),
    "session.update": _l("Modification d’une session"),
    "session.publish": _l("Publication d’une session"),
    "session.complete": _l("Clôture d’une session"),
    "meeting.add": _l("Ajout d’une séance"),
    "meeting.delete": _l("Suppression d’une séance"),
    "meeting.cancel": _l("Annulation d’une séance"),
}


class SessionError(ValueError):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(message for _field, message in problems))
        self.problems = problems


class Conflict(SessionError):
    """The meeting overlaps another of the same trainer or at the same venue."""

    def __init__(self, meetings: list[Meeting]):
        super().__init__([("starts_at", _("Une autre séance occupe déjà ce formateur ou ce lieu à cette heure."))])
        self.meetings = meetings


@dataclass
class SessionData:
    course_id: int
    trainer_ids: list[int]
    commune: str
    place: str
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    languages: list[str] = field(default_factory=list)
    capacity: int = 20
    enrolment_opens_at: datetime | None = None
    enrolment_closes_at: datetime | None = None
    requires_approval: bool = False
    offer_hours: int = 48
    notes: str = ""
    women_seats: int = 0
    youth_seats: int = 0
    audience_quota: str = ""
    audience_seats: int = 0
    format: str = ""  # "course" or "study_trip"; empty: a study trip when the course is one


def _format(data: SessionData) -> str:
    if data.format in set(SessionFormat):
        return data.format
    course = db.session.get(Course, data.course_id)
    study_trip = course is not None and course.format == CourseFormat.STUDY_TRIP
    return (SessionFormat.STUDY_TRIP if study_trip else SessionFormat.COURSE).value


def to_utc(day: date, at: time) -> datetime:
    """A date and time on Morocco's clock (tzdata knows its Ramadan changes) as an aware UTC datetime."""
    from datetime import timezone

    return datetime.combine(day, at, tzinfo=school_zone()).astimezone(timezone.utc)


def _check(data: SessionData, course_session: CourseSession | None) -> list[tuple[str, str]]:
    problems = []
    if db.session.get(Course, data.course_id) is None:
        problems.append(("course_id", _("Formation inconnue.")))
    trainers = db.session.scalars(select(User).where(User.id.in_(data.trainer_ids or [-1]))).all()
    if not trainers or any(not t.may_teach for t in trainers):
        problems.append(("trainer_ids", _("Choisissez au moins un formateur.")))
    if not data.commune.strip():
        problems.append(("commune", _("Ce champ est obligatoire.")))
    if not data.languages or any(code not in LOCALES for code in data.languages):
        problems.append(("languages", _("Langues d’enseignement invalides.")))
    if not 1 <= data.capacity <= 1000:
        problems.append(("capacity", _("La capacité doit être entre 1 et 1000 places.")))
    elif course_session is not None and data.capacity < course_session.seats_taken:
        problems.append(("capacity", _("%(taken)d places sont déjà prises : la capacité ne peut pas être plus petite.",
                                       taken=course_session.seats_taken)))
    if data.enrolment_opens_at and data.enrolment_closes_at and data.enrolment_closes_at <= data.enrolment_opens_at:
        problems.append(("enrolment_closes_at", _("La clôture des inscriptions doit suivre leur ouverture.")))
    if not 1 <= data.offer_hours <= 24 * 14:
        problems.append(("offer_hours", _("Le délai doit être entre 1 heure et 14 jours.")))
    if data.women_seats + data.youth_seats + data.audience_seats > data.capacity:
        problems.append(("women_seats", _("Les places réservées dépassent la capacité.")))
    if data.latitude is not None and not -90 <= data.latitude <= 90 or \
            data.longitude is not None and not -180 <= data.longitude <= 180:
        problems.append(("latitude", _("Coordonnées invalides.")))
    return problems + _past_window(data, course_session)


def _past_window(data: SessionData, course_session: CourseSession | None) -> list[tuple[str, str]]:
    """A closing date already past would publish a session nobody can enrol in. An edited session
    keeps the closing date it had (editing its notes after the window closed must stay possible)."""
    closes_at = data.enrolment_closes_at
    if closes_at is None or closes_at >= utcnow() or (course_session is not None and closes_at == course_session.enrolment_closes_at):
        return []
    return [("enrolment_closes_at", _("La clôture des inscriptions ne peut pas être dans le passé."))]


def course_languages(course: Course | None) -> list[str]:
    """The languages a course is taught in, those the school's interface knows: a new session's default."""
    return [code for code in (course.instruction_languages if course else []) if code in LOCALES]


def _venue(data: SessionData) -> Venue:
    venue = db.session.scalar(select(Venue).where(Venue.commune == data.commune.strip(), Venue.place == data.place.strip()))
    if venue is None:
        venue = Venue(commune=data.commune.strip(), place=data.place.strip())
        db.session.add(venue)
    venue.address = data.address.strip()
    venue.latitude, venue.longitude = data.latitude, data.longitude
    return venue


def save_session(course_session: CourseSession | None, data: SessionData, *, actor: User) -> CourseSession:
    if not actor.is_admin and actor.id not in data.trainer_ids:
        data.trainer_ids = [*data.trainer_ids, actor.id]  # a trainer schedules their own sessions
    if course_session is not None:
        lock_row(course_session)  # enrolment's lock: the seats taken cannot change while capacity is checked
    if not data.languages:
        data.languages = course_languages(db.session.get(Course, data.course_id))
    problems = _check(data, course_session)
    if problems:
        raise SessionError(problems)
    created = course_session is None
    with db.session.no_autoflush:
        session_format = _format(data)
        venue = _venue(data)
        trainers = list(db.session.scalars(select(User).where(User.id.in_(data.trainer_ids))))
    if created:
        course_session = CourseSession(status=SessionStatus.DRAFT.value, seats_taken=0, created_by_id=actor.id)
        db.session.add(course_session)
    course_session.course_id = data.course_id
    course_session.format = session_format
    if course_session.is_trip:
        course_session.requires_approval = data.requires_approval = True  # a trip's participants are selected
    course_session.venue = venue
    course_session.trainers = trainers
    course_session.languages = ",".join(code for code in LOCALES if code in data.languages)
    course_session.capacity = data.capacity
    course_session.enrolment_opens_at, course_session.enrolment_closes_at = data.enrolment_opens_at, data.enrolment_closes_at
    course_session.requires_approval, course_session.offer_hours = data.requires_approval, data.offer_hours
    course_session.notes = data.notes.strip()
    quotas = []
    if data.women_seats:
        quotas.append(SeatQuota(kind=QuotaKind.WOMEN.value, seats=data.women_seats))
    if data.youth_seats:
        quotas.append(SeatQuota(kind=QuotaKind.YOUTH.value, seats=data.youth_seats))
    if data.audience_seats and data.audience_quota:
        quotas.append(SeatQuota(kind=QuotaKind.AUDIENCE.value, audience=data.audience_quota, seats=data.audience_seats))
    course_session.quotas = quotas
    db.session.flush()
    record("session.create" if created else "session.update", course_session, actor=actor)
    return course_session


def conflicts(course_session: CourseSession, starts_at: datetime, ends_at: datetime, *, ignore: int | None = None) -> list[Meeting]:
    """Meetings of other live sessions that overlap, sharing a trainer or the venue."""
    trainer_ids = [t.id for t in course_session.trainers]
    sharing = select(CourseSession.id).where(
        CourseSession.status != SessionStatus.CANCELLED.value,
        (CourseSession.venue_id == course_session.venue_id)
        | CourseSession.id.in_(select(session_trainers.c.session_id).where(session_trainers.c.user_id.in_(trainer_ids or [-1]))))
    query = select(Meeting).where(Meeting.session_id.in_(sharing), Meeting.cancelled_at.is_(None),
                                  Meeting.starts_at < ends_at, Meeting.ends_at > starts_at)
    if ignore is not None:
        query = query.where(Meeting.id != ignore)
    return list(db.session.scalars(query.order_by(Meeting.starts_at)))


def add_meeting(course_session: CourseSession, starts_at: datetime, ends_at: datetime, *, place: str = "", topic: str = "",
                actor: User, force: bool = False, now: datetime | None = None, kind: str = MeetingKind.CLASS) -> Meeting:
    if starts_at < (now or utcnow()):
        raise SessionError([("day", _("Une séance ne peut pas être programmée dans le passé."))])
    if ends_at <= starts_at:
        raise SessionError([("ends_at", _("La fin doit suivre le début."))])
    lock_row(course_session)  # its dates decide whether enrolment is open: enrolment's lock
    found = conflicts(course_session, starts_at, ends_at)
    if found and not force:
        raise Conflict(found)
    meeting = Meeting(session_id=course_session.id, starts_at=starts_at, ends_at=ends_at, place=place.strip(),
                      topic=topic.strip(), kind=MeetingKind(kind).value)
    db.session.add(meeting)
    db.session.flush()
    db.session.refresh(course_session)
    sync_dates(course_session)
    record("meeting.add", course_session, actor=actor, starts_at=starts_at.isoformat(), forced=bool(found))
    return meeting


def delete_meeting(course_session: CourseSession, meeting: Meeting, *, actor: User) -> None:
    lock_row(course_session)
    starts_at = meeting.starts_at
    db.session.delete(meeting)
    db.session.flush()
    db.session.refresh(course_session)
    sync_dates(course_session)
    record("meeting.delete", course_session, actor=actor, starts_at=starts_at.isoformat())


def cancel_meeting(course_session: CourseSession, meeting: Meeting, reason: str, *, actor: User) -> Meeting:
    """Call a meeting off: it stays in the timetable and the history, and counts for nobody's hours."""
    lock_row(course_session)
    reason = (reason or "").strip()
    if not reason:
        raise SessionError([("reason", _("Donnez une raison : elle sera transmise à la personne."))])
    if meeting.cancelled_at is not None:
        raise SessionError([("reason", _("Cette séance est déjà annulée."))])
    meeting.cancelled_at, meeting.cancel_reason = utcnow(), reason
    record("meeting.cancel", course_session, actor=actor, meeting=meeting.id, reason=reason)
    db.session.flush()
    return meeting


def sync_dates(course_session: CourseSession) -> None:
    """The session's first and last moments, kept in step with its meetings (enrolment reads them)."""
    course_session.starts_at = min((m.starts_at for m in course_session.meetings), default=None)
    course_session.ends_at = max((m.ends_at for m in course_session.meetings), default=None)
    db.session.flush()


def publish(course_session: CourseSession, *, actor: User) -> CourseSession:
    lock_row(course_session)
    if course_session.status != SessionStatus.DRAFT:
        raise SessionError([("status", _("Seule une session en brouillon peut être publiée."))])
    if not course_session.meetings:
        raise SessionError([("status", _("Ajoutez au moins une séance avant de publier."))])
    course_session.status = SessionStatus.PUBLISHED.value
    record("session.publish", course_session, actor=actor)
    db.session.flush()
    return course_session


def check_can_complete(course_session: CourseSession, *, now: datetime | None = None) -> None:
    """Closing ends the session for good (no enrolling, no cancelling): only once its last meeting has begun."""
    from ecole.i18n import format_datetime

    last = course_session.last_meeting_start
    if last is None:
        raise SessionError([("status", _("Une session sans séance ne peut pas être clôturée."))])
    if last > (now or utcnow()):
        raise SessionError([("status", _("La session ne peut être clôturée qu’après le début de sa dernière séance "
                                         "(%(when)s).", when=format_datetime(last, "short")))])


def complete(course_session: CourseSession, *, actor: User, now: datetime | None = None) -> CourseSession:
    lock_row(course_session)
    if course_session.status != SessionStatus.PUBLISHED:
        raise SessionError([("status", _("Seule une session publiée peut être clôturée."))])
    check_can_complete(course_session, now=now)
    course_session.status = SessionStatus.COMPLETED.value
    record("session.complete", course_session, actor=actor)
    db.session.flush()
    return course_session
