"""Forms for sign-in, registration, profiles, passwords and role management."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import EqualTo, Length, Optional

from ecole.accounts.models import AUDIENCE_TITLES, GENDER_TITLES, ROLE_TITLES
from ecole.core.forms import REQUIRED, BaseForm, MultiCheckboxField
from ecole.i18n import LANGUAGE_NAMES

# The rule itself, not "invalid length": the other rules (common passwords…) are the service's.
NEW_PASSWORD_LENGTH = Length(min=8, max=200, message=_l("Le mot de passe doit contenir entre 8 et 200 caractères."))
NEW_PASSWORD_RULE = _l("Pas un mot de passe très courant, ni votre numéro de téléphone, votre adresse e-mail "
                       "ou votre nom.")


def _choices(titles: dict, blank=None):
    choices = [(str(key), label) for key, label in titles.items()]
    return ([("", blank)] if blank is not None else []) + choices


class LoginForm(BaseForm):
    identifier = StringField(_l("Téléphone ou e-mail"), [REQUIRED, Length(max=254)],
                             render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Mot de passe"), [REQUIRED, Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Rester connecté sur cet appareil (30 jours)"))


class ProfileFields(BaseForm):
    name_latin = StringField(_l("Nom complet en caractères latins"), [REQUIRED, Length(max=120)],
                             description=_l("Tel qu’il doit figurer sur vos attestations."),
                             render_kw={"autocomplete": "name"})
    name_arabic = StringField(_l("Nom complet en caractères arabes"), [Optional(), Length(max=120)],
                              render_kw={"dir": "rtl", "lang": "ar"})
    name_tifinagh = StringField(_l("Nom complet en tifinagh (facultatif)"), [Optional(), Length(max=120)],
                                render_kw={"lang": "zgh"})
    phone = TelField(_l("Numéro de téléphone"), [Optional(), Length(max=30)],
                     description=_l("Le téléphone ou l’e-mail sert à vous connecter ; donnez au moins l’un des deux."),
                     render_kw={"autocomplete": "tel", "inputmode": "tel", "dir": "ltr"})
    email = EmailField(_l("Adresse e-mail (facultative)"), [Optional(), Length(max=254)],
                       render_kw={"autocomplete": "email", "dir": "ltr"})
    gender = SelectField(_l("Genre"), choices=_choices(GENDER_TITLES, blank=_l("— Non précisé —")))
    birth_year = StringField(_l("Année de naissance"), [Optional(), Length(max=4)],
                             render_kw={"inputmode": "numeric", "dir": "ltr"})
    commune = StringField(_l("Commune"), [Optional(), Length(max=120)])
    audience = SelectField(_l("Vous êtes"), choices=_choices(AUDIENCE_TITLES, blank=_l("— Choisissez —")))
    organisation = StringField(_l("Organisation (coopérative, association, commune…)"), [Optional(), Length(max=160)])
    locale = SelectField(_l("Langue préférée"), choices=list(LANGUAGE_NAMES.items()))

    def profile_data(self) -> dict:
        return {name: self[name].data for name in (
            "name_latin", "name_arabic", "name_tifinagh", "phone", "email", "gender", "birth_year",
            "commune", "audience", "organisation", "locale")}


class RegistrationForm(ProfileFields):
    password = PasswordField(_l("Mot de passe (8 caractères au moins)"), [REQUIRED, NEW_PASSWORD_LENGTH],
                             description=NEW_PASSWORD_RULE,
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Confirmez le mot de passe"),
                            [REQUIRED, EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques."))],
                            render_kw={"autocomplete": "new-password"})


class PersonForm(ProfileFields):
    """Staff registering someone on their behalf: no password, a code is handed over instead."""


class ProfileForm(ProfileFields):
    pass


class PasswordChangeForm(BaseForm):
    current = PasswordField(_l("Mot de passe actuel"), [REQUIRED, Length(max=200)],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("Nouveau mot de passe (8 caractères au moins)"), [REQUIRED, NEW_PASSWORD_LENGTH],
                             description=NEW_PASSWORD_RULE,
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Confirmez le nouveau mot de passe"),
                            [REQUIRED, EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques."))],
                            render_kw={"autocomplete": "new-password"})


class ForgotPasswordForm(BaseForm):
    identifier = StringField(_l("Téléphone ou e-mail"), [REQUIRED, Length(max=254)],
                             render_kw={"autocomplete": "username"})


class RedeemCodeForm(BaseForm):
    identifier = StringField(_l("Téléphone ou e-mail"), [REQUIRED, Length(max=254)],
                             render_kw={"autocomplete": "username"})
    code = StringField(_l("Code à usage unique"), [REQUIRED, Length(max=20)],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr"})
    password = PasswordField(_l("Nouveau mot de passe (8 caractères au moins)"), [REQUIRED, NEW_PASSWORD_LENGTH],
                             description=NEW_PASSWORD_RULE,
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Confirmez le nouveau mot de passe"),
                            [REQUIRED, EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques."))],
                            render_kw={"autocomplete": "new-password"})


class RolesForm(BaseForm):
    roles = MultiCheckboxField(_l("Rôles"), choices=_choices(ROLE_TITLES))


class LanguageForm(BaseForm):
    """The language switcher of a signed-in person: one button per language, and the page to go back to."""
    lang = SelectField(choices=list(LANGUAGE_NAMES.items()), validate_choice=True)
    next = HiddenField()
