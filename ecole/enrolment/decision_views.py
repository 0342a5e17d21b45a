"""Staff decisions on enrolments: the approval queue, approving and refusing requests, confirming
someone from the waitlist, recording a result."""
from flask import Blueprint, abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ecole.core.access import staff_required
from ecole.core.forms import ConfirmForm
from ecole.core.pages import refuse
from ecole.core.pagination import page_number
from ecole.enrolment import queries, services
from ecole.enrolment.models import Enrolment
from ecole.enrolment.services import EnrolmentError
from ecole.enrolment.views import back_to, enrolment_or_404
from ecole.extensions import db
from ecole.i18n import current_language
from ecole.sessions.forms import ReasonForm

decisions = Blueprint("decisions", __name__)


def _staff_enrolment(enrolment_id: int) -> Enrolment:
    enrolment = enrolment_or_404(enrolment_id)
    if not enrolment.course_session.can_manage(current_user):
        abort(403)
    return enrolment


@decisions.route("/enrolments/<int:enrolment_id>/approve", methods=["POST"])
@staff_required
def approve(enrolment_id: int):
    enrolment = _staff_enrolment(enrolment_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.approve(enrolment, actor=current_user)
        except EnrolmentError as error:
            refuse(error)
        else:
            db.session.commit()
            flash(_("%(name)s : %(status)s.", name=enrolment.user.display_name(current_language()),
                    status=enrolment.status_title), "success")
    return redirect(back_to(enrolment))


@decisions.route("/enrolments/<int:enrolment_id>/reject", methods=["POST"])
@staff_required
def reject(enrolment_id: int):
    enrolment = _staff_enrolment(enrolment_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.reject(enrolment, form.reason.data.strip(), actor=current_user)
        except EnrolmentError as error:
            refuse(error)
        else:
            db.session.commit()
            flash(_("La demande est refusée."), "success")
    else:
        flash(_("Donnez une raison : elle sera transmise à la personne."), "error")
    return redirect(back_to(enrolment))


@decisions.route("/enrolments/<int:enrolment_id>/promote", methods=["POST"])
@staff_required
def promote(enrolment_id: int):
    enrolment = _staff_enrolment(enrolment_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.staff_promote(enrolment, actor=current_user)
        except EnrolmentError as error:
            refuse(error)
        else:
            db.session.commit()
            flash(_("La place est confirmée."), "success")
    return redirect(back_to(enrolment))


@decisions.route("/admin/enrolments")
@staff_required
def queue():
    """Requests waiting for approval: every session for administrators, their own for trainers."""
    page = db.paginate(queries.approval_queue(current_user), page=page_number(), per_page=50, error_out=False)
    return render_template("enrolment/queue.html", page=page, form=ConfirmForm(), reason_form=ReasonForm())
