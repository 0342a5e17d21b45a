"""Account operations: register, authenticate, passwords and codes, roles, profile, preferences."""
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func

from ecole.accounts.models import Audience, Gender, OneTimeCode, Role, User, UserRole
from ecole.accounts.passwords import hash_secret, new_code, new_password, verify_secret
from ecole.core import audit
from ecole.core.mail import send_mail
from ecole.core.models import utcnow
from ecole.extensions import db

PROFILE_FIELDS = (
    "name_latin", "name_arabic", "name_tifinagh", "gender", "birth_year", "commune",
    "audience", "organisation", "locale",
)
MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A refused account operation; str(error) is a translated message for the user."""


# --- identifiers -------------------------------------------------------------------------

_PHONE_CHARS = re.compile(r"[\s().\-/]")


def normalize_phone(raw: str | None) -> str | None:
    """Moroccan numbers (06…, 07…, 05…, +212…, 00212…) and other international ones, as E.164."""
    if not raw or not raw.strip():
        return None
    number = _PHONE_CHARS.sub("", raw.strip())
    if number.startswith("00"):
        number = "+" + number[2:]
    if re.fullmatch(r"0[5-7]\d{8}", number):
        number = "+212" + number[1:]
    if not re.fullmatch(r"\+[1-9]\d{7,14}", number):
        raise AccountError(_("Numéro de téléphone invalide : écrivez par exemple 0612345678 ou +212612345678."))
    if number.startswith("+212") and not re.fullmatch(r"\+212[5-7]\d{8}", number):
        raise AccountError(_("Numéro de téléphone invalide : écrivez par exemple 0612345678 ou +212612345678."))
    return number


def normalize_email(raw: str | None) -> str | None:
    if not raw or not raw.strip():
        return None
    email = raw.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) or len(email) > 254:
        raise AccountError(_("Adresse e-mail invalide."))
    return email


def find_by_identifier(identifier: str | None) -> User | None:
    """The account for an e-mail address or a phone number as a person types it, or None."""
    if not identifier or not identifier.strip():
        return None
    identifier = identifier.strip()
    try:
        if "@" in identifier:
            value = normalize_email(identifier)
            return db.session.scalar(db.select(User).where(User.email == value))
        value = normalize_phone(identifier)
    except AccountError:
        return None
    return db.session.scalar(db.select(User).where(User.phone == value))


def check_identifiers_free(email: str | None, phone: str | None, *, exclude: User | None = None) -> None:
    for column, value, message in (
        (User.email, email, _("Un compte existe déjà avec cette adresse e-mail.")),
        (User.phone, phone, _("Un compte existe déjà avec ce numéro de téléphone.")),
    ):
        if value is None:
            continue
        query = db.select(User.id).where(column == value)
        if exclude is not None:
            query = query.where(User.id != exclude.id)
        if db.session.scalar(query) is not None:
            raise AccountError(message)


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Le mot de passe doit contenir au moins 8 caractères."))


# --- registration ------------------------------------------------------------------------

@dataclass
class Registration:
    user: User
    code: str | None  # one-time code to hand over when staff registered the person without a password


def register_user(data: dict, *, actor: User | None, password: str | None = None,
                  roles: tuple[str, ...] = (Role.TRAINEE,)) -> Registration:
    """Create an account. A person registers themself with a password; staff get a code to hand over."""
    email = normalize_email(data.get("email"))
    phone = normalize_phone(data.get("phone"))
    if not email and not phone:
        raise AccountError(_("Donnez un numéro de téléphone ou une adresse e-mail."))
    check_identifiers_free(email, phone)
    user = User(email=email, phone=phone, created_by_id=actor.id if actor else None, session_epoch=0,
                active=True, must_change_password=False)
    apply_profile(user, data)
    user.role_rows = [UserRole(role=str(role)) for role in roles]
    code = None
    if password is not None:
        check_password_strength(password)
        user.password_hash = hash_secret(password)
    db.session.add(user)
    db.session.flush()
    if password is None:
        code = _issue_code(user, channel="staff", actor=actor)
    if actor is not None and actor.id != user.id:
        audit.record("user.register", user, actor=actor, roles=sorted(str(r) for r in roles))
    return Registration(user=user, code=code)


def apply_profile(user: User, data: dict) -> None:
    """Copy and check the profile fields present in `data` (the same rules for forms and CSV files)."""
    for field in PROFILE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if isinstance(value, str):
            value = value.strip()
        if field in ("gender", "birth_year"):
            value = value or None
        elif value is None:
            value = ""
        setattr(user, field, value)
    if not (user.name_latin or "").strip():
        raise AccountError(_("Le nom en caractères latins est obligatoire."))
    for field, limit in (("name_latin", 120), ("name_arabic", 120), ("name_tifinagh", 120),
                         ("commune", 120), ("organisation", 160)):
        if len(getattr(user, field) or "") > limit:
            raise AccountError(_("Texte trop long (%(limit)d caractères au plus).", limit=limit))
    if user.gender is not None and user.gender not in {g.value for g in Gender}:
        raise AccountError(_("Genre invalide."))
    if user.birth_year is not None:
        try:
            user.birth_year = int(user.birth_year)
        except (TypeError, ValueError):
            raise AccountError(_("Année de naissance invalide.")) from None
        if not 1900 <= user.birth_year <= utcnow().year - 10:
            raise AccountError(_("Année de naissance invalide."))
    if not user.audience:
        user.audience = Audience.OTHER.value
    if user.audience not in {a.value for a in Audience}:
        raise AccountError(_("Catégorie de public invalide."))
    if user.locale not in current_app.config["LANGUAGES"]:
        user.locale = current_app.config["BABEL_DEFAULT_LOCALE"]


def update_profile(user: User, data: dict, *, actor: User) -> User:
    email = normalize_email(data.get("email")) if "email" in data else user.email
    phone = normalize_phone(data.get("phone")) if "phone" in data else user.phone
    if not email and not phone:
        raise AccountError(_("Donnez un numéro de téléphone ou une adresse e-mail."))
    check_identifiers_free(email, phone, exclude=user)
    user.email, user.phone = email, phone
    apply_profile(user, data)
    if actor.id != user.id:
        audit.record("user.update", user, actor=actor)
    db.session.flush()
    return user


def set_preferred_language(user: User, lang: str) -> None:
    """Remember a language chosen with ?lang= on the profile (its own small transaction)."""
    user.locale = lang
    db.session.commit()


# --- sign-in and passwords ---------------------------------------------------------------

def authenticate(identifier: str, password: str) -> User | None:
    """The active account matching identifier and password, else None (same cost either way)."""
    user = find_by_identifier(identifier)
    if user is None or not user.active:
        verify_secret(None, password)
        return None
    if not verify_secret(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def end_all_sessions(user: User) -> None:
    user.session_epoch = (user.session_epoch or 0) + 1


def change_password(user: User, current: str, new: str) -> None:
    if not verify_secret(user.password_hash, current):
        raise AccountError(_("Le mot de passe actuel est incorrect."))
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    check_password_strength(new)
    user.password_hash = hash_secret(new)
    user.must_change_password = False
    end_all_sessions(user)


def _issue_code(user: User, *, channel: str, actor: User | None) -> str:
    # Only the newest code works: older unused ones are spent.
    now = utcnow()
    for old in db.session.scalars(
        db.select(OneTimeCode).where(OneTimeCode.user_id == user.id, OneTimeCode.used_at.is_(None))
    ):
        old.used_at = now
    code = new_code()
    db.session.add(OneTimeCode(
        user_id=user.id, code_hash=hash_secret(code), channel=channel,
        expires_at=now + current_app.config["RESET_CODE_TTL"], created_by_id=actor.id if actor else None,
    ))
    return code


def issue_reset_code(user: User, *, actor: User) -> str:
    """A one-time code an administrator hands over (most trainees have no e-mail)."""
    code = _issue_code(user, channel="staff", actor=actor)
    audit.record("user.reset_code", user, actor=actor)
    db.session.flush()
    return code


def send_reset_email(identifier: str) -> None:
    """E-mail a code when the identifier is an account with an address; silent otherwise."""
    user = find_by_identifier(identifier)
    if user is None or not user.email or not user.active:
        return
    code = _issue_code(user, channel="email", actor=None)
    db.session.flush()
    with force_locale(user.locale):
        subject = _("École : votre code pour choisir un nouveau mot de passe")
        body = _(
            "Bonjour,\n\nVotre code est : %(code)s\nIl est valable 48 heures. Ouvrez la page "
            "« Mot de passe oublié » puis « J’ai un code », et saisissez-le avec votre adresse e-mail.\n\n"
            "Si vous n’avez rien demandé, ignorez ce message.",
            code=code,
        )
    send_mail(user.email, subject, body)


def redeem_code(identifier: str, code: str, new_password_value: str) -> User | None:
    """Set a new password with a valid one-time code; None when identifier or code is wrong."""
    check_password_strength(new_password_value)
    user = find_by_identifier(identifier)
    if user is None or not user.active:
        verify_secret(None, code)
        return None
    now = utcnow()
    candidates = db.session.scalars(
        db.select(OneTimeCode).where(
            OneTimeCode.user_id == user.id, OneTimeCode.used_at.is_(None), OneTimeCode.expires_at > now
        )
    ).all()
    for candidate in candidates:
        if verify_secret(candidate.code_hash, (code or "").strip()):
            candidate.used_at = now
            set_password(user, new_password_value)
            return user
    if not candidates:
        verify_secret(None, code)
    return None


# --- roles and administration ------------------------------------------------------------

def set_roles(user: User, roles: set[str], *, actor: User) -> User:
    roles = {str(Role(r)) for r in roles}
    if user.id == actor.id and Role.ADMIN not in roles:
        raise AccountError(_("Vous ne pouvez pas retirer votre propre rôle d’administrateur."))
    before = user.roles
    if roles == before:
        return user
    user.role_rows = [row for row in user.role_rows if row.role in roles]
    for role in sorted(roles - before):
        user.role_rows.append(UserRole(role=role))
    end_all_sessions(user)  # a changed role takes effect on every device at once
    audit.record("user.roles", user, actor=actor, before=sorted(before), after=sorted(roles))
    db.session.flush()
    return user


def set_active(user: User, active: bool, *, actor: User) -> User:
    if user.id == actor.id and not active:
        raise AccountError(_("Vous ne pouvez pas désactiver votre propre compte."))
    if user.active == active:
        return user
    user.active = active
    end_all_sessions(user)
    audit.record("user.activate" if active else "user.deactivate", user, actor=actor)
    db.session.flush()
    return user


def create_user(data: dict, *, roles: tuple[str, ...], password: str | None, actor: User | None) -> User:
    """Command-line creation of one account (admin, trainer or trainee)."""
    registration = register_user(data, actor=actor, password=password, roles=roles)
    return registration.user


def ensure_first_admin() -> tuple[User, str] | None:
    """Create the first administrator when there is none; return it with its one-time password."""
    exists = db.session.scalar(db.select(func.count()).select_from(UserRole).where(UserRole.role == Role.ADMIN))
    if exists:
        return None
    email = "admin@ecole.local"
    password = new_password()
    user = find_by_identifier(email)
    if user is None:
        user = register_user(
            {"email": email, "name_latin": "Administrateur", "locale": "fr"},
            actor=None, password=password, roles=(Role.ADMIN,),
        ).user
    else:
        user.role_rows.append(UserRole(role=Role.ADMIN))
        user.password_hash = hash_secret(password)
    user.must_change_password = True
    audit.record("user.first_admin", user, actor=None)
    db.session.flush()
    return user, password
