"""Account operations: register, authenticate, passwords and codes, roles, profile, preferences."""
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError

from ecole.accounts.models import (
    WG_ANSWERS,
    WG_QUESTIONS,
    WG_SUMMARY,
    Audience,
    Disability,
    Gender,
    OneTimeCode,
    Role,
    User,
    UserRole,
    disability_of,
)
from ecole.accounts.passwords import (
    hash_secret,
    is_common_password,
    needs_rehash,
    new_code,
    new_password,
    verify_secret,
)
from ecole.core import audit
from ecole.core.mail import send_mail
from ecole.core.models import utcnow
from ecole.core.transactions import lock_row, take_write_lock, without_write_lock
from ecole.extensions import db

PROFILE_FIELDS = (
    "name_latin", "name_arabic", "name_tifinagh", "gender", "birth_year", "commune",
    "audience", "organisation", "locale",
)
MIN_PASSWORD_LENGTH = 8
# Wrong one-time codes typed for one account before its pending codes are spent (10 chances in
# 100 million to guess an 8-digit code, whatever the number of addresses the guesses come from).
MAX_CODE_ATTEMPTS = 10


class AccountError(ValueError):
    """A refused account operation; str(error) is a translated message for the user."""


def refuse_erased(user: User) -> None:
    """An erased account is never changed again: no profile, role, code or activation brings it back.
    The row is locked and read again first (the caller changes it next): an erasure under way is waited
    for and its end seen, instead of the change writing the names back over it."""
    lock_row(user, columns_only=True)
    if user.erased_at is not None:
        raise AccountError(_("Les données de cette personne ont été effacées : son compte ne peut plus être modifié."))


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


def account_key(identifier: str | None) -> str:
    """One spelling per account (`06 12…`, `06.12…`, `+212 6 12…` are one phone): what per-account limits count."""
    raw = (identifier or "").strip()
    try:
        value = normalize_email(raw) if "@" in raw else normalize_phone(raw)
    except AccountError:
        value = None
    return value or raw.lower()[:254]


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


_SEPARATORS = re.compile(r"[\s().\-/+_.]")


def _squash(text: str) -> str:
    return _SEPARATORS.sub("", (text or "").lower())


def _personal_forms(user: User | None, identifiers: tuple[str | None, ...]) -> set[str]:
    """The spellings of a person's phone number, e-mail address and names that guessers try first."""
    emails, phones, names = set(), set(), set()
    if user is not None:
        emails.add(user.email)
        phones.add(user.phone)
        names.update((user.name_latin, user.name_arabic, user.name_tifinagh))
    for identifier in identifiers:
        try:
            if identifier and "@" in identifier:
                emails.add(normalize_email(identifier))
            elif identifier:
                phones.add(normalize_phone(identifier))
        except AccountError:
            names.add(identifier)  # not an identifier, but what the person typed as one
    forms = set()
    for email in filter(None, emails):
        forms.update((email, email.split("@")[0]))
    for phone in filter(None, phones):
        digits = phone.lstrip("+")
        forms.update((digits, "00" + digits))
        if phone.startswith("+212"):
            forms.update(("0" + phone[4:], phone[4:]))
    forms.update(filter(None, names))
    return {form for form in map(_squash, forms) if form}


def check_password_strength(password: str, *, user: User | None = None, identifiers: tuple[str | None, ...] = (),
                            previous: tuple[str | None, ...] = ()) -> None:
    """Refuse a new password that is short, very common, the person's own phone number, e-mail
    address or name (of `user`, or typed as `identifiers`), or one of `previous` (the one-time
    password or code being replaced)."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Le mot de passe doit contenir au moins 8 caractères."))
    if any(secret and password.strip() == secret.strip() for secret in previous):
        raise AccountError(_("Choisissez un nouveau mot de passe : il doit être différent du mot de passe actuel "
                             "et du code reçu."))
    if is_common_password(password) or _squash(password) in _personal_forms(user, identifiers):
        raise AccountError(_("Ce mot de passe est trop facile à deviner. N’utilisez ni un mot de passe très courant "
                             "(comme « password » ou « 12345678 »), ni votre numéro de téléphone, votre adresse "
                             "e-mail ou votre nom."))


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
    password_hash = None
    if password is not None:
        check_password_strength(password)
        with without_write_lock():  # hashed before the checks that read, so no lock is held meanwhile
            password_hash = hash_secret(password)
    check_identifiers_free(email, phone)
    user = User(email=email, phone=phone, created_by_id=actor.id if actor else None, session_epoch=0,
                active=True, must_change_password=False)
    apply_profile(user, data)
    user.role_rows = [UserRole(role=str(role)) for role in roles]
    code = None
    if password_hash is not None:
        check_password_strength(password, user=user)
        user.password_hash = password_hash
    db.session.add(user)
    db.session.flush()
    if password is None:
        code = _issue_code(user, channel="staff", actor=actor)
    if actor is not None and actor.id != user.id:
        audit.record("user.register", user, actor=actor, roles=sorted(str(r) for r in roles))
    return Registration(user=user, code=code)


@dataclass
class SelfRegistration:
    user: User | None  # None: the phone or e-mail already had an account, which was left as it was
    existing: list[User]  # the accounts that already held the phone or e-mail given


def register_self(data: dict, password: str) -> SelfRegistration:
    """A person registers themself. Whether the phone number or e-mail already has an account
    must not show: the same checks run and the same answer is given either way, and an existing
    account is neither created again nor changed (its owner can be told, see `registration_notice`)."""
    email = normalize_email(data.get("email"))
    phone = normalize_phone(data.get("phone"))
    if not email and not phone:
        raise AccountError(_("Donnez un numéro de téléphone ou une adresse e-mail."))
    probe = User(email=email, phone=phone, locale="fr")  # never added to the session
    apply_profile(probe, data)
    check_password_strength(password, user=probe)
    existing = [user for column, value in ((User.email, email), (User.phone, phone)) if value is not None
                for user in [db.session.scalar(db.select(User).where(column == value))] if user is not None]
    if existing:
        hash_secret(password)  # the work a new account costs, so the time taken does not tell either
        return SelfRegistration(user=None, existing=list({user.id: user for user in existing}.values()))
    try:
        with db.session.begin_nested():
            user = register_user(data, actor=None, password=password).user
    except IntegrityError:  # the same phone or e-mail registered at this very moment by another request
        return SelfRegistration(user=None, existing=[])
    return SelfRegistration(user=user, existing=[])


def registration_notice(user: User) -> tuple[str, str] | None:
    """(subject, body) telling an account's owner that someone tried to register with their address."""
    if not user.email or not user.active:
        return None
    with force_locale(user.locale):
        subject = _("Ecole : quelqu’un a voulu créer un compte avec votre adresse")
        body = _("Bonjour,\n\nQuelqu’un vient de demander la création d’un compte Ecole avec votre adresse e-mail "
                 "ou votre numéro de téléphone. Votre compte existe déjà : il n’a pas été modifié.\n\n"
                 "Si c’était vous, connectez-vous avec votre mot de passe habituel, ou utilisez la page "
                 "« Mot de passe oublié ». Sinon, ignorez ce message.")
    return subject, body


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
    refuse_erased(user)
    email = normalize_email(data.get("email")) if "email" in data else user.email
    phone = normalize_phone(data.get("phone")) if "phone" in data else user.phone
    if not email and not phone:
        raise AccountError(_("Donnez un numéro de téléphone ou une adresse e-mail."))
    check_identifiers_free(email, phone, exclude=user)
    before = {name: getattr(user, name) for name in ("email", "phone", *PROFILE_FIELDS)}
    user.email, user.phone = email, phone
    apply_profile(user, data)
    changed = [name for name, value in before.items() if getattr(user, name) != value]
    if actor.id != user.id and changed:
        # Which fields, not their values: the log is read by every administrator.
        audit.record("user.update", user, actor=actor, fields=changed)
    db.session.flush()
    return user


def set_functioning(user: User, answers: dict | None, *, actor: User) -> User:
    """The person's answers to the Washington Group questions, kept only with their consent.

    `answers` None: no consent, or consent withdrawn; what was kept is erased, with the date of the
    consent. A dict ({"seeing": 1, …}, possibly empty: consent given, nothing answered): kept whole,
    in place of the previous answers; the date of the consent is that of the first one.
    Only the person and administrators may see or set them (`User.can_manage_account`); when it is
    not the person, the change is audited (that it happened, never the answers)."""
    if not user.can_manage_account(actor):
        raise AccountError(_("Seuls la personne et les administrateurs peuvent voir ou modifier ces réponses."))
    refuse_erased(user)
    if answers is None:
        changed = user.functioning is not None or user.functioning_consented_at is not None
        user.functioning, user.functioning_consented_at = None, None
        action = "user.functioning_withdrawn"
    else:
        kept = {}
        for key, value in answers.items():
            if key not in WG_QUESTIONS or type(value) is not int or value not in WG_ANSWERS:
                raise AccountError(_("Choix invalide."))
            kept[key] = value
        changed = user.functioning != kept or user.functioning_consented_at is None
        user.functioning = kept
        if user.functioning_consented_at is None:
            user.functioning_consented_at = utcnow()
        action = "user.functioning"
    if changed and actor.id != user.id:
        audit.record(action, user, actor=actor)
    db.session.flush()
    return user


def set_preferred_language(user: User, lang: str, *, actor: User) -> User:
    """The language a person chose with the switcher: their pages and their notices use it.
    (Nothing to audit: only the person themself changes it, `actor` is them.)"""
    user.locale = lang
    db.session.flush()
    return user


# --- sign-in and passwords ---------------------------------------------------------------

def authenticate(identifier: str, password: str) -> User | None:
    """The active account matching identifier and password, else None (same cost either way)."""
    with without_write_lock():  # Argon2 is slow on purpose: other people's writes go on meanwhile
        user = find_by_identifier(identifier)
        if user is None or not user.active:
            verify_secret(None, password)
            return None
        if not verify_secret(user.password_hash, password):
            return None
        rehashed = hash_secret(password) if needs_rehash(user.password_hash) else None
    take_write_lock()
    user.last_login_at = utcnow()
    if rehashed is not None:  # today's Argon2 parameters (accounts/passwords.py), unless changed meanwhile
        db.session.execute(update(User).where(User.id == user.id, User.password_hash == user.password_hash)
                           .values(password_hash=rehashed), execution_options={"synchronize_session": False})
    return user


def end_all_sessions(user: User) -> None:
    user.session_epoch = (user.session_epoch or 0) + 1


def change_password(user: User, current: str, new: str) -> None:
    """Also the forced change at first sign-in, where `current` is the one-time password: it cannot stay."""
    if not verify_secret(user.password_hash, current):
        raise AccountError(_("Le mot de passe actuel est incorrect."))
    check_password_strength(new, user=user, previous=(current,))
    set_password(user, new)


def check_new_password(user: User, new: str, *, previous: tuple[str | None, ...] = ()) -> None:
    """The rules of `check_password_strength`, and not the account's current password either."""
    check_password_strength(new, user=user, previous=previous)
    if user.password_hash and verify_secret(user.password_hash, new):
        raise AccountError(_("Choisissez un nouveau mot de passe : il doit être différent du mot de passe actuel "
                             "et du code reçu."))


def set_password(user: User, new: str) -> None:
    """Store a new password (checked by the caller: change_password, check_new_password)."""
    check_password_strength(new)
    user.password_hash = hash_secret(new)
    user.must_change_password = False
    end_all_sessions(user)


def _issue_code(user: User, *, channel: str, actor: User | None) -> str:
    # Which older codes a new one spends. Anyone may ask for an e-mailed code for any address, so
    # it spends only older e-mailed codes: a stranger's "forgot password" never voids the code
    # staff printed on the person's slip. A code staff hand over replaces whatever the person
    # had (a lost slip, an old e-mail), so it spends every older code, of every channel.
    now = utcnow()
    older = update(OneTimeCode).where(OneTimeCode.user_id == user.id, OneTimeCode.used_at.is_(None))
    if channel == "email":
        older = older.where(OneTimeCode.channel == "email")
    db.session.execute(older.values(used_at=now), execution_options={"synchronize_session": False})
    code = new_code()
    db.session.add(OneTimeCode(
        user_id=user.id, code_hash=hash_secret(code), channel=channel,
        expires_at=now + current_app.config["RESET_CODE_TTL"], created_by_id=actor.id if actor else None,
    ))
    return code


def issue_reset_code(user: User, *, actor: User) -> str:
    """A one-time code an administrator hands over (most trainees have no e-mail)."""
    refuse_erased(user)
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


def wrong_code_message() -> str:
    """The one answer to a code that does not work, whatever the reason (unknown account included)."""
    return ngettext(
        "Ce code n’est pas valable pour ce compte, ou il a expiré. Après %(num)d code erroné, les codes en "
        "attente de ce compte ne sont plus valables : demandez-en un nouveau.",
        "Ce code n’est pas valable pour ce compte, ou il a expiré. Après %(num)d codes erronés, les codes en "
        "attente de ce compte ne sont plus valables : demandez-en un nouveau.",
        MAX_CODE_ATTEMPTS)


def redeem_code(identifier: str, code: str, new_password_value: str) -> User | None:
    """Set a new password with a valid one-time code; None when identifier or code is wrong, or
    when another request redeemed the same code first (a code works once, whatever the concurrency).

    A wrong code counts against every pending code of the account; the caller commits that too."""
    code = (code or "").strip()
    # Rules that need no account first: their answer must not tell whether the account exists.
    check_password_strength(new_password_value, identifiers=(identifier,), previous=(code,))
    user = find_by_identifier(identifier)
    if user is None or not user.active:
        verify_secret(None, code)
        return None
    now = utcnow()
    pending = (OneTimeCode.user_id == user.id, OneTimeCode.used_at.is_(None), OneTimeCode.expires_at > now)
    candidates = db.session.scalars(db.select(OneTimeCode).where(*pending)).all()
    match = next((candidate.id for candidate in candidates if verify_secret(candidate.code_hash, code)), None)
    if match is None:
        if candidates:
            _count_wrong_code(user.id, now)
        else:
            verify_secret(None, code)
        return None
    check_new_password(user, new_password_value, previous=(code,))  # the code stays valid if refused
    user_id = user.id
    take_write_lock()  # SQLite: queue behind other writers (BEGIN IMMEDIATE) instead of failing
    spent = db.session.execute(
        update(OneTimeCode).where(OneTimeCode.id == match, *pending).values(used_at=now),
        execution_options={"synchronize_session": False},
    )
    if spent.rowcount != 1:
        return None  # redeemed by another request in the meantime
    # A redeemed code spends every other code of the account.
    db.session.execute(update(OneTimeCode).where(OneTimeCode.user_id == user_id, OneTimeCode.used_at.is_(None))
                       .values(used_at=now), execution_options={"synchronize_session": False})
    user = db.session.get(User, user_id)
    set_password(user, new_password_value)
    return user


def _count_wrong_code(user_id: int, now) -> None:
    """A wrong code counts against each pending code of the account; at the limit they are spent."""
    take_write_lock()
    pending = (OneTimeCode.user_id == user_id, OneTimeCode.used_at.is_(None), OneTimeCode.expires_at > now)
    options = {"synchronize_session": False}
    db.session.execute(update(OneTimeCode).where(*pending)
                       .values(failed_attempts=OneTimeCode.failed_attempts + 1), execution_options=options)
    db.session.execute(update(OneTimeCode).where(*pending, OneTimeCode.failed_attempts >= MAX_CODE_ATTEMPTS)
                       .values(used_at=now), execution_options=options)


# --- roles and administration ------------------------------------------------------------

def set_roles(user: User, roles: set[str], *, actor: User) -> User:
    refuse_erased(user)
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
    refuse_erased(user)
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


# --- erasure on request (law 09-08; ecole/privacy/ composes the whole of it) ----------------------

def hold_person(user: User) -> User:
    """The person's row as committed now, locked shared until the transaction ends (PostgreSQL: FOR
    SHARE; SQLite: the write lock). For whoever adds a row about them (an enrolment, a trip document, a
    photo they appear in): an erasure under way (privacy/services.py, which locks them for update before
    anything else) is waited for and its end seen, and one that comes later finds the row to take out.
    Returns the person, for `hold_person(user).erased_at`."""
    lock_row(user, columns_only=True, shared=True)
    return user


def erase_account(user: User, *, now) -> None:
    """The account of a person erased on request. Gone: the names, phone, e-mail, password, codes,
    organisation, roles, last sign-in and the Washington Group answers; every session and remember
    cookie stops working (the epoch), and nobody can sign in as them again (no identifier, no
    password, inactive). Kept, for the funders' counts (ecole/reports/indicators.py): gender, birth
    year, commune, audience and the disability value alone. The phone and e-mail are free for a new
    account. (Checks, the lock and the audit entry are the caller's.)"""
    db.session.execute(delete(OneTimeCode).where(OneTimeCode.user_id == user.id))
    disability = disability_of(user.functioning)
    user.functioning = {WG_SUMMARY: disability.value} if disability is not Disability.NOT_STATED else None
    user.functioning_consented_at = None
    user.name_latin, user.name_arabic, user.name_tifinagh, user.organisation = "", "", "", ""
    user.email = user.phone = user.password_hash = user.last_login_at = None
    user.locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    user.must_change_password, user.active = False, False
    user.role_rows = []
    end_all_sessions(user)
    user.erased_at = now
    db.session.flush()
