"""Administration: accounts and roles, one-time codes, the audit log."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError

from ecole.accounts import services
from ecole.accounts.forms import AdminPersonForm, RolesForm
from ecole.accounts.models import User, UserRole
from ecole.accounts.services import AccountError
from ecole.admin.audit import AuditFilters, action_choices, actor_choices, audit_query, describe, person_name
from ecole.core.access import admin_required
from ecole.core.forms import ConfirmForm
from ecole.core.pagination import page_number
from ecole.core.sql import contains
from ecole.extensions import db
from ecole.i18n import current_language

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


HISTORY_SIZE = 20  # entries on a person's page; the audit log, filtered on the person, has the rest


def _user_page(person: User, profile_form: AdminPersonForm | None = None):
    roles_form = RolesForm(roles=sorted(person.roles))
    entries = db.session.scalars(audit_query(AuditFilters(person=person.id)).limit(HISTORY_SIZE)).all()
    return render_template("admin/user.html", person=person, roles_form=roles_form, action_form=ConfirmForm(),
                           profile_form=profile_form or AdminPersonForm(obj=person),
                           rows=describe(entries, current_language()))


@admin.route("/users/<int:user_id>")
@admin_required
def user(user_id: int):
    return _user_page(_load_user(user_id))


def _check_identifiers(form: AdminPersonForm, person: User) -> bool:
    """Phone and e-mail checked one by one with the service's own rules, so that each refusal
    (invalid, or already someone else's) is shown under its field; True when both are fine."""
    for name, normalize in (("phone", services.normalize_phone), ("email", services.normalize_email)):
        try:
            value = normalize(form[name].data)
            services.check_identifiers_free(**{"email": None, "phone": None, name: value}, exclude=person)
        except AccountError as error:
            form[name].errors = [*form[name].errors, str(error)]
    return not (form.phone.errors or form.email.errors)


@admin.route("/users/<int:user_id>/profile", methods=["POST"])
@admin_required
def user_profile(user_id: int):
    """An administrator corrects a person's names, phone, e-mail…: the profile's own service and rules."""
    person = _load_user(user_id)
    form = AdminPersonForm()
    if form.validate_on_submit() and _check_identifiers(form, person):
        try:
            services.update_profile(person, form.profile_data(), actor=current_user)
            services.set_functioning(person, form.functioning_answers(), actor=current_user)
            db.session.commit()
        except AccountError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        except IntegrityError:  # another administrator gave the same phone or e-mail a moment ago
            db.session.rollback()
            form.form_errors.append(_("Ce numéro de téléphone ou cette adresse e-mail vient d’être donné à un autre compte."))
        else:
            flash(_("Le profil est enregistré."), "success")
            return redirect(url_for("admin.user", user_id=person.id))
    return _user_page(person, profile_form=form), 400


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
    try:
        code = services.issue_reset_code(person, actor=current_user)
    except AccountError as error:  # an erased person: nobody signs in as them again
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.user", user_id=person.id))
    db.session.commit()
    return render_template("accounts/code_slip.html", person=person, code=code, created=False,
                           ttl_hours=int(current_app.config["RESET_CODE_TTL"].total_seconds() // 3600))


AUDIT_PAGE_SIZE = 50


@admin.route("/audit")
@admin_required
def audit_log():
    filters = AuditFilters.from_args(request.args)
    page = db.paginate(audit_query(filters), page=page_number(), per_page=AUDIT_PAGE_SIZE, error_out=False)
    lang = current_language()
    return render_template("admin/audit.html", page=page, rows=describe(page.items, lang), filters=filters,
                           actions=action_choices(), actors=actor_choices(), person=person_name(filters.person, lang))
