"""Rosters of a session for its staff: on screen, as a spreadsheet (CSV) and printed (PDF)."""
from flask import Blueprint, render_template
from flask_babel import gettext as _

from ecole.accounts.models import AUDIENCE_TITLES, GENDER_TITLES, Audience, Gender
from ecole.core.access import staff_required
from ecole.core.cache import cached_page
from ecole.core.pages import download, pdf_response
from ecole.core.spreadsheets import csv_text
from ecole.enrolment import queries
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.enrolment.queries import ROSTER_STATUSES
from ecole.i18n import current_language
from ecole.sessions.pages import managed_session

rosters = Blueprint("rosters", __name__, url_prefix="/sessions")



@rosters.route("/<int:session_id>/roster")
@staff_required
@cached_page
def roster(session_id: int):
    course_session = managed_session(session_id)
    return render_template("sessions/roster.html", course_session=course_session, groups=queries.roster_groups(course_session))


@rosters.route("/<int:session_id>/roster.csv")
@staff_required
def roster_csv(session_id: int):
    course_session = managed_session(session_id)
    groups = queries.roster_groups(course_session)
    rows = [[_("Nom"), _("Nom en caractères arabes"), _("Téléphone"), _("E-mail"), _("Commune"),
             _("Public"), _("Genre"), _("Année de naissance"), _("État")]]
    for status in (*ROSTER_STATUSES, S.WAITLISTED, S.REQUESTED):
        for enrolment in groups[status.value]:
            person = enrolment.user
            rows.append([person.name_latin, person.name_arabic, person.phone or "", person.email or "", person.commune,
                         _title(AUDIENCE_TITLES, Audience, person.audience), _title(GENDER_TITLES, Gender, person.gender),
                         person.birth_year or "", enrolment.status_title])
    return download(csv_text(rows), "text/csv; charset=utf-8", f"roster-{course_session.id}.csv")


def _title(titles: dict, kind, code: str | None) -> str:
    """A stored code as the staff member reads it (an unknown old code is shown as it is)."""
    if not code:
        return ""
    return str(titles[kind(code)]) if code in {member.value for member in kind} else code


@rosters.route("/<int:session_id>/roster.pdf")
@staff_required
def roster_pdf(session_id: int):
    from ecole.core.pdf import render_pdf

    course_session = managed_session(session_id)
    groups = queries.roster_groups(course_session)
    people = [e for status in ROSTER_STATUSES for e in groups[status.value]]
    html = render_template("pdf/roster.html", course_session=course_session, enrolments=people, lang=current_language())
    return pdf_response(render_pdf(html), f"roster-{course_session.id}")
