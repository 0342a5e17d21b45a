"""A person's notices, and the list of people staff must phone (no e-mail address)."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ecole.accounts.forms import ConfirmForm
from ecole.core.access import login_required, staff_required
from ecole.core.pagination import page_number
from ecole.extensions import db
from ecole.i18n import current_language
from ecole.notifications import services
from ecole.notifications.models import Notification

notifications = Blueprint("notifications", __name__)

# Which notices a trainer must phone about: hooks from higher domains (sessions they teach).
CALL_SCOPES: list = []


@notifications.route("/notifications")
@login_required
def index():
    page = db.paginate(select(Notification).where(Notification.user_id == current_user.id)
                       .order_by(Notification.created_at.desc(), Notification.id.desc()),
                       page=page_number(), per_page=30, error_out=False)
    texts = services.render(page.items, current_language())
    return render_template("notifications/index.html", page=page, texts=texts, form=ConfirmForm())


@notifications.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    if ConfirmForm().validate_on_submit():
        services.mark_all_read(current_user)
        db.session.commit()
    return redirect(url_for("notifications.index"))


def _calls_query():
    query = select(Notification).where(Notification.needs_call.is_(True), Notification.called_at.is_(None))
    if not current_user.is_admin:
        for scope in CALL_SCOPES:
            query = scope(query, current_user)
    return query.order_by(Notification.created_at)


@notifications.route("/calls")
@staff_required
def calls():
    page = db.paginate(_calls_query(), page=page_number(), per_page=50, error_out=False)
    # Each notice in the language of the person phoned: that is what the caller reads out.
    texts = {}
    for notification in page.items:
        texts.update(services.render([notification], notification.user.locale))
    return render_template("notifications/calls.html", page=page, texts=texts, form=ConfirmForm())


@notifications.route("/calls/<int:notification_id>/done", methods=["POST"])
@staff_required
def call_done(notification_id: int):
    notification = db.session.scalar(_calls_query().where(Notification.id == notification_id))
    if notification is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.mark_called(notification, actor=current_user)
        db.session.commit()
        flash(_("Appel noté."), "success")
    return redirect(url_for("notifications.calls"))
