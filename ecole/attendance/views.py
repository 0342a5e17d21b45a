"""Attendance pages: a meeting's register (marks, everyone present, lock, unlock, history), a
session's results (validate, reopen), a person's own attendance, a course's completion rule.
A page layer: it calls the attendance, sessions and enrolment domains' services and queries."""
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ecole.attendance import queries, scans, services, sync
from ecole.attendance.completion import DEFAULT_RULE, RULE_FIELDS, rule_for, session_facts
from ecole.attendance.errors import AttendanceError
from ecole.attendance.forms import CompletionRuleForm, UnlockForm
from ecole.attendance.models import MARK_TITLES, REASON_TITLES, Mark, MarkReview
from ecole.catalogue.models import Course
from ecole.core.access import admin_required, login_required, staff_required
from ecole.core.cache import cached_page
from ecole.core.forms import ConfirmForm, form_status
from ecole.core.models import utcnow
from ecole.core.pages import act, allowed, found, save_form
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from ecole.i18n import current_language, format_datetime
from ecole.sessions.forms import WalkInForm
from ecole.sessions.models import Meeting
from ecole.sessions.pages import managed_meeting, managed_session

attendance = Blueprint("attendance", __name__)




def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


# --- the register ----------------------------------------------------------------------------

@attendance.route("/meetings/<int:meeting_id>/register")
@staff_required
@cached_page
def register(meeting_id: int, *, errors: list[str] | None = None, submitted: dict | None = None):
    meeting = managed_meeting(meeting_id)
    page = queries.register_page(meeting)
    return render_template("attendance/register.html", meeting=meeting, course_session=meeting.course_session,
                           page=page, summary=summary(page), errors=errors or [], submitted=submitted or {},
                           marks={code.value: str(title) for code, title in MARK_TITLES.items()},  # once, not 4 × 40
                           form=ConfirmForm(), unlock_form=UnlockForm(), walk_in_form=WalkInForm(),
                           scan_pages=_scan_pages(meeting), reviews=sync.pending_reviews(meeting)), 400 if errors else 200


def summary(page: queries.RegisterPage) -> str:
    return _("Présents : %(present)s · En retard : %(late)s · Excusés : %(excused)s · Absents : %(absent)s · "
             "Sans marque : %(missing)s", present=page.count("present"), late=page.count("late"),
             excused=page.count("excused"), absent=page.count("absent"), missing=page.missing)


def _scan_pages(meeting: Meeting) -> list:
    return scans.pages_for_meeting(meeting)


def _submitted_marks() -> tuple[dict[int, str], list[str]]:
    """The marks in the form (`mark-<enrolment id>` = present|late|excused|absent), and the problems."""
    marks, problems = {}, []
    for key, value in request.form.items(multi=True):
        if not key.startswith("mark-"):
            continue
        enrolment_id = key.removeprefix("mark-")
        if not enrolment_id.isascii() or not enrolment_id.isdigit() or len(enrolment_id) > 10 \
                or value not in {m.value for m in Mark}:
            problems.append(_("Marque de présence inconnue."))
            continue
        marks[int(enrolment_id)] = value
    return marks, sorted(set(problems))


@attendance.route("/meetings/<int:meeting_id>/register", methods=["POST"])
@staff_required
def save_register(meeting_id: int):
    meeting = managed_meeting(meeting_id, for_page=False)  # (a refusal shows the register: it loads the rest)
    form = ConfirmForm()
    marks, problems = _submitted_marks()
    if not form.validate_on_submit():
        problems = [_("Le formulaire a expiré. Rechargez la page et réessayez.")]
    everyone = request.form.get("action") == "all_present"
    saved = None
    if not problems:
        try:
            saved = services.save_marks(meeting, marks, actor=current_user)
            if everyone:
                extra = services.everyone_present(meeting, actor=current_user)
                saved.changed += extra.changed
        except AttendanceError as error:
            db.session.rollback()
            problems = [str(error)]
        else:
            # Worded before the commit, which would have the person read again for their language.
            message = (_("Présences enregistrées (%(time)s).", time=format_datetime(utcnow(), "short"))
                       if saved.changed else _("Rien n’a changé."))
            db.session.commit()
    if problems:
        if wants_json():
            return jsonify(ok=False, errors=problems), 400
        return register(meeting_id, errors=problems, submitted=marks)
    if wants_json():
        page = queries.register_page(meeting)
        return jsonify(ok=True, message=message, changed=saved.changed, missing=page.missing, summary=summary(page),
                       counts={m.value: page.count(m.value) for m in Mark})
    flash(message, "success")
    return redirect(url_for("attendance.register", meeting_id=meeting_id))


@attendance.route("/meetings/<int:meeting_id>/register/lock", methods=["POST"])
@staff_required
def lock_register(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    act(ConfirmForm(), lambda: services.lock_register(meeting, actor=current_user),
        _("La feuille de présence est verrouillée."), refused=(AttendanceError,))
    return redirect(url_for("attendance.register", meeting_id=meeting.id))


@attendance.route("/meetings/<int:meeting_id>/register/unlock", methods=["POST"])
@admin_required
def unlock_register(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    form = UnlockForm()
    act(form, lambda: services.unlock_register(meeting, form.reason.data, actor=current_user),
        _("La feuille de présence est rouverte."), refused=(AttendanceError,))
    return redirect(url_for("attendance.register", meeting_id=meeting.id))


@attendance.route("/meetings/<int:meeting_id>/register/history")
@staff_required
def register_history(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    return render_template("attendance/history.html", meeting=meeting, course_session=meeting.course_session,
                           events=queries.history(meeting), marks=MARK_TITLES)


# --- results ---------------------------------------------------------------------------------

@attendance.route("/sessions/<int:session_id>/results")
@staff_required
def results(session_id: int):
    course_session = managed_session(session_id)
    facts = session_facts(course_session)
    now = utcnow()
    stored = queries.results_of(course_session)
    rows = [(e, facts.standing_of(e, now), stored.get(e.id), facts.passed.get(e.id)) for e in facts.enrolments]
    rows.sort(key=lambda row: row[0].user.name_latin.casefold())
    validated = next((r for r in stored.values() if r.is_locked), None)
    return render_template("attendance/results.html", course_session=course_session, rows=rows, rule=facts.rule,
                           validated=validated, reasons=REASON_TITLES, form=ConfirmForm(), unlock_form=UnlockForm(),
                           meetings=facts.meetings)


@attendance.route("/sessions/<int:session_id>/results/validate", methods=["POST"])
@staff_required
def validate_results(session_id: int):
    course_session = managed_session(session_id)
    act(ConfirmForm(), lambda: services.validate_results(course_session, actor=current_user),
        lambda done: ngettext("Les résultats sont validés : %(num)d personne sur %(total)d a terminé la formation.",
                              "Les résultats sont validés : %(num)d personnes sur %(total)d ont terminé la formation.",
                              sum(1 for r in done.values() if r.completed), total=len(done)),
        refused=(AttendanceError,))
    return redirect(url_for("attendance.results", session_id=course_session.id))


@attendance.route("/sessions/<int:session_id>/results/unlock", methods=["POST"])
@admin_required
def unlock_results(session_id: int):
    course_session = managed_session(session_id)
    form = UnlockForm()
    act(form, lambda: services.unlock_results(course_session, form.reason.data, actor=current_user),
        _("Les résultats sont rouverts."), refused=(AttendanceError,))
    return redirect(url_for("attendance.results", session_id=course_session.id))


# --- a person's own attendance -----------------------------------------------------------------

@attendance.route("/training/<int:enrolment_id>/attendance")
@login_required
def my_attendance(enrolment_id: int):
    enrolment = allowed(found(db.session.get(Enrolment, enrolment_id)), Enrolment.can_see)
    course_session = enrolment.course_session
    facts = session_facts(course_session, enrolment_ids=[enrolment.id])
    result = queries.results_of(course_session).get(enrolment.id)
    standing = facts.standing_of(enrolment, utcnow()) if enrolment in facts.enrolments else None
    return render_template("attendance/mine.html", enrolment=enrolment, course_session=course_session,
                           meetings=facts.meetings, marks=queries.marks_of(enrolment), titles=MARK_TITLES,
                           standing=standing, result=result, rule=facts.rule, reasons=REASON_TITLES,
                           assessment_passed=facts.passed.get(enrolment.id))


# --- a course's completion rule --------------------------------------------------------------

@attendance.route("/admin/courses/<int:course_id>/completion", methods=["GET", "POST"])
@admin_required
def completion_rule(course_id: int):
    course = found(db.session.get(Course, course_id))
    current = rule_for(course.id)
    form = CompletionRuleForm(data={name: getattr(current, name) for name in RULE_FIELDS})
    if save_form(form, lambda: services.save_rule(course.id, form.rule(), actor=current_user),
                 _("Les règles de réussite sont enregistrées."), refused=(AttendanceError,)):
        return redirect(url_for("attendance.completion_rule", course_id=course.id))
    return render_template("attendance/completion_rule.html", course=course, form=form,
                           default=DEFAULT_RULE), form_status(form)


# --- offline: a trainer's meetings of the week, their registers as JSON, the sync endpoint ----

@attendance.route("/meetings/mine")
@staff_required
def my_meetings():
    """"Mes séances": today's and the next days' meetings; opened online, the phone keeps their registers."""
    meetings = queries.meetings_for_offline(current_user, utcnow())
    return render_template("attendance/my_meetings.html", meetings=meetings, days=queries.OFFLINE_DAYS,
                           pending=sync.pending_counts(meetings))


@attendance.route("/meetings/mine/registers.json")
@staff_required
def my_registers():
    now = utcnow()
    meetings = queries.meetings_for_offline(current_user, now)
    pages = queries.registers_of(meetings)
    lang = current_language()
    response = jsonify(
        generated_at=now.isoformat(), trainer=current_user.id,
        meetings=[{
            "id": m.id, "register_url": url_for("attendance.register", meeting_id=m.id),
            "title": m.course_session.course.title(lang), "when": format_datetime(m.starts_at, "short"),
            "place": m.place or m.course_session.venue.label(), "locked": pages[m.id].locked,
            "trainees": [{"enrolment": e.id, "name_latin": e.user.name_latin, "name_arabic": e.user.name_arabic,
                          "phone_tail": (e.user.phone or "")[-4:],
                          "mark": pages[m.id].marks[e.id].status if e.id in pages[m.id].marks else None}
                         for e in pages[m.id].enrolments]}
            for m in meetings])
    response.headers["Cache-Control"] = "private, no-store"
    return response


@attendance.route("/attendance/sync", methods=["POST"])
@staff_required
def sync_marks():
    """A phone's outbox of marks taken offline (JSON; the CSRF token in the X-CSRFToken header)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("marks"), list):
        return jsonify(error=_("Envoi illisible : une liste de présences est attendue.")), 400
    try:
        outcomes = sync.sync_marks(body["marks"], actor=current_user)
    except AttendanceError as error:
        db.session.rollback()
        return jsonify(error=str(error)), 400
    db.session.commit()
    return jsonify(results=[o.as_dict() for o in outcomes])


@attendance.route("/mark-reviews/<int:review_id>/<any(accept, reject):decision>", methods=["POST"])
@staff_required
def decide_review(review_id: int, decision: str):
    review = found(db.session.get(MarkReview, review_id))
    meeting = managed_meeting(review.meeting_id)
    act(ConfirmForm(), lambda: sync.decide_review(review, decision == "accept", actor=current_user),
        _("La présence envoyée hors ligne est acceptée.") if decision == "accept"
        else _("La présence envoyée hors ligne est refusée."), refused=(AttendanceError,))
    return redirect(url_for("attendance.register", meeting_id=meeting.id))
