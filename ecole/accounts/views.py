"""Sign-in, registration, password recovery, the profile, and registration on someone's behalf."""
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from ecole.accounts import services
from ecole.accounts.forms import (
    AdminPersonForm,
    ForgotPasswordForm,
    FunctioningFields,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    PersonForm,
    ProfileForm,
    RedeemCodeForm,
    RegistrationForm,
)
from ecole.accounts.services import AccountError
from ecole.core.access import is_safe_next, login_required, safe_next, staff_required
from ecole.core.forms import form_status
from ecole.core.mail import send_mail
from ecole.core.pages import save_form
from ecole.extensions import db, limiter
from ecole.i18n import current_language, remember_in_cookie

auth = Blueprint("auth", __name__)
account = Blueprint("account", __name__, url_prefix="/account")
people = Blueprint("people", __name__, url_prefix="/people")


# Sign-in and code limits count every attempt when it arrives (an atomic increment, so parallel
# requests cannot all slip under the limit, as "check now, count after the answer" let them), and a
# success gives its attempt back: only failures use up the limit, and a school's many people
# signing in from one address are not held back.
def _give_attempt_back() -> None:
    limiter.give_back()


def _account_key() -> str:
    # Per account, not per spelling: 0612043512, 06 12 04 35 12 and +212612043512 count together.
    return "account:" + services.account_key(request.form.get("identifier"))


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@auth.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=("POST",))
@limiter.limit(_login_limit, methods=("POST",), key=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next())
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.identifier.data, form.password.data)
        if user is not None:
            session.clear()  # no session fixation: a new session starts at sign-in
            login_user(user, remember=form.remember.data)
            # Its CSRF secret too, now: the answer carries the whole new session, so the pages that
            # follow leave it as it is and can be kept (core/cache.py).
            g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)
            generate_csrf()
            db.session.commit()
            _give_attempt_back()
            if user.must_change_password:
                flash(_("Choisissez votre propre mot de passe avant de continuer."), "info")
                return redirect(url_for("account.password"))
            return redirect(safe_next())
        # One message whether the account exists or not.
        form.form_errors.append(_("Téléphone, e-mail ou mot de passe incorrect."))
    return render_template("accounts/login.html", form=form), form_status(form)


@auth.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("main.home"))


@auth.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=("POST",))
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    if request.method == "GET":
        form.locale.data = current_language()
    if form.validate_on_submit():
        try:
            registration = services.register_self(form.profile_data(), form.password.data)
        except AccountError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            # The same answer whether the phone or e-mail was free or already had an account (which is
            # left unchanged): this page must not tell who has an account. Nobody is signed in here.
            flash(_("Votre compte est prêt : connectez-vous avec votre numéro de téléphone ou votre adresse "
                    "e-mail et votre mot de passe. Si vous aviez déjà un compte, il n’a pas été modifié : "
                    "utilisez votre mot de passe habituel ou « Mot de passe oublié »."), "success")
            response = redirect(url_for("auth.login"))
            notices = [(user.email, *notice) for user in registration.existing
                       if (notice := services.registration_notice(user)) is not None]
            if notices:
                # Sent once the answer has left, so that its timing does not tell an account exists.
                response.call_on_close(_mailer(notices))
            return response
    return render_template("accounts/register.html", form=form), form_status(form)


def _mailer(notices: list[tuple[str, str, str]]):
    app = current_app._get_current_object()

    def send() -> None:
        with app.app_context():
            for address, subject, body in notices:
                send_mail(address, subject, body)

    return send


@auth.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=("POST",))
@limiter.limit(_login_limit, methods=("POST",), key=_account_key)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.send_reset_email(form.identifier.data)
        db.session.commit()
        # The same answer for every identifier: this page must not reveal who has an account.
        flash(_("Si ce compte a une adresse e-mail, un code vient d’y être envoyé. Sinon, demandez un code "
                "à l’administration de l’école ou à votre formateur."), "info")
        return redirect(url_for("auth.redeem_code"))
    return render_template("accounts/forgot.html", form=form), form_status(form)


@auth.route("/password/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=("POST",))
@limiter.limit(_login_limit, methods=("POST",), key=_account_key)
def redeem_code():
    form = RedeemCodeForm()
    if form.validate_on_submit():
        try:
            user = services.redeem_code(form.identifier.data, form.code.data, form.password.data)
        except AccountError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()  # the new password, or the wrong attempt counted against the codes
            if user is not None:
                _give_attempt_back()
                flash(_("Votre mot de passe est changé. Connectez-vous avec le nouveau."), "success")
                return redirect(url_for("auth.login"))
            form.form_errors.append(services.wrong_code_message())
    return render_template("accounts/redeem.html", form=form), form_status(form)


@account.route("", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)

    def save():
        services.update_profile(current_user, form.profile_data(), actor=current_user)
        services.set_functioning(current_user, form.functioning_answers(), actor=current_user)

    if save_form(form, save, _("Votre profil est enregistré."), refused=(AccountError,)):
        return redirect(url_for("account.profile", lang=current_user.locale))
    return render_template("accounts/profile.html", form=form), form_status(form)


@account.route("/language", methods=["POST"])
@login_required
def language():
    """The language switcher of a signed-in person: a deliberate choice, so it becomes their preferred
    language (that of their notices) as well as this browser's. A `?lang=` link only sets the cookie."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)  # only the switcher's buttons post here: anything else is not a person's mistake
    services.set_preferred_language(current_user, form.lang.data, actor=current_user)
    db.session.commit()
    back = form.next.data or ""
    # (no control characters: a CR/LF would end in a Location header)
    response = redirect(back if is_safe_next(back) and back.isprintable() else url_for("main.home"))
    remember_in_cookie(response, form.lang.data)
    return response


@account.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except AccountError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            # Other devices are signed out by the new epoch; this one signs in again with it.
            login_user(current_user._get_current_object(), remember=False)
            flash(_("Votre mot de passe est changé. Vos autres appareils sont déconnectés."), "success")
            return redirect(url_for("account.profile"))
    return render_template("accounts/password.html", form=form), form_status(form)


@people.route("/new", methods=["GET", "POST"])
@staff_required
def register_person():
    # The functioning questions only for administrators: trainers neither see nor set the answers.
    form = AdminPersonForm() if current_user.is_admin else PersonForm()
    if request.method == "GET":
        form.locale.data = current_language()
    if form.validate_on_submit():
        try:
            registration = services.register_user(form.profile_data(), actor=current_user)
            if isinstance(form, FunctioningFields):
                services.set_functioning(registration.user, form.functioning_answers(), actor=current_user)
        except AccountError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            # Shown once, straight from the POST: the code is never stored in clear.
            return render_template("accounts/code_slip.html", person=registration.user, code=registration.code,
                                   ttl_hours=int(current_app.config["RESET_CODE_TTL"].total_seconds() // 3600),
                                   created=True)
    return render_template("accounts/person_new.html", form=form), form_status(form)

