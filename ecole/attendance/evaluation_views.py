"""Assessment and questionnaire pages: the trainer's assessment sheet, the trainee's satisfaction
questionnaire, and its aggregated results for the session's staff."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ecole.attendance import survey
from ecole.attendance.errors import AttendanceError
from ecole.attendance.evaluation import assessment_rows, record_assessment
from ecole.attendance.evaluation_forms import SurveyForm, assessments_form
from ecole.core.access import login_required, staff_required
from ecole.core.forms import form_status
from ecole.core.models import utcnow
from ecole.core.pages import save_form
from ecole.extensions import db
from ecole.sessions.models import CourseSession
from ecole.sessions.pages import managed_session, session_or_404

evaluation = Blueprint("evaluation", __name__, url_prefix="/sessions")




# --- the assessment sheet ----------------------------------------------------------------------

@evaluation.route("/<int:session_id>/assessments", methods=["GET", "POST"])
@staff_required
def assessments(session_id: int):
    """Every trainee on one page, saved all at once: one bad row and nothing is saved."""
    course_session = managed_session(session_id)
    rows = assessment_rows(course_session)
    form = assessments_form(rows)
    if request.method == "POST":
        valid = form.validate_on_submit()
        valid = form.check_rows(rows) and valid
        if valid:
            saved = _save(form, rows)
            if saved is not None:
                db.session.commit()
                flash(ngettext("%(num)d évaluation enregistrée.", "%(num)d évaluations enregistrées.", saved)
                      if saved else _("Rien n’a changé."), "success")
                return redirect(url_for("evaluation.assessments", session_id=course_session.id))
    return render_template("attendance/assessments.html", course_session=course_session, rows=rows,
                           form=form), form_status(form)


def _save(form, rows) -> int | None:
    """How many rows changed, or None (everything undone) when the service refused one."""
    saved, refused = 0, False
    for row in rows:
        values = form.values(row.enrolment.id)
        recorded = row.assessment
        if values is None or (recorded is not None and (recorded.passed, recorded.score, recorded.comment) == values):
            continue  # left empty, or as it was (a row locked meanwhile is refused only if it changed)
        try:
            record_assessment(row.enrolment, *values, actor=current_user)
        except AttendanceError as error:
            passed = form.row(row.enrolment.id)[0]
            passed.errors = [*passed.errors, str(error)]
            refused = True
        else:
            saved += 1
    if refused:
        db.session.rollback()
        return None
    return saved


# --- the satisfaction questionnaire ------------------------------------------------------------

def survey_state(course_session: CourseSession, now) -> str:
    """"not_for_you", "answered", "not_open" or "open": what the questionnaire page shows."""
    if not survey.may_answer(course_session, current_user):
        return "not_for_you"
    if survey.has_answered(course_session, current_user):
        return "answered"
    if not survey.is_open(course_session, now):
        return "not_open"
    return "open"


@evaluation.route("/<int:session_id>/survey", methods=["GET", "POST"])
@login_required
def survey_page(session_id: int):
    course_session = session_or_404(session_id)
    now = utcnow()
    state = survey_state(course_session, now)
    form = SurveyForm()
    status = 200
    if request.method == "POST":
        status = 400
        if state == "open" and save_form(
                form, lambda: survey.answer_survey(course_session, current_user, form.answers(), now=now),
                _("Merci : votre avis est enregistré."), refused=(AttendanceError,)):
            return redirect(url_for("evaluation.survey_page", session_id=course_session.id))
        state = survey_state(course_session, now)
    return render_template("attendance/survey.html", course_session=course_session, form=form, state=state,
                           opens_at=survey.opens_at(course_session), questions=survey.QUESTIONS), status


@evaluation.route("/<int:session_id>/survey/results")
@staff_required
def survey_results(session_id: int):
    course_session = managed_session(session_id)
    return render_template("attendance/survey_results.html", course_session=course_session,
                           summary=survey.survey_summary(course_session), scale=survey.SCALE,
                           scale_titles=survey.SCALE_TITLES, free_texts_from=survey.FREE_TEXTS_FROM)
