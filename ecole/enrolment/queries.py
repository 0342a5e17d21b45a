"""Reads of enrolments that pages, exports and notices share. Plain functions with explicit
arguments (no `current_user`, no `request`)."""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, lazyload, selectinload

from ecole.accounts.models import User
from ecole.catalogue.models import Course
from ecole.enrolment.models import ACTIVE, Enrolment, EnrolmentEvent, EnrolmentStatus
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.extensions import db
from ecole.sessions.models import CourseSession, Meeting, SessionStatus
from ecole.sessions.queries import taught_by, teaches, with_course

# Who is on the roster printed for a session (the waitlist and open requests are not).
ROSTER_STATUSES = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.OFFERED, EnrolmentStatus.COMPLETED,
                   EnrolmentStatus.NOT_COMPLETED)


def roster_groups(course_session: CourseSession) -> dict[str, list[Enrolment]]:
    """The session's enrolments by status, in the order they came (the waitlist in its order)."""
    rows = db.session.scalars(select(Enrolment).where(Enrolment.session_id == course_session.id)
                              .order_by(Enrolment.waitlisted_at, Enrolment.created_at, Enrolment.id)).all()
    groups: dict[str, list[Enrolment]] = {status.value: [] for status in EnrolmentStatus}
    for row in rows:
        groups[row.status].append(row)
    return groups


def enrolment_of(course_session: CourseSession, user: User) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.session_id == course_session.id,
                                                     Enrolment.user_id == user.id))


def enrolments_of(user: User) -> list[Enrolment]:
    """A person's enrolments, newest first, with their sessions, courses and meetings loaded."""
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id)
        .options(selectinload(Enrolment.course_session).selectinload(CourseSession.course).selectinload(Course.text_rows),
                 selectinload(Enrolment.course_session).selectinload(CourseSession.meetings))
        .order_by(Enrolment.created_at.desc())))


def approval_queue(user: User):
    """Requests waiting for approval: every session's for an administrator, their own sessions'
    for a trainer, in the order they came."""
    query = select(Enrolment).join(CourseSession, CourseSession.id == Enrolment.session_id).where(
        Enrolment.status == EnrolmentStatus.REQUESTED.value, CourseSession.status == SessionStatus.PUBLISHED.value)
    if not user.is_admin:
        query = query.where(CourseSession.id.in_(taught_by(user)))
    return query.order_by(Enrolment.created_at)


def journal(course_session: CourseSession, *, limit: int = 500) -> list[EnrolmentEvent]:
    """The session's enrolment events, newest first."""
    return list(db.session.scalars(
        select(EnrolmentEvent).join(Enrolment, Enrolment.id == EnrolmentEvent.enrolment_id)
        .where(Enrolment.session_id == course_session.id)
        .order_by(EnrolmentEvent.at.desc(), EnrolmentEvent.id.desc()).limit(limit)))


PUBLISHED = SessionStatus.PUBLISHED.value


@dataclass
class Listing:
    """The first rows of a list, and whether there are more than these."""

    rows: list = field(default_factory=list)
    more: bool = False


def _with_session():
    """For queries that join the session themselves: it comes from that join, with its course."""
    return [with_course(contains_eager(Enrolment.course_session)), lazyload(Enrolment.user)]


def next_meeting(user: User, now: datetime) -> Meeting | None:
    """The person's next meeting (or the one under way) in a published session where their seat is confirmed."""
    confirmed = (select(Enrolment.session_id).join(CourseSession, CourseSession.id == Enrolment.session_id)
                 .where(Enrolment.user_id == user.id, Enrolment.status == S.CONFIRMED.value,
                        CourseSession.status == PUBLISHED))
    return db.session.scalar(
        select(Meeting).where(Meeting.session_id.in_(confirmed), Meeting.ends_at >= now)
        .order_by(Meeting.starts_at, Meeting.id).limit(1)
        .options(with_course(joinedload(Meeting.course_session))))


def waiting_offers(user: User, now: datetime, *, limit: int = 5) -> list[Enrolment]:
    """Seats offered to the person that they can still confirm, the deadline nearest first."""
    return list(db.session.scalars(
        select(Enrolment).join(Enrolment.course_session)
        .where(Enrolment.user_id == user.id, Enrolment.status == S.OFFERED.value, CourseSession.status == PUBLISHED,
               or_(Enrolment.offer_expires_at.is_(None), Enrolment.offer_expires_at > now))
        .order_by(Enrolment.offer_expires_at, Enrolment.id).limit(limit).options(*_with_session())))


def current_enrolments(user: User, now: datetime, *, limit: int = 8) -> Listing:
    """The person's live enrolments (as "my training" counts them: active, in a session neither closed
    nor over), the soonest session first, each with its waitlist position (None when not waiting)."""
    ahead = aliased(Enrolment)
    position = (select(func.count(ahead.id)).where(
        ahead.session_id == Enrolment.session_id, ahead.status == S.WAITLISTED.value,
        or_(ahead.waitlisted_at < Enrolment.waitlisted_at,
            and_(ahead.waitlisted_at == Enrolment.waitlisted_at, ahead.id <= Enrolment.id)))
        .scalar_subquery())
    rows = db.session.execute(
        select(Enrolment, case((Enrolment.status == S.WAITLISTED.value, position), else_=None).label("position"))
        .join(Enrolment.course_session)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_([s.value for s in ACTIVE]),
               CourseSession.status != SessionStatus.COMPLETED.value,
               or_(CourseSession.ends_at.is_(None), CourseSession.ends_at >= now))
        .order_by(CourseSession.starts_at.is_(None), CourseSession.starts_at, Enrolment.id)
        .limit(limit + 1).options(*_with_session())).all()
    return Listing(rows=[(row.Enrolment, row.position) for row in rows[:limit]], more=len(rows) > limit)


def enrolled_course_ids(user: User):
    """The courses of the person's live enrolments (a subquery, for queries of lower domains)."""
    return (select(CourseSession.course_id).join(Enrolment, Enrolment.session_id == CourseSession.id)
            .where(Enrolment.user_id == user.id, Enrolment.status.in_([s.value for s in ACTIVE])))


@dataclass
class Requests:
    count: int
    oldest: datetime | None


def approval_requests(*, teacher: User | None = None) -> Requests:
    """Requests waiting for the school's approval (what the approval queue lists): every session's,
    or those of the sessions `teacher` teaches. One statement."""
    query = (select(func.count(Enrolment.id), func.min(Enrolment.created_at))
             .join(CourseSession, CourseSession.id == Enrolment.session_id)
             .where(Enrolment.status == S.REQUESTED.value, CourseSession.status == PUBLISHED))
    if teacher is not None:
        query = query.where(teaches(teacher, Enrolment.session_id))
    count, oldest = db.session.execute(query).one()
    return Requests(count=count or 0, oldest=oldest)


@dataclass
class Crowded:
    """Upcoming sessions with people on their waitlist: how many in all, the soonest first."""

    count: int = 0
    rows: list[tuple[CourseSession, int]] = field(default_factory=list)


def crowded_sessions(now: datetime, *, limit: int = 5) -> Crowded:
    """Published sessions still to begin whose waitlist is not empty (more seats, or another session?),
    the soonest first, each with the length of its waitlist. One statement: the total comes with each
    row; waitlists are counted for the rows shown only."""
    waiting = (select(func.count(Enrolment.id))
               .where(Enrolment.session_id == CourseSession.id, Enrolment.status == S.WAITLISTED.value)
               .scalar_subquery())
    has_waitlist = exists().where(Enrolment.session_id == CourseSession.id, Enrolment.status == S.WAITLISTED.value)
    crowded = (CourseSession.status == PUBLISHED, CourseSession.starts_at > now, has_waitlist)
    # The total as an uncorrelated subquery: computed once (a window count would compute every
    # column, the waitlist counts included, for every crowded session before the LIMIT).
    everywhere = aliased(CourseSession)
    total = (select(func.count(everywhere.id)).where(
        everywhere.status == PUBLISHED, everywhere.starts_at > now,
        exists().where(Enrolment.session_id == everywhere.id, Enrolment.status == S.WAITLISTED.value))
        .scalar_subquery())
    rows = db.session.execute(
        select(CourseSession, waiting.label("waiting"), total.label("total"))
        .where(*crowded)
        .order_by(CourseSession.starts_at, CourseSession.id)
        .limit(limit).options(with_course())).all()
    return Crowded(count=rows[0].total if rows else 0, rows=[(row.CourseSession, row.waiting) for row in rows])


def upcoming_of(user: User, now: datetime):
    """A person's live enrolments (requests, waitlist, offers, seats) in sessions that have not begun."""
    return (select(Enrolment).join(CourseSession, CourseSession.id == Enrolment.session_id)
            .where(Enrolment.user_id == user.id, Enrolment.status.in_([s.value for s in ACTIVE]),
                   CourseSession.status != SessionStatus.COMPLETED.value,
                   CourseSession.starts_at.is_(None) | (CourseSession.starts_at > now)))
