"""`flask ecole sign-in-sheet`: print a meeting's or a session's sign-in sheet to a PDF file."""
from pathlib import Path

import click
from flask_babel import gettext as _

from ecole.core.cli import fail
from ecole.extensions import db


@click.command("sign-in-sheet")
@click.option("--meeting", "meeting_id", type=int, help="The sheet of one meeting.")
@click.option("--session", "session_id", type=int, help="The sheet of a whole session (a column per meeting).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The PDF file to write.")
def sign_in_sheet_command(meeting_id: int | None, session_id: int | None, output: Path):
    """Write a sign-in sheet (PDF) for a meeting or for a session."""
    from ecole.attendance import sheets
    from ecole.sessions.models import CourseSession, Meeting

    if (meeting_id is None) == (session_id is None):
        fail(_("Indiquez soit %(meeting)s, soit %(session)s.", meeting="--meeting", session="--session"))
    if meeting_id is not None:
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None:
            fail(_("Séance %(id)s introuvable.", id=meeting_id))
        pdf = sheets.meeting_sheet_pdf(meeting)
    else:
        course_session = db.session.get(CourseSession, session_id)
        if course_session is None:
            fail(_("Session %(id)s introuvable.", id=session_id))
        pdf = sheets.session_sheet_pdf(course_session)
    try:
        output.write_bytes(pdf)
    except OSError as error:
        fail(f"{output}: {error.strerror}")
    click.echo(_("Feuille d’émargement écrite : %(path)s", path=str(output)))
