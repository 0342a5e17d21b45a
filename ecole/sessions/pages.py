"""What the pages of several domains do first: find the session (or meeting) the reader asks for,
404 when they may not know it exists, 403 when they may see it but not manage it. Page layer: it
reads `current_user`; the rules themselves are CourseSession.can_see and can_manage."""
from flask_login import current_user

from ecole.core.pages import allowed, found
from ecole.sessions import queries
from ecole.sessions.models import CourseSession, Meeting


def session_or_404(session_id: int, *, for_page: bool = True) -> CourseSession:
    """`for_page=False`: the session's row alone, for a form that changes it and shows nothing."""
    return found(queries.visible_session(session_id, current_user, for_page=for_page))


def managed_session(session_id: int, *, for_page: bool = True) -> CourseSession:
    return allowed(session_or_404(session_id, for_page=for_page), CourseSession.can_manage)


def managed_meeting(meeting_id: int, *, for_page: bool = True) -> Meeting:
    """A meeting of a session the reader manages, with its session, course and trainers loaded
    (`for_page=False`: without the course)."""
    meeting = found(queries.meeting_for_page(meeting_id, for_page=for_page))
    managed_session(meeting.session_id, for_page=for_page)
    return meeting
