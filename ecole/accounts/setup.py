"""Binds accounts to Flask-Login: loading users by id and epoch, and the forced password change."""
from flask import Flask, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ecole.accounts.models import AUDIENCE_TITLES, GENDER_TITLES, ROLE_TITLES, Audience, Gender, Role, User
from ecole.extensions import db, login_manager

# Titles of this domain's audit actions (create_app gives them to core/audit.py).
ACTION_TITLES = {
    "user.register": _l("Inscription d’une personne"),
    "user.update": _l("Modification d’un profil"),
    "user.functioning": _l("Réponses sur les difficultés fonctionnelles enregistrées"),
    "user.functioning_withdrawn": _l("Réponses sur les difficultés fonctionnelles effacées (accord retiré)"),
    "user.roles": _l("Changement de rôles"),
    "user.activate": _l("Réactivation d’un compte"),
    "user.deactivate": _l("Désactivation d’un compte"),
    "user.reset_code": _l("Code de mot de passe remis"),
    "user.first_admin": _l("Création du premier administrateur"),
}

# Pages a person who must change their password can still reach.
OPEN_DURING_PASSWORD_CHANGE = {"account.password", "auth.logout", "static", "main.healthz"}


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        raw_id, raw_epoch = user_id.split(".")
        ident, epoch = int(raw_id), int(raw_epoch)
    except (AttributeError, ValueError):
        return None
    user = db.session.get(User, ident, options=[joinedload(User.role_rows)])  # one statement, roles with it
    if user is None or user.session_epoch != epoch or not user.active:
        return None
    return user


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Connectez-vous pour voir cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    app.jinja_env.globals.update(
        role_title=lambda code: ROLE_TITLES[Role(code)],
        audience_title=lambda code: AUDIENCE_TITLES.get(Audience(code), code) if code in set(Audience) else code,
        gender_title=lambda code: GENDER_TITLES[Gender(code)] if code in set(Gender) else "",
    )

    @app.before_request
    def force_password_change():
        if (current_user.is_authenticated and current_user.must_change_password
                and request.endpoint not in OPEN_DURING_PASSWORD_CHANGE):
            return redirect(url_for("account.password"))
