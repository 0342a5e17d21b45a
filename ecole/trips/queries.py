"""Reads that the trip pages, the road book and the report share."""
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ecole.accounts.models import AUDIENCE_TITLES, Audience, User
from ecole.enrolment.models import Enrolment, EnrolmentStatus
from ecole.extensions import db
from ecole.sessions.models import CourseSession, QuotaKind, SeatQuota, SessionFormat, SessionStatus
from ecole.trips.models import ReportEntry, ReportPhoto, Trip, TripApplication, TripStop
from ecole.trips.services import HOLDS_SEAT, consenting_ids, documents_of, is_complete, needed_documents, publishable

S = EnrolmentStatus


@dataclass
class Applicant:
    enrolment: Enrolment
    application: TripApplication | None
    missing: list = field(default_factory=list)

    @property
    def person(self) -> User:
        return self.enrolment.user


def applicants(trip: Trip) -> list[Applicant]:
    """Everyone who applied (cancelled ones last), with motivation and missing documents."""
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.session_id == trip.session_id)
                                    .order_by(Enrolment.created_at, Enrolment.id)).all()
    applications = {a.enrolment_id: a for a in db.session.scalars(
        select(TripApplication).where(TripApplication.enrolment_id.in_([e.id for e in enrolments] or [-1])))}
    order = {S.REQUESTED: 0, S.CONFIRMED: 1, S.OFFERED: 2, S.WAITLISTED: 3, S.COMPLETED: 4, S.NOT_COMPLETED: 5,
             S.CANCELLED: 6}
    rows = []
    for enrolment in sorted(enrolments, key=lambda e: (order[S(e.status)], e.created_at, e.id)):
        documents = documents_of(enrolment)
        missing = [kind for kind in needed_documents(trip, enrolment.user) if not is_complete(kind, documents.get(kind))]
        rows.append(Applicant(enrolment, applications.get(enrolment.id), missing))
    return rows


@dataclass
class QuotaFill:
    title: str
    seats: int
    filled: int


@dataclass
class Selection:
    capacity: int
    taken: int
    women: int
    youth: int
    quotas: list[QuotaFill]
    by_commune: list[tuple[str, int]]
    by_organisation: list[tuple[str, int]]


def selection(trip: Trip) -> Selection:
    """How the seats fill as the administrator selects: quotas, women, youth, communes, organisations."""
    course_session = trip.course_session
    holders = [e.user for e in db.session.scalars(select(Enrolment).where(
        Enrolment.session_id == trip.session_id, Enrolment.status.in_([s.value for s in HOLDS_SEAT])))]
    at = course_session.starts_at
    youth_rule = SeatQuota(kind=QuotaKind.YOUTH.value, seats=0)
    quotas = [QuotaFill(str(_quota_title(q)), q.seats, sum(1 for h in holders if q.matches(h, at)))
              for q in course_session.quotas]
    communes = Counter(h.commune or "—" for h in holders)
    organisations = Counter(h.organisation or "—" for h in holders)
    return Selection(
        capacity=course_session.capacity, taken=course_session.seats_taken,
        women=sum(1 for h in holders if h.gender == "f"), youth=sum(1 for h in holders if youth_rule.matches(h, at)),
        quotas=quotas, by_commune=sorted(communes.items(), key=lambda kv: (-kv[1], kv[0])),
        by_organisation=sorted(organisations.items(), key=lambda kv: (-kv[1], kv[0])))


def _quota_title(quota):
    if quota.kind == QuotaKind.WOMEN:
        return _("Places réservées aux femmes")
    if quota.kind == QuotaKind.YOUTH:
        return _("Places réservées aux jeunes")
    return AUDIENCE_TITLES.get(Audience(quota.audience), quota.audience) if quota.audience in set(Audience) else quota.audience


def participants(trip: Trip) -> list[tuple[Enrolment, TripApplication | None]]:
    """Confirmed participants (seat holders), by name, with their vehicle."""
    enrolments = db.session.scalars(select(Enrolment).join(User, User.id == Enrolment.user_id).where(
        Enrolment.session_id == trip.session_id, Enrolment.status.in_([s.value for s in HOLDS_SEAT]),
        Enrolment.status != S.OFFERED.value).order_by(User.name_latin)).all()
    applications = {a.enrolment_id: a for a in db.session.scalars(
        select(TripApplication).where(TripApplication.enrolment_id.in_([e.id for e in enrolments] or [-1])))}
    return [(e, applications.get(e.id)) for e in enrolments]


@dataclass
class StopReport:
    stop: TripStop
    entries: list[ReportEntry]
    photos: list[ReportPhoto]


def report(trip: Trip, *, published_only: bool) -> list[StopReport]:
    """Each stop with what people wrote and its photos (published: only photos whose people all consented)."""
    entries = db.session.scalars(select(ReportEntry).join(TripStop).where(TripStop.session_id == trip.session_id)
                                 .order_by(ReportEntry.updated_at, ReportEntry.id)).all()
    photos = db.session.scalars(select(ReportPhoto).join(TripStop).where(TripStop.session_id == trip.session_id)
                                .options(selectinload(ReportPhoto.people)).order_by(ReportPhoto.id)).all()
    if published_only:
        consenting = consenting_ids(trip)
        photos = [photo for photo in photos if publishable(photo, consenting)]
    return [StopReport(stop, [e for e in entries if e.stop_id == stop.id], [p for p in photos if p.stop_id == stop.id])
            for stop in trip.stops]


def published_trips(*, course_id: int | None = None, limit: int = 5) -> list[Trip]:
    """Trips whose report is published, newest first (the home page, a course page)."""
    query = (select(Trip).join(CourseSession, CourseSession.id == Trip.session_id)
             .where(Trip.report_published_at.is_not(None), CourseSession.format == SessionFormat.STUDY_TRIP.value,
                    CourseSession.status != SessionStatus.DRAFT.value)
             .order_by(Trip.report_published_at.desc()).limit(limit))
    if course_id is not None:
        query = query.where(CourseSession.course_id == course_id)
    return list(db.session.scalars(query))
