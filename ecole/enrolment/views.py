"""A person's own training: their enrolments and meetings, cancelling (asked first, undone for a
few minutes), accepting an offer, and their calendar feed."""
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecole.attendance import queries as attendance_queries
from ecole.attendance import survey
from ecole.core.access import login_required
from ecole.core.cache import cached_page
from ecole.core.forms import ConfirmForm
from ecole.core.models import utcnow
from ecole.core.pages import ics_response, refuse
from ecole.enrolment import calendar, queries, services
from ecole.enrolment.models import Enrolment
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.enrolment.services import EnrolmentError
from ecole.extensions import db
from ecole.sessions.forms import ReasonForm

training = Blueprint("training", __name__)


def enrolment_or_404(enrolment_id: int) -> Enrolment:
    """An enrolment its reader may see (the person, their session's staff); anything else is a 404."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or not enrolment.can_see(current_user):
        abort(404)
    return enrolment


def back_to(enrolment: Enrolment) -> str:
    """Back where the action came from: the approval queue, the person's own page, or the roster."""
    if request.form.get("back") == "queue":
        return url_for("decisions.queue")
    if enrolment.user_id == current_user.id:
        return url_for("training.my_training")
    return url_for("sessions.manage", session_id=enrolment.session_id) + "#roster"


@training.route("/me/training")
@login_required
@cached_page
def my_training():
    enrolments = queries.enrolments_of(current_user)
    positions = services.waitlist_positions(enrolments)
    now = utcnow()
    current = [e for e in enrolments if e.is_active and not e.course_session.is_finished
               and not (e.course_session.ends_at and e.course_session.ends_at < now)]
    undoable = [e for e in enrolments if e.can_restore(current_user, now)]
    past = [e for e in enrolments if e not in current and e not in undoable]
    upcoming = sorted(((m, e) for e in current if e.status in (S.CONFIRMED, S.OFFERED)
                       for m in e.course_session.meetings if m.ends_at >= now), key=lambda pair: pair[0].starts_at)
    answered = attendance_queries.answered_sessions(current_user, [e.session_id for e in enrolments])
    survey_due = {e.session_id for e in enrolments if e.status in survey.ASKED and e.session_id not in answered
                  and survey.is_open(e.course_session, now)}
    return render_template("enrolment/my_training.html", current=current, past=past, upcoming=upcoming[:10],
                           undoable=undoable, survey_due=survey_due,
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
    return ics_response(calendar.feed_ics(user, user.locale), "ecole")


@training.route("/enrolments/<int:enrolment_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_enrolment(enrolment_id: int):
    """GET asks (a mis-tap on a phone must not give a seat away); POST cancels."""
    enrolment = enrolment_or_404(enrolment_id)
    form = ReasonForm() if enrolment.course_session.can_manage(current_user) and enrolment.user_id != current_user.id \
        else ConfirmForm()
    if request.method == "GET":
        return render_template("enrolment/cancel.html", enrolment=enrolment, form=form, back=request.args.get("back"),
                               allowed=enrolment.can_cancel(current_user, utcnow()))
    if form.validate_on_submit():
        try:
            services.cancel(enrolment, actor=current_user, reason=form.reason.data if isinstance(form, ReasonForm) else "")
        except EnrolmentError as error:
            refuse(error)
        else:
            # Worded and addressed before the commit, which would have the enrolment and the person read again.
            target = back_to(enrolment)
            message = (_("Votre inscription est annulée. Une erreur ? Vous pouvez la reprendre pendant quelques "
                         "minutes, ci-dessous.") if enrolment.user_id == current_user.id
                       else _("L’inscription est annulée."))
            db.session.commit()
            flash(message, "success")
            return redirect(target)
    elif isinstance(form, ReasonForm):
        flash(_("Donnez une raison : elle sera transmise à la personne."), "error")
    return redirect(back_to(enrolment))


@training.route("/enrolments/<int:enrolment_id>/restore", methods=["POST"])
@login_required
def restore_enrolment(enrolment_id: int):
    enrolment = enrolment_or_404(enrolment_id)
    if enrolment.user_id != current_user.id:
        abort(403)
    if ConfirmForm().validate_on_submit():
        try:
            services.restore(enrolment, actor=current_user)
        except EnrolmentError as error:
            refuse(error)
        else:
            message = {S.CONFIRMED: _("Votre place est confirmée."),
                       S.WAITLISTED: _("La place a été donnée entre-temps : vous êtes sur la liste d’attente."),
                       S.REQUESTED: _("Votre demande est de nouveau en attente d’accord.")}[S(enrolment.status)]
            db.session.commit()
            flash(message, "success")
    return redirect(url_for("training.my_training"))


@training.route("/enrolments/<int:enrolment_id>/accept", methods=["POST"])
@login_required
def accept_offer(enrolment_id: int):
    enrolment = enrolment_or_404(enrolment_id)
    if enrolment.user_id != current_user.id:
        abort(403)
    if ConfirmForm().validate_on_submit():
        try:
            services.accept_offer(enrolment, actor=current_user)
        except EnrolmentError as error:
            db.session.commit()  # an expired offer is recorded as such
            flash(str(error), "error")
        else:
            message = _("Votre place est confirmée.")  # worded before the commit expires the person
            db.session.commit()
            flash(message, "success")
    return redirect(url_for("training.my_training"))
