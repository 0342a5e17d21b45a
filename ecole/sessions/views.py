"""Session pages: the public page and enrolling, the calendar file, and what trainers and
administrators do with a session (create, edit, meetings, publish, close, cancel, walk-ins, journal).
A page layer: it calls the sessions, enrolment and catalogue domains' services and queries."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecole.accounts import queries as account_queries
from ecole.accounts.models import Role
from ecole.accounts.services import AccountError, find_by_identifier, normalize_email, normalize_phone
from ecole.attendance import queries as attendance_queries
from ecole.attendance import services as attendance_services
from ecole.attendance.completion import session_facts
from ecole.attendance.errors import AttendanceError
from ecole.attendance.models import Mark
from ecole.catalogue import queries as catalogue_queries
from ecole.core.access import login_required, staff_required
from ecole.core.cache import cached_page
from ecole.core.forms import ConfirmForm, form_status, show_problems
from ecole.core.models import utcnow
from ecole.core.pages import act, flash_form_errors, ics_response, refuse
from ecole.core.pagination import page_number
from ecole.core.params import int_arg, parse_int
from ecole.enrolment import calendar
from ecole.enrolment import queries as enrolment_queries
from ecole.enrolment import services as enrolment_services
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.enrolment.services import EnrolmentError
from ecole.extensions import db
from ecole.i18n import current_language, format_datetime
from ecole.sessions import queries, services
from ecole.sessions.forms import MeetingForm, ReasonForm, SessionForm, WalkInForm
from ecole.sessions.models import CourseSession, EnrolmentWindow, Meeting, SessionStatus
from ecole.sessions.pages import managed_session, session_or_404
from ecole.sessions.services import Conflict, SessionError
from ecole.trips import services as trip_services

sessions = Blueprint("sessions", __name__, url_prefix="/sessions")




# --- public session page and enrolling ---------------------------------------------------------

@sessions.route("/<int:session_id>")
@cached_page
def show(session_id: int):
    course_session = session_or_404(session_id)
    mine, position = None, None
    if current_user.is_authenticated:
        mine = enrolment_queries.enrolment_of(course_session, current_user)
        position = enrolment_services.waitlist_position(mine) if mine else None
    now = utcnow()
    trip = trip_services.trip_of(course_session)
    return render_template("sessions/show.html", course_session=course_session, mine=mine, position=position,
                           open=course_session.enrolment_open(now), window=window_text(course_session, now), form=ConfirmForm(),
                           trip=trip)


def window_text(course_session: CourseSession, now) -> str:
    """Whether enrolment is open, and if not why, in one sentence: what the public page says and
    what "Publier" tells staff come from the same rule (CourseSession.enrolment_state)."""
    state = course_session.enrolment_state(now)
    if course_session.is_finished:
        return _("Cette session est terminée.")
    if state is EnrolmentWindow.OPEN:
        return _("Les inscriptions sont ouvertes.")
    if state is EnrolmentWindow.NOT_YET:
        return _("Les inscriptions ouvriront le %(when)s.", when=format_datetime(course_session.enrolment_opens_at, "short"))
    if state is EnrolmentWindow.CLOSED:
        return _("Les inscriptions sont closes depuis le %(when)s.",
                 when=format_datetime(course_session.enrolment_closes_at, "short"))
    if state is EnrolmentWindow.STARTED:
        return _("La session a commencé : les inscriptions sont closes.")
    return _("Les inscriptions ne sont pas ouvertes.")


@sessions.route("/<int:session_id>/enrol", methods=["POST"])
@login_required
def enrol(session_id: int):
    course_session = session_or_404(session_id, for_page=False)
    if course_session.is_trip:  # a trip's participants apply with a motivation, and are selected
        return redirect(url_for("trips.apply", session_id=session_id))
    if ConfirmForm().validate_on_submit():
        try:
            enrolment = enrolment_services.enrol(course_session, current_user, actor=current_user)
        except EnrolmentError as error:
            refuse(error)
        else:
            # Worded as enrolled, before the commit: after it a cancellation may already have followed,
            # and every loaded row would be read again (the session, the person) for nothing.
            message = {S.CONFIRMED: _("Votre place est confirmée."),
                       S.WAITLISTED: _("La session est complète : vous êtes sur la liste d’attente."),
                       S.REQUESTED: _("Votre demande est envoyée : l’école va l’examiner.")}[S(enrolment.status)]
            db.session.commit()
            flash(message, "success")
    return redirect(url_for("sessions.show", session_id=session_id))


@sessions.route("/<int:session_id>/calendar.ics")
def session_calendar(session_id: int):
    course_session = session_or_404(session_id)
    return ics_response(calendar.session_ics(course_session, current_language()), f"session-{course_session.id}")


# --- trainers and administrators -------------------------------------------------------------

@sessions.route("/mine")
@staff_required
def mine():
    show_past = request.args.get("past") == "1"
    query = queries.staff_sessions(current_user, past=show_past, now=utcnow())
    page = db.paginate(query, page=page_number(), per_page=30, error_out=False)
    return render_template("sessions/mine.html", page=page, show_past=show_past)


def _session_form(course_session: CourseSession | None) -> SessionForm:
    form = SessionForm()
    lang = current_language()
    # As the reader reads them, not by slug.
    courses = sorted(catalogue_queries.published_courses(), key=lambda c: c.title(lang).casefold())
    form.course_id.choices = [(c.id, c.title(lang)) for c in courses]
    trainers = account_queries.teachers()
    form.trainer_ids.choices = [(t.id, t.display_name(lang)) for t in trainers]
    if request.method == "GET":
        if course_session is not None:
            form.fill(course_session)
        else:
            form.trainer_ids.data = [current_user.id] if current_user.has_role(Role.TRAINER) else []
            # A session is taught in its course's languages unless staff say otherwise. Without a
            # course chosen in advance none is ticked: the service then takes the chosen course's.
            course_id = int_arg("course")
            chosen = next((c for c in courses if c.id == course_id), None)
            if chosen is not None:
                form.course_id.data = chosen.id
                form.languages.data = services.course_languages(chosen)
    return form


@sessions.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = _session_form(None)
    if form.validate_on_submit():
        try:
            course_session = services.save_session(None, form.to_data(), actor=current_user)
        except SessionError as error:
            db.session.rollback()
            show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("La session est créée. Ajoutez ses séances, puis publiez-la."), "success")
            return redirect(url_for("sessions.manage", session_id=course_session.id))
    return render_template("sessions/form.html", form=form, course_session=None), form_status(form)


@sessions.route("/<int:session_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(session_id: int):
    course_session = managed_session(session_id)
    form = _session_form(course_session)
    if form.validate_on_submit():
        try:
            services.save_session(course_session, form.to_data(), actor=current_user)
            enrolment_services.promote(course_session, actor=current_user)  # more seats: the waitlist moves up
        except SessionError as error:
            db.session.rollback()
            show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("La session est enregistrée."), "success")
            return redirect(url_for("sessions.manage", session_id=course_session.id))
    return render_template("sessions/form.html", form=form, course_session=course_session), form_status(form)


@sessions.route("/<int:session_id>/manage")
@staff_required
def manage(session_id: int, meeting_form: MeetingForm | None = None, conflicts=None):
    course_session = managed_session(session_id)
    return render_template("sessions/manage.html", course_session=course_session, groups=enrolment_queries.roster_groups(course_session),
                           meeting_form=meeting_form or MeetingForm(), conflicts=conflicts or [],
                           reason_form=ReasonForm(), walk_in_form=WalkInForm(), action_form=ConfirmForm())


@sessions.route("/<int:session_id>/meetings", methods=["POST"])
@staff_required
def add_meeting(session_id: int):
    course_session = managed_session(session_id)
    form = MeetingForm()
    found = []
    if form.validate_on_submit():
        starts = services.to_utc(form.day.data, form.start.data)
        ends = services.to_utc(form.day.data, form.end.data)
        try:
            services.add_meeting(course_session, starts, ends, place=form.place.data or "", topic=form.topic.data or "",
                                         actor=current_user, force=bool(form.force.data))
        except Conflict as error:
            db.session.rollback()
            found = error.meetings
            form.form_errors.append(str(error))
        except SessionError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("La séance est ajoutée."), "success")
            return redirect(url_for("sessions.manage", session_id=course_session.id) + "#meetings")
    return manage(course_session.id, meeting_form=form, conflicts=found), 400


def meeting_of(course_session: CourseSession, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.session_id != course_session.id:
        abort(404)
    return meeting


@sessions.route("/<int:session_id>/meetings/<int:meeting_id>/delete", methods=["POST"])
@staff_required
def delete_meeting(session_id: int, meeting_id: int):
    course_session = managed_session(session_id)
    meeting = meeting_of(course_session, meeting_id)
    if ConfirmForm().validate_on_submit():
        if attendance_queries.has_marks(meeting):  # attendance is evidence: a held meeting is cancelled, never erased
            flash(_("Des présences sont notées pour cette séance : annulez-la plutôt que de la supprimer."), "error")
        else:
            stop = trip_services.stop_of(meeting)
            if stop is not None:  # a trip's stop: the itinerary is renumbered and the trip's log says so
                trip_services.delete_stop(stop, actor=current_user)
            else:
                services.delete_meeting(course_session, meeting, actor=current_user)
            db.session.commit()
            flash(_("La séance est supprimée."), "success")
    return redirect(url_for("sessions.manage", session_id=course_session.id) + "#meetings")


@sessions.route("/<int:session_id>/meetings/<int:meeting_id>/cancel", methods=["POST"])
@staff_required
def cancel_meeting(session_id: int, meeting_id: int):
    course_session = managed_session(session_id)
    meeting = meeting_of(course_session, meeting_id)
    form = ReasonForm()

    def cancel():
        services.cancel_meeting(course_session, meeting, form.reason.data, actor=current_user)
        attendance_services.refresh_results(session_facts(course_session))  # its hours count for nobody now

    act(form, cancel, _("La séance est annulée."), refused=(SessionError,))
    return redirect(url_for("sessions.manage", session_id=course_session.id) + "#meetings")


@sessions.route("/<int:session_id>/publish", methods=["POST"])
@staff_required
def publish(session_id: int):
    course_session = managed_session(session_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.publish(course_session, actor=current_user)
        except SessionError as error:
            refuse(error)
        else:
            db.session.commit()
            flash(_("La session est publiée.") + " " + window_text(course_session, utcnow()),
                  "success" if course_session.enrolment_open(utcnow()) else "warning")
    return redirect(url_for("sessions.manage", session_id=course_session.id))


@sessions.route("/<int:session_id>/complete", methods=["GET", "POST"])
@staff_required
def complete(session_id: int):
    """Closing cannot be undone: a page says what it does (or why it is not possible yet) and asks."""
    course_session = managed_session(session_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.complete(course_session, actor=current_user)
        except SessionError:
            db.session.rollback()  # the page below says why
        else:
            db.session.commit()
            flash(_("La session est clôturée."), "success")
            return redirect(url_for("sessions.manage", session_id=course_session.id))
    refusal = None
    try:
        if course_session.status != SessionStatus.PUBLISHED:
            raise SessionError([("status", _("Seule une session publiée peut être clôturée."))])
        services.check_can_complete(course_session)
    except SessionError as error:
        refusal = str(error)
    return render_template("sessions/complete.html", course_session=course_session, form=form, refusal=refusal), \
        400 if request.method == "POST" else 200


@sessions.route("/<int:session_id>/cancel", methods=["POST"])
@staff_required
def cancel(session_id: int):
    course_session = managed_session(session_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Donnez une raison : elle sera transmise à la personne."), "error")
        return redirect(url_for("sessions.manage", session_id=course_session.id))
    try:
        count = enrolment_services.cancel_session(course_session, form.reason.data.strip(), actor=current_user)
    except EnrolmentError as error:
        refuse(error)
    else:
        db.session.commit()
        flash(_("La session est annulée. Les personnes inscrites sont prévenues (%(num)d).", num=count), "success")
    return redirect(url_for("sessions.manage", session_id=course_session.id))


@sessions.route("/<int:session_id>/walk-in", methods=["POST"])
@staff_required
def walk_in(session_id: int):
    """Enrol someone on the spot; from a meeting's register (`meeting` in the form), also mark them present."""
    course_session = managed_session(session_id)
    meeting = _register_meeting(course_session)
    back = (url_for("attendance.register", meeting_id=meeting.id) if meeting is not None
            else url_for("sessions.manage", session_id=course_session.id) + "#roster")
    form = WalkInForm()
    if form.validate_on_submit():
        identifier = form.identifier.data.strip()
        try:  # "abc" is no phone number: say so here, not on the new-person form
            normalize_email(identifier) if "@" in identifier else normalize_phone(identifier)
        except AccountError as error:
            flash(str(error), "error")
            return redirect(back)
        person = find_by_identifier(identifier)
        if person is None:
            flash(_("Aucun compte avec ce téléphone ou cet e-mail : inscrivez d’abord la personne."), "error")
            return redirect(url_for("people.register_person"))
        try:
            enrolment = enrolment_services.enrol(course_session, person, actor=current_user, walk_in=True)
            if meeting is not None and enrolment.status == S.CONFIRMED:
                attendance_services.save_marks(meeting, {enrolment.id: Mark.PRESENT}, actor=current_user)
        except (EnrolmentError, AttendanceError) as error:
            refuse(error)
        else:
            db.session.commit()
            flash(_("%(name)s : %(status)s.", name=person.display_name(current_language()), status=enrolment.status_title),
                  "success")
    else:
        flash_form_errors(form)
    return redirect(back)


def _register_meeting(course_session: CourseSession) -> Meeting | None:
    """The meeting whose register sent the form, if it is one of this session's."""
    meeting_id = parse_int(request.form.get("meeting"))
    if meeting_id is None:
        return None
    return next((m for m in course_session.meetings if m.id == meeting_id), None)


@sessions.route("/<int:session_id>/events")
@staff_required
def events(session_id: int):
    course_session = managed_session(session_id)
    rows = enrolment_queries.journal(course_session)
    return render_template("sessions/events.html", course_session=course_session, events=rows,
                           journal_status=lambda code: _journal_status(course_session, code), journal_reason=_journal_reason)


def _journal_reason(reason: str) -> str:
    """The system's own reasons are codes (the log stays language-neutral); people's reasons are shown as typed."""
    return {"offer expired": _("le délai pour confirmer est passé"),
            "promoted by staff": _("confirmée en priorité par l’équipe"),
            "undo": _("annulation reprise par la personne")}.get(reason, reason)


def _journal_status(course_session: CourseSession, code: str) -> str:
    """A request is "awaiting approval" only where the school approves; elsewhere it is the
    moment the person asked, immediately followed by a seat or the waitlist."""
    if code == S.REQUESTED and not course_session.requires_approval:
        return _("Demande d’inscription")
    return enrolment_services.status_title(code)
