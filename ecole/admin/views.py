"""Administration: accounts and roles, one-time codes, the audit log."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_

from ecole.accounts import services
from ecole.accounts.forms import ConfirmForm, RolesForm
from ecole.accounts.models import User, UserRole
from ecole.accounts.services import AccountError
from ecole.core.access import admin_required
from ecole.core.audit import AuditEntry
from ecole.core.pagination import page_number
from ecole.core.sql import contains
from ecole.extensions import db

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.route("/")
@admin_required
def dashboard():
    return redirect(url_for("admin.users"))


@admin.route("/users")
@admin_required
def users():
    query = db.select(User).order_by(User.name_latin, User.id)
    q = (request.args.get("q") or "").strip()[:100]
    if q:
        query = query.where(or_(
            contains(User.name_latin, q, ignore_case=True), contains(User.name_arabic, q),
            contains(User.name_tifinagh, q), contains(User.email, q, ignore_case=True), contains(User.phone, q),
            contains(User.commune, q, ignore_case=True),
        ))
    role = request.args.get("role")
    if role in ("trainee", "trainer", "admin"):
        query = query.where(User.id.in_(db.select(UserRole.user_id).where(UserRole.role == role)))
    page = db.paginate(query, page=page_number(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("admin/users.html", page=page, q=q, role=role)


def _load_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@admin.route("/users/<int:user_id>")
@admin_required
def user(user_id: int):
    person = _load_user(user_id)
    roles_form = RolesForm(roles=sorted(person.roles))
    entries = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.target_type == "User", AuditEntry.target_id == str(person.id))
        .order_by(AuditEntry.at.desc()).limit(20)
    ).all()
    return render_template("admin/user.html", person=person, roles_form=roles_form, action_form=ConfirmForm(),
                           entries=entries)


@admin.route("/users/<int:user_id>/roles", methods=["POST"])
@admin_required
def user_roles(user_id: int):
    person = _load_user(user_id)
    form = RolesForm()
    if not form.validate_on_submit():
        flash(_("Choix invalide."), "error")
        return redirect(url_for("admin.user", user_id=person.id))
    try:
        services.set_roles(person, set(form.roles.data), actor=current_user)
    except AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Les rôles sont enregistrés."), "success")
    return redirect(url_for("admin.user", user_id=person.id))


@admin.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def user_active(user_id: int):
    person = _load_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.set_active(person, not person.active, actor=current_user)
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Le compte est réactivé.") if person.active else _("Le compte est désactivé."), "success")
    return redirect(url_for("admin.user", user_id=person.id))


@admin.route("/users/<int:user_id>/code", methods=["POST"])
@admin_required
def user_code(user_id: int):
    person = _load_user(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.user", user_id=person.id))
    code = services.issue_reset_code(person, actor=current_user)
    db.session.commit()
    return render_template("accounts/code_slip.html", person=person, code=code, created=False,
                           ttl_hours=int(current_app.config["RESET_CODE_TTL"].total_seconds() // 3600))


@admin.route("/audit")
@admin_required
def audit_log():
    query = db.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    action = (request.args.get("action") or "").strip()[:64]
    if action:
        query = query.where(AuditEntry.action == action)
    page = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    return render_template("admin/audit.html", page=page, action=action)
