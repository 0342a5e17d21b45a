"""Reads of sessions that pages, notices and exports share. Plain functions with explicit
arguments (no `current_user`, no `request`)."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload, lazyload, selectinload

from ecole.accounts.models import Role, User, UserRole
from ecole.catalogue.models import Course
from ecole.extensions import db
from ecole.sessions.models import CourseSession, Meeting, SessionStatus, session_trainers


def course_session_for_page(course_session_id: int) -> CourseSession | None:
    """A session with what its pages show (trainers, meetings, the course and its texts)."""
    return db.session.get(CourseSession, course_session_id, options=[
        selectinload(CourseSession.trainers), selectinload(CourseSession.meetings),
        selectinload(CourseSession.course).selectinload(Course.text_rows)])


def visible_session(course_session_id: int, user, *, for_page: bool = True) -> CourseSession | None:
    """The session if `user` may see it (drafts only by its staff), loaded for its pages (or alone)."""
    course_session = (course_session_for_page(course_session_id) if for_page
                      else db.session.get(CourseSession, course_session_id))
    return course_session if course_session is not None and course_session.can_see(user) else None


def taught_by(user: User):
    """A select of the ids of the sessions `user` teaches (empty for anyone who teaches none)."""
    return select(session_trainers.c.session_id).where(session_trainers.c.user_id == user.id)


def staff_sessions(user: User, *, past: bool, now: datetime):
    """The sessions a staff member works on (every one for an administrator), to come or past."""
    query = select(CourseSession).options(selectinload(CourseSession.course).selectinload(Course.text_rows))
    if not user.is_admin:  # (trainers are checked by a subquery, not loaded)
        query = query.where(CourseSession.id.in_(taught_by(user)))
    if past:
        return query.where(CourseSession.ends_at < now).order_by(CourseSession.starts_at.desc())
    return query.where((CourseSession.ends_at.is_(None)) | (CourseSession.ends_at >= now)).order_by(
        CourseSession.starts_at.is_(None), CourseSession.starts_at)


def upcoming_for_course(course: Course, now: datetime) -> list[CourseSession]:
    """The published sessions of a course that have not begun (what the course page lists)."""
    return list(db.session.scalars(select(CourseSession).where(
        CourseSession.course_id == course.id, CourseSession.status == SessionStatus.PUBLISHED.value,
        (CourseSession.starts_at.is_(None)) | (CourseSession.starts_at > now)).order_by(CourseSession.starts_at)))


def courses_with_upcoming_sessions(now: datetime):
    """A select of the ids of the courses with a published session to come (the catalogue's filter)."""
    return select(CourseSession.course_id).where(CourseSession.status == SessionStatus.PUBLISHED.value,
                                                 CourseSession.starts_at > now)


def session_context(ids: set[int], lang: str) -> dict[int, dict]:
    """What a notice about a session shows: the course title, when and where, in `lang`."""
    from ecole.i18n import format_when

    rows = db.session.scalars(select(CourseSession).where(CourseSession.id.in_(ids))).all()
    return {s.id: {"course": s.course.title(lang), "place": s.venue.label(), "when": format_when(s.starts_at)}
            for s in rows}


PUBLISHED = SessionStatus.PUBLISHED.value


DRAFT = SessionStatus.DRAFT.value


FIRST_DATES = (CourseSession.starts_at.is_(None), CourseSession.starts_at, CourseSession.id)


def with_course(load=None):
    """Loader option for a session's course, in the same statement, without its texts, audiences,
    languages or theme. A page that shows several lists gives all their courses to
    `catalogue.queries.load_titles` at once: one statement for every title of the page."""
    course = load.joinedload(CourseSession.course) if load is not None else joinedload(CourseSession.course)
    return course.options(lazyload(Course.text_rows), lazyload(Course.audience_rows),
                          lazyload(Course.language_rows), lazyload(Course.theme))


def teaches(user: User, session_id):
    """`user` teaches the session whose id is `session_id` (a column): for queries that start from a
    few rows (requests, calls) and check each one's session, whatever the number of sessions taught."""
    return exists().where(session_trainers.c.session_id == session_id, session_trainers.c.user_id == user.id)


def next_meetings_taught(user: User, now: datetime, *, limit: int = 5) -> list[Meeting]:
    """The next meetings (the one under way included) of the published sessions `user` teaches."""
    return list(db.session.scalars(
        select(Meeting).where(Meeting.session_id.in_(select(CourseSession.id).where(
            # Sessions not over yet: the meetings of years of past sessions are not read.
            CourseSession.id.in_(taught_by(user)), CourseSession.status == PUBLISHED, CourseSession.ends_at >= now)),
            Meeting.ends_at >= now)
        .order_by(Meeting.starts_at, Meeting.id).limit(limit)
        .options(with_course(joinedload(Meeting.course_session)))))


def starting_soon(user: User, now: datetime, *, days: int = 7, limit: int = 5) -> list[CourseSession]:
    """Published sessions `user` teaches whose first meeting is within `days`: their rosters are due."""
    return list(db.session.scalars(
        select(CourseSession).where(CourseSession.id.in_(taught_by(user)), CourseSession.status == PUBLISHED,
                                    CourseSession.starts_at >= now, CourseSession.starts_at < now + timedelta(days=days))
        .order_by(CourseSession.starts_at, CourseSession.id).limit(limit).options(with_course())))


@dataclass
class Pending:
    """How many sessions wait for one kind of decision, and the first few of them."""

    count: int = 0
    sessions: list[CourseSession] = field(default_factory=list)


_KINDS = ("to_close", "no_trainer", "drafts")


def _decision_kinds(now: datetime) -> dict:
    not_over = or_(CourseSession.ends_at.is_(None), CourseSession.ends_at > now)
    teachers = (select(session_trainers.c.session_id)
                .join(User, User.id == session_trainers.c.user_id)
                .where(session_trainers.c.session_id == CourseSession.id, User.active.is_(True),
                       exists().where(UserRole.user_id == User.id,
                                      UserRole.role.in_([Role.TRAINER.value, Role.ADMIN.value]))))
    return {
        # Every meeting is over and the session is still open: results and closing are due.
        "to_close": and_(CourseSession.status == PUBLISHED, CourseSession.ends_at <= now),
        # Nobody able to teach it any more (a role taken back, an account deactivated).
        "no_trainer": and_(CourseSession.status.in_([DRAFT, PUBLISHED]), not_over, ~teachers.exists()),
        # Prepared but not published, and not yet past.
        "drafts": and_(CourseSession.status == DRAFT,
                       or_(CourseSession.starts_at.is_(None), CourseSession.starts_at > now)),
    }


def sessions_to_decide(now: datetime, *, teacher: User | None = None, limit: int = 5) -> dict[str, Pending]:
    """Sessions that wait for someone's decision: {"to_close", "no_trainer", "drafts"} → Pending.
    Every session for administrators; those `teacher` teaches otherwise (who has, then, no session
    without a trainer). Two statements: the
    counts, then the first `limit` of each kind with their courses."""
    kinds = _decision_kinds(now)
    if teacher is not None:
        del kinds["no_trainer"]  # they teach it
    scope = [CourseSession.id.in_(taught_by(teacher))] if teacher is not None else []
    counts = db.session.execute(select(*[func.count(CourseSession.id).filter(condition).label(kind)
                                         for kind, condition in kinds.items()]).where(*scope)).one()
    result = {kind: Pending() for kind in _KINDS}
    result.update({kind: Pending(count=getattr(counts, kind)) for kind in kinds})
    if not any(p.count for p in result.values()):
        return result
    firsts = [select(CourseSession.id, CourseSession.starts_at).where(*scope, condition)
              .order_by(*FIRST_DATES).limit(limit).subquery()
              for condition in kinds.values()]
    chosen = union_all(*[select(literal(kind).label("kind"), first.c.id).select_from(first)
                         for kind, first in zip(kinds, firsts)]).subquery()
    rows = db.session.execute(
        select(CourseSession, chosen.c.kind).join(chosen, chosen.c.id == CourseSession.id)
        .order_by(*FIRST_DATES).options(with_course())).all()
    for course_session, kind in rows:
        result[kind].sessions.append(course_session)
    return result


def meeting_for_page(meeting_id: int, *, for_page: bool = True) -> Meeting | None:
    """A meeting with its session, course and trainers (what a meeting's pages show); `for_page=False`:
    without the course (its texts, audiences and languages), for a form that shows nothing."""
    session_options = [selectinload(CourseSession.trainers)]
    if for_page:
        session_options.append(joinedload(CourseSession.course))
    return db.session.scalar(select(Meeting).where(Meeting.id == meeting_id).options(
        joinedload(Meeting.course_session).options(*session_options)))
