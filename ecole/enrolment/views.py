"""Session and enrolment pages. Session management lives here, not in ecole/sessions/, because
every management page shows or changes enrolments (rosters, waitlists, walk-ins): sessions sit
below enrolment in the chain of domains and cannot call it."""
import csv
import io
import re

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ecole.accounts.forms import ConfirmForm
from ecole.accounts.models import Role, User, UserRole
from ecole.accounts.models import AUDIENCE_TITLES, GENDER_TITLES, Audience, Gender
from ecole.accounts.services import AccountError, find_by_identifier, normalize_email, normalize_phone
from ecole.catalogue.models import Course
from ecole.core.access import login_required, staff_required
from ecole.core.forms import form_status, show_problems
from ecole.core.models import utcnow
from ecole.core.pagination import page_number
from ecole.core.params import int_arg
from ecole.enrolment import calendar, services
from ecole.enrolment.models import Enrolment, EnrolmentEvent
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.enrolment.services import EnrolmentError
from ecole.extensions import db
from ecole.i18n import current_language, format_datetime
from ecole.sessions import services as session_services
from ecole.sessions.forms import MeetingForm, ReasonForm, SessionForm, WalkInForm
from ecole.sessions.models import CourseSession, EnrolmentWindow, Meeting, SessionStatus
from ecole.sessions.services import Conflict, SessionError

sessions = Blueprint("sessions", __name__, url_prefix="/sessions")
training = Blueprint("training", __name__)


# --- loading and access ----------------------------------------------------------------------

def _session_or_404(session_id: int) -> CourseSession:
    session = db.session.get(CourseSession, session_id, options=[
        selectinload(CourseSession.trainers), selectinload(CourseSession.meetings),
        selectinload(CourseSession.course).selectinload(Course.text_rows)])
    if session is None or not session.can_see(current_user):
        abort(404)
    return session


def _managed_session(session_id: int) -> CourseSession:
    session = _session_or_404(session_id)
    if not session.can_manage(current_user):
        abort(403)
    return session


def _enrolment_or_404(enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or not enrolment.can_see(current_user):
        abort(404)
    return enrolment


def _fail(error: Exception) -> None:
    db.session.rollback()
    flash(str(error), "error")


def _ics(data: bytes, name: str):
    response = make_response(data)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    return response


# --- public session page and enrolling ---------------------------------------------------------

@sessions.route("/<int:session_id>")
def show(session_id: int):
    session = _session_or_404(session_id)
    mine, position = None, None
    if current_user.is_authenticated:
        mine = db.session.scalar(select(Enrolment).where(Enrolment.session_id == session.id,
                                                         Enrolment.user_id == current_user.id))
        position = services.waitlist_position(mine) if mine else None
    now = utcnow()
    return render_template("sessions/show.html", session=session, mine=mine, position=position,
                           open=session.enrolment_open(now), window=window_text(session, now), form=ConfirmForm())


def window_text(session: CourseSession, now) -> str:
    """Whether enrolment is open, and if not why, in one sentence: what the public page says and
    what "Publier" tells staff come from the same rule (CourseSession.enrolment_state)."""
    state = session.enrolment_state(now)
    if session.is_finished:
        return _("Cette session est terminée.")
    if state is EnrolmentWindow.OPEN:
        return _("Les inscriptions sont ouvertes.")
    if state is EnrolmentWindow.NOT_YET:
        return _("Les inscriptions ouvriront le %(when)s.", when=format_datetime(session.enrolment_opens_at, "short"))
    if state is EnrolmentWindow.CLOSED:
        return _("Les inscriptions sont closes depuis le %(when)s.",
                 when=format_datetime(session.enrolment_closes_at, "short"))
    if state is EnrolmentWindow.STARTED:
        return _("La session a commencé : les inscriptions sont closes.")
    return _("Les inscriptions ne sont pas ouvertes.")


@sessions.route("/<int:session_id>/enrol", methods=["POST"])
@login_required
def enrol(session_id: int):
    session = _session_or_404(session_id)
    if ConfirmForm().validate_on_submit():
        try:
            enrolment = services.enrol(session, current_user, actor=current_user)
        except EnrolmentError as error:
            _fail(error)
        else:
            status = S(enrolment.status)  # as enrolled: after the commit, a cancellation may already have followed
            db.session.commit()
            flash({S.CONFIRMED: _("Votre place est confirmée."),
                   S.WAITLISTED: _("La session est complète : vous êtes sur la liste d’attente."),
                   S.REQUESTED: _("Votre demande est envoyée : l’école va l’examiner.")}[status], "success")
    return redirect(url_for("sessions.show", session_id=session.id))


@sessions.route("/<int:session_id>/calendar.ics")
def session_calendar(session_id: int):
    session = _session_or_404(session_id)
    return _ics(calendar.session_ics(session, current_language()), f"session-{session.id}")


# --- trainers and administrators -------------------------------------------------------------

@sessions.route("/mine")
@staff_required
def mine():
    query = select(CourseSession).options(selectinload(CourseSession.course).selectinload(Course.text_rows))
    if not current_user.is_admin:  # (trainers are checked by a subquery, not loaded)
        query = query.where(CourseSession.trainers.any(id=current_user.id))
    show_past = request.args.get("past") == "1"
    now = utcnow()
    if show_past:
        query = query.where(CourseSession.ends_at < now).order_by(CourseSession.starts_at.desc())
    else:
        query = query.where((CourseSession.ends_at.is_(None)) | (CourseSession.ends_at >= now)).order_by(
            CourseSession.starts_at.is_(None), CourseSession.starts_at)
    page = db.paginate(query, page=page_number(), per_page=30, error_out=False)
    return render_template("sessions/mine.html", page=page, show_past=show_past)


def _session_form(session: CourseSession | None) -> SessionForm:
    form = SessionForm()
    lang = current_language()
    courses = db.session.scalars(select(Course).where(Course.published.is_(True))
                                 .options(selectinload(Course.text_rows), selectinload(Course.language_rows))).all()
    courses = sorted(courses, key=lambda c: c.title(lang).casefold())  # as the reader reads them, not by slug
    form.course_id.choices = [(c.id, c.title(lang)) for c in courses]
    # Who may teach: trainers and administrators (the rule of sessions.services.save_session).
    teachers = User.role_rows.any(UserRole.role.in_([Role.TRAINER.value, Role.ADMIN.value]))
    trainers = db.session.scalars(select(User).where(teachers, User.active.is_(True)).order_by(User.name_latin)).all()
    form.trainer_ids.choices = [(t.id, t.display_name(lang)) for t in trainers]
    if request.method == "GET":
        if session is not None:
            form.fill(session)
        else:
            form.trainer_ids.data = [current_user.id] if current_user.has_role(Role.TRAINER) else []
            # A session is taught in its course's languages unless staff say otherwise. Without a
            # course chosen in advance none is ticked: the service then takes the chosen course's.
            course_id = int_arg("course")
            chosen = next((c for c in courses if c.id == course_id), None)
            if chosen is not None:
                form.course_id.data = chosen.id
                form.languages.data = session_services.course_languages(chosen)
    return form






@sessions.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = _session_form(None)
    if form.validate_on_submit():
        try:
            session = session_services.save_session(None, form.to_data(), actor=current_user)
        except SessionError as error:
            db.session.rollback()
            show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("La session est créée. Ajoutez ses séances, puis publiez-la."), "success")
            return redirect(url_for("sessions.manage", session_id=session.id))
    return render_template("sessions/form.html", form=form, session=None), form_status(form)


@sessions.route("/<int:session_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(session_id: int):
    session = _managed_session(session_id)
    form = _session_form(session)
    if form.validate_on_submit():
        try:
            session_services.save_session(session, form.to_data(), actor=current_user)
            services.promote(session, actor=current_user)  # more seats: the waitlist moves up
        except SessionError as error:
            db.session.rollback()
            show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("La session est enregistrée."), "success")
            return redirect(url_for("sessions.manage", session_id=session.id))
    return render_template("sessions/form.html", form=form, session=session), form_status(form)


def _roster(session: CourseSession) -> dict[str, list[Enrolment]]:
    rows = db.session.scalars(select(Enrolment).where(Enrolment.session_id == session.id)
                              .order_by(Enrolment.waitlisted_at, Enrolment.created_at, Enrolment.id)).all()
    groups: dict[str, list[Enrolment]] = {status.value: [] for status in S}
    for row in rows:
        groups[row.status].append(row)
    return groups


@sessions.route("/<int:session_id>/manage")
@staff_required
def manage(session_id: int, meeting_form: MeetingForm | None = None, conflicts=None):
    session = _managed_session(session_id)
    return render_template("sessions/manage.html", session=session, groups=_roster(session),
                           meeting_form=meeting_form or MeetingForm(), conflicts=conflicts or [],
                           reason_form=ReasonForm(), walk_in_form=WalkInForm(), action_form=ConfirmForm())


@sessions.route("/<int:session_id>/meetings", methods=["POST"])
@staff_required
def add_meeting(session_id: int):
    session = _managed_session(session_id)
    form = MeetingForm()
    found = []
    if form.validate_on_submit():
        starts = session_services.to_utc(form.day.data, form.start.data)
        ends = session_services.to_utc(form.day.data, form.end.data)
        try:
            session_services.add_meeting(session, starts, ends, place=form.place.data or "", topic=form.topic.data or "",
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
            return redirect(url_for("sessions.manage", session_id=session.id) + "#meetings")
    return manage(session.id, meeting_form=form, conflicts=found), 400


@sessions.route("/<int:session_id>/meetings/<int:meeting_id>/delete", methods=["POST"])
@staff_required
def delete_meeting(session_id: int, meeting_id: int):
    session = _managed_session(session_id)
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.session_id != session.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        session_services.delete_meeting(session, meeting, actor=current_user)
        db.session.commit()
        flash(_("La séance est supprimée."), "success")
    return redirect(url_for("sessions.manage", session_id=session.id) + "#meetings")


@sessions.route("/<int:session_id>/publish", methods=["POST"])
@staff_required
def publish(session_id: int):
    session = _managed_session(session_id)
    if ConfirmForm().validate_on_submit():
        try:
            session_services.publish(session, actor=current_user)
        except SessionError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("La session est publiée.") + " " + window_text(session, utcnow()),
                  "success" if session.enrolment_open(utcnow()) else "warning")
    return redirect(url_for("sessions.manage", session_id=session.id))


@sessions.route("/<int:session_id>/complete", methods=["GET", "POST"])
@staff_required
def complete(session_id: int):
    """Closing cannot be undone: a page says what it does (or why it is not possible yet) and asks."""
    session = _managed_session(session_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            session_services.complete(session, actor=current_user)
        except SessionError:
            db.session.rollback()  # the page below says why
        else:
            db.session.commit()
            flash(_("La session est clôturée."), "success")
            return redirect(url_for("sessions.manage", session_id=session.id))
    refusal = None
    try:
        if session.status != SessionStatus.PUBLISHED:
            raise SessionError([("status", _("Seule une session publiée peut être clôturée."))])
        session_services.check_can_complete(session)
    except SessionError as error:
        refusal = str(error)
    return render_template("sessions/complete.html", session=session, form=form, refusal=refusal), \
        400 if request.method == "POST" else 200


@sessions.route("/<int:session_id>/cancel", methods=["POST"])
@staff_required
def cancel(session_id: int):
    session = _managed_session(session_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Donnez une raison : elle sera transmise à la personne."), "error")
        return redirect(url_for("sessions.manage", session_id=session.id))
    try:
        count = services.cancel_session(session, form.reason.data.strip(), actor=current_user)
    except EnrolmentError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("La session est annulée. Les personnes inscrites sont prévenues (%(num)d).", num=count), "success")
    return redirect(url_for("sessions.manage", session_id=session.id))


@sessions.route("/<int:session_id>/walk-in", methods=["POST"])
@staff_required
def walk_in(session_id: int):
    session = _managed_session(session_id)
    form = WalkInForm()
    if form.validate_on_submit():
        identifier = form.identifier.data.strip()
        try:  # "abc" is no phone number: say so here, not on the new-person form
            normalize_email(identifier) if "@" in identifier else normalize_phone(identifier)
        except AccountError as error:
            flash(str(error), "error")
            return redirect(url_for("sessions.manage", session_id=session.id) + "#roster")
        person = find_by_identifier(identifier)
        if person is None:
            flash(_("Aucun compte avec ce téléphone ou cet e-mail : inscrivez d’abord la personne."), "error")
            return redirect(url_for("people.register_person"))
        try:
            enrolment = services.enrol(session, person, actor=current_user, walk_in=True)
        except EnrolmentError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("%(name)s : %(status)s.", name=person.display_name(current_language()), status=enrolment.status_title),
                  "success")
    return redirect(url_for("sessions.manage", session_id=session.id) + "#roster")


@sessions.route("/<int:session_id>/roster")
@staff_required
def roster(session_id: int):
    session = _managed_session(session_id)
    return render_template("sessions/roster.html", session=session, groups=_roster(session))


ROSTER_STATUSES = (S.CONFIRMED, S.OFFERED, S.COMPLETED, S.NOT_COMPLETED)


@sessions.route("/<int:session_id>/roster.csv")
@staff_required
def roster_csv(session_id: int):
    session = _managed_session(session_id)
    groups = _roster(session)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Nom"), _("Nom en caractères arabes"), _("Téléphone"), _("E-mail"), _("Commune"),
                     _("Public"), _("Genre"), _("Année de naissance"), _("État")])
    for status in (*ROSTER_STATUSES, S.WAITLISTED, S.REQUESTED):
        for enrolment in groups[status.value]:
            person = enrolment.user
            writer.writerow([_safe_cell(v) for v in (
                person.name_latin, person.name_arabic, person.phone or "", person.email or "", person.commune,
                _title(AUDIENCE_TITLES, Audience, person.audience), _title(GENDER_TITLES, Gender, person.gender),
                person.birth_year or "", enrolment.status_title)])
    response = make_response("\ufeff" + out.getvalue())  # the BOM lets Excel read UTF-8 (Arabic names)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="roster-{session.id}.csv"'
    return response


def _title(titles: dict, kind, code: str | None) -> str:
    """A stored code as the staff member reads it (an unknown old code is shown as it is)."""
    if not code:
        return ""
    return str(titles[kind(code)]) if code in {member.value for member in kind} else code


_PHONE = re.compile(r"\+\d{6,15}")


def _safe_cell(value) -> str:
    """No formula injection when the file is opened in a spreadsheet (a bare phone number is data)."""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PHONE.fullmatch(text):
        return "'" + text
    return text


@sessions.route("/<int:session_id>/roster.pdf")
@staff_required
def roster_pdf(session_id: int):
    from ecole.core.pdf import render_pdf

    session = _managed_session(session_id)
    groups = _roster(session)
    people = [e for status in ROSTER_STATUSES for e in groups[status.value]]
    html = render_template("pdf/roster.html", session=session, enrolments=people, lang=current_language())
    response = make_response(render_pdf(html))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="roster-{session.id}.pdf"'
    return response


@sessions.route("/<int:session_id>/events")
@staff_required
def events(session_id: int):
    session = _managed_session(session_id)
    rows = db.session.scalars(select(EnrolmentEvent).join(Enrolment, Enrolment.id == EnrolmentEvent.enrolment_id)
                              .where(Enrolment.session_id == session.id)
                              .order_by(EnrolmentEvent.at.desc(), EnrolmentEvent.id.desc()).limit(500)).all()
    return render_template("sessions/events.html", session=session, events=rows,
                           journal_status=lambda code: _journal_status(session, code), journal_reason=_journal_reason)


def _journal_reason(reason: str) -> str:
    """The system's own reasons are codes (the log stays language-neutral); people's reasons are shown as typed."""
    return {"offer expired": _("le délai pour confirmer est passé"),
            "promoted by staff": _("confirmée en priorité par l’équipe"),
            "undo": _("annulation reprise par la personne")}.get(reason, reason)


def _journal_status(session: CourseSession, code: str) -> str:
    """A request is "awaiting approval" only where the school approves; elsewhere it is the
    moment the person asked, immediately followed by a seat or the waitlist."""
    if code == S.REQUESTED and not session.requires_approval:
        return _("Demande d’inscription")
    return services.status_title(code)


# --- a person's training ---------------------------------------------------------------------

@training.route("/me/training")
@login_required
def my_training():
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == current_user.id)
        .options(selectinload(Enrolment.session).selectinload(CourseSession.course).selectinload(Course.text_rows),
                 selectinload(Enrolment.session).selectinload(CourseSession.meetings))
        .order_by(Enrolment.created_at.desc())).all()
    positions = services.waitlist_positions(enrolments)
    now = utcnow()
    current = [e for e in enrolments if e.is_active and not e.session.is_finished
               and not (e.session.ends_at and e.session.ends_at < now)]
    undoable = [e for e in enrolments if e.can_restore(current_user, now)]
    past = [e for e in enrolments if e not in current and e not in undoable]
    upcoming = sorted(((m, e) for e in current if e.status in (S.CONFIRMED, S.OFFERED)
                       for m in e.session.meetings if m.ends_at >= now), key=lambda pair: pair[0].starts_at)
    return render_template("enrolment/my_training.html", current=current, past=past, upcoming=upcoming[:10],
                           undoable=undoable,
                           positions=positions, now=now, form=ConfirmForm(),
                           feed_token=calendar.current_token(current_user) if request.args.get("feed") else None)


@training.route("/me/calendar", methods=["POST"])
@login_required
def calendar_feed():
    """Show (and create) the secret feed address, or replace it: the old address stops working."""
    if ConfirmForm().validate_on_submit():
        calendar.feed_token(current_user, renew=request.form.get("renew") == "1")
        db.session.commit()
        if request.form.get("renew") == "1":
            flash(_("Nouvelle adresse créée : l’ancienne ne fonctionne plus."), "success")
    return redirect(url_for("training.my_training", feed=1) + "#calendar")


_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


@training.route("/calendar/<token>.ics")
def feed(token: str):
    user = calendar.user_for_token(token) if _TOKEN.fullmatch(token) else None
    if user is None or not user.active:
        abort(404)
    return _ics(calendar.feed_ics(user, user.locale), "ecole")


@training.route("/enrolments/<int:enrolment_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_enrolment(enrolment_id: int):
    """GET asks (a mis-tap on a phone must not give a seat away); POST cancels."""
    enrolment = _enrolment_or_404(enrolment_id)
    form = ReasonForm() if enrolment.session.can_manage(current_user) and enrolment.user_id != current_user.id \
        else ConfirmForm()
    if request.method == "GET":
        return render_template("enrolment/cancel.html", enrolment=enrolment, form=form, back=request.args.get("back"),
                               allowed=enrolment.can_cancel(current_user, utcnow()))
    if form.validate_on_submit():
        try:
            services.cancel(enrolment, actor=current_user, reason=form.reason.data if isinstance(form, ReasonForm) else "")
        except EnrolmentError as error:
            _fail(error)
        else:
            db.session.commit()
            if enrolment.user_id == current_user.id:
                flash(_("Votre inscription est annulée. Une erreur ? Vous pouvez la reprendre pendant quelques "
                        "minutes, ci-dessous."), "success")
            else:
                flash(_("L’inscription est annulée."), "success")
    elif isinstance(form, ReasonForm):
        flash(_("Donnez une raison : elle sera transmise à la personne."), "error")
    return redirect(_back(enrolment))


@training.route("/enrolments/<int:enrolment_id>/restore", methods=["POST"])
@login_required
def restore_enrolment(enrolment_id: int):
    enrolment = _enrolment_or_404(enrolment_id)
    if enrolment.user_id != current_user.id:
        abort(403)
    if ConfirmForm().validate_on_submit():
        try:
            services.restore(enrolment, actor=current_user)
        except EnrolmentError as error:
            _fail(error)
        else:
            db.session.commit()
            flash({S.CONFIRMED: _("Votre place est confirmée."),
                   S.WAITLISTED: _("La place a été donnée entre-temps : vous êtes sur la liste d’attente."),
                   S.REQUESTED: _("Votre demande est de nouveau en attente d’accord.")}[S(enrolment.status)],
                  "success")
    return redirect(url_for("training.my_training"))


def _back(enrolment: Enrolment) -> str:
    """Back where the action came from: the approval queue, the person's own page, or the roster."""
    if request.form.get("back") == "queue":
        return url_for("training.queue")
    if enrolment.user_id == current_user.id:
        return url_for("training.my_training")
    return url_for("sessions.manage", session_id=enrolment.session_id) + "#roster"


@training.route("/enrolments/<int:enrolment_id>/accept", methods=["POST"])
@login_required
def accept_offer(enrolment_id: int):
    enrolment = _enrolment_or_404(enrolment_id)
    if enrolment.user_id != current_user.id:
        abort(403)
    if ConfirmForm().validate_on_submit():
        try:
            services.accept_offer(enrolment, actor=current_user)
        except EnrolmentError as error:
            db.session.commit()  # an expired offer is recorded as such
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Votre place est confirmée."), "success")
    return redirect(url_for("training.my_training"))


def _staff_enrolment(enrolment_id: int) -> Enrolment:
    enrolment = _enrolment_or_404(enrolment_id)
    if not enrolment.session.can_manage(current_user):
        abort(403)
    return enrolment


@training.route("/enrolments/<int:enrolment_id>/approve", methods=["POST"])
@staff_required
def approve(enrolment_id: int):
    enrolment = _staff_enrolment(enrolment_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.approve(enrolment, actor=current_user)
        except EnrolmentError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("%(name)s : %(status)s.", name=enrolment.user.display_name(current_language()),
                    status=enrolment.status_title), "success")
    return redirect(_back(enrolment))


@training.route("/enrolments/<int:enrolment_id>/reject", methods=["POST"])
@staff_required
def reject(enrolment_id: int):
    enrolment = _staff_enrolment(enrolment_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.reject(enrolment, form.reason.data.strip(), actor=current_user)
        except EnrolmentError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("La demande est refusée."), "success")
    else:
        flash(_("Donnez une raison : elle sera transmise à la personne."), "error")
    return redirect(_back(enrolment))


@training.route("/enrolments/<int:enrolment_id>/promote", methods=["POST"])
@staff_required
def promote(enrolment_id: int):
    enrolment = _staff_enrolment(enrolment_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.staff_promote(enrolment, actor=current_user)
        except EnrolmentError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("La place est confirmée."), "success")
    return redirect(_back(enrolment))


@training.route("/enrolments/<int:enrolment_id>/result", methods=["POST"])
@staff_required
def result(enrolment_id: int):
    enrolment = _staff_enrolment(enrolment_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.set_result(enrolment, request.form.get("completed") == "1", actor=current_user)
        except EnrolmentError as error:
            _fail(error)
        else:
            db.session.commit()
    return redirect(_back(enrolment))


@training.route("/admin/enrolments")
@staff_required
def queue():
    """Requests waiting for approval: every session for administrators, their own for trainers."""
    query = select(Enrolment).join(CourseSession, CourseSession.id == Enrolment.session_id).where(
        Enrolment.status == S.REQUESTED.value, CourseSession.status == SessionStatus.PUBLISHED.value)
    if not current_user.is_admin:
        query = query.where(CourseSession.trainers.any(id=current_user.id))
    page = db.paginate(query.order_by(Enrolment.created_at), page=page_number(), per_page=50, error_out=False)
    return render_template("enrolment/queue.html", page=page, form=ConfirmForm(), reason_form=ReasonForm())


# --- what the catalogue shows of sessions --------------------------------------------------------

def _upcoming_section(course):
    return "sessions/_upcoming.html", {"upcoming": session_services.upcoming_for_course(course, utcnow())}


def _upcoming_version(course):
    """Changes when a session of the course is added, changes status or fills a seat, and every
    minute (a session that begins leaves the list)."""
    from sqlalchemy import func

    row = db.session.execute(select(func.count(CourseSession.id), func.max(CourseSession.id),
                                    func.sum(CourseSession.seats_taken), func.sum(CourseSession.capacity))
                             .where(CourseSession.course_id == course.id,
                                    CourseSession.status == SessionStatus.PUBLISHED.value)).one()
    return (*row, utcnow().strftime("%Y%m%d%H%M"))


def _courses_with_upcoming_sessions():
    return select(CourseSession.course_id).where(CourseSession.status == SessionStatus.PUBLISHED.value,
                                                 CourseSession.starts_at > utcnow())


def _register_catalogue_hooks() -> None:
    from ecole.catalogue import queries as catalogue_queries
    from ecole.catalogue.views import COURSE_PAGE_SECTIONS, COURSE_PAGE_VERSIONS

    if _upcoming_section not in COURSE_PAGE_SECTIONS:
        COURSE_PAGE_SECTIONS.append(_upcoming_section)
        COURSE_PAGE_VERSIONS.append(_upcoming_version)
    if _courses_with_upcoming_sessions not in catalogue_queries.UPCOMING:
        catalogue_queries.UPCOMING.append(_courses_with_upcoming_sessions)


_register_catalogue_hooks()
