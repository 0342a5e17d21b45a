"""A person's notices, and the list of people staff must phone (no e-mail address)."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecole.core.access import login_required, staff_required
from ecole.core.forms import ConfirmForm
from ecole.core.pagination import page_number
from ecole.extensions import db
from ecole.i18n import current_language
from ecole.notifications import queries, services
from ecole.notifications.models import Notification

notifications = Blueprint("notifications", __name__)

@notifications.route("/notifications")
@login_required
def index():
    page = db.paginate(queries.notices_of(current_user), page=page_number(), per_page=30, error_out=False)
    texts = services.render(page.items, current_language())
    return render_template("notifications/index.html", page=page, texts=texts, form=ConfirmForm())


@notifications.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    if ConfirmForm().validate_on_submit():
        services.mark_all_read(current_user)
        db.session.commit()
    return redirect(url_for("notifications.index"))


@notifications.route("/calls")
@staff_required
def calls():
    page = db.paginate(queries.calls_for(current_user), page=page_number(), per_page=50, error_out=False)
    # Each notice in the language of the person phoned: that is what the caller reads out.
    texts = {}
    for notification in page.items:
        texts.update(services.render([notification], notification.user.locale))
    return render_template("notifications/calls.html", page=page, texts=texts, form=ConfirmForm())


@notifications.route("/calls/<int:notification_id>/done", methods=["POST"])
@staff_required
def call_done(notification_id: int):
    notification = db.session.scalar(queries.calls_for(current_user).where(Notification.id == notification_id))
    if notification is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.mark_called(notification, actor=current_user)
        db.session.commit()
        flash(_("Appel noté."), "success")
    return redirect(url_for("notifications.calls"))
