"""Forms for sign-in, registration, profiles, passwords and role management."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField, TelField
from wtforms.validators import EqualTo, Length, Optional

from ecole.accounts.models import AUDIENCE_TITLES, GENDER_TITLES, ROLE_TITLES, WG_ANSWERS, WG_QUESTIONS
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


# The radio groups of the functioning questions are named "wg_<question>"; a posted "wg_…" name that is
# no question is refused (a forged form), not ignored.
WG_PREFIX = "wg_"


def _wg_answer(value):
    """A radio group's value: "" is "no answer" (None), anything else one of WG_ANSWERS' numbers."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    return int(value)


class FunctioningFields(BaseForm):
    """The optional Washington Group questions (WG_QUESTIONS) and the consent they need. The answers
    are kept only with the box ticked; saved unticked, the previous answers are erased."""

    functioning_consent = BooleanField(_l("J’accepte de répondre à ces questions et que l’école garde mes réponses."))

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        formdata = self.meta.wrap_formdata(self, formdata)
        self._posted_names = list(formdata.keys()) if formdata is not None else []
        if obj is not None:  # a person's stored answers fill the radio groups (not attributes of User)
            stored = getattr(obj, "functioning", None) or {}
            kwargs = {"functioning_consent": getattr(obj, "functioning_consented_at", None) is not None,
                      **{WG_PREFIX + key: stored.get(key) for key in WG_QUESTIONS}, **kwargs}
        super().process(formdata, obj, data, extra_filters, **kwargs)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if any(name.startswith(WG_PREFIX) and name not in self._fields for name in self._posted_names):
            self.form_errors.append(_("Choix invalide."))
            valid = False
        return valid

    def functioning_questions(self) -> list:
        return [self[WG_PREFIX + key] for key in WG_QUESTIONS]

    def general_fields(self) -> list:
        """Every field but the CSRF token and the functioning section (which the page shows apart)."""
        own = {"csrf_token", "functioning_consent", *(WG_PREFIX + key for key in WG_QUESTIONS)}
        return [f for f in self if f.short_name not in own]

    def functioning_answers(self) -> dict[str, int] | None:
        """What `services.set_functioning` takes: None without consent, else the answers given (a radio
        group missing from the post is no answer, not the stored one)."""
        if not self.functioning_consent.data:
            return None
        return {key: f.data for key, f in zip(WG_QUESTIONS, self.functioning_questions(), strict=True)
                if f.raw_data and f.data is not None}


for _key, _question in WG_QUESTIONS.items():
    setattr(FunctioningFields, WG_PREFIX + _key, RadioField(
        _question, coerce=_wg_answer, default=None,
        choices=[*((str(value), title) for value, title in WG_ANSWERS.items()), ("", _l("Sans réponse"))]))


class PersonForm(ProfileFields):
    """Staff registering someone on their behalf: no password, a code is handed over instead."""


class AdminPersonForm(PersonForm, FunctioningFields):
    """An administrator registering or correcting someone: also the functioning questions, answered with
    the person (read out to them), with their consent. Trainers never get them."""

    functioning_consent = BooleanField(_l("La personne accepte de répondre à ces questions et que l’école garde "
                                          "ses réponses."))


class ProfileForm(ProfileFields, FunctioningFields):
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
