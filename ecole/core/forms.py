"""The base form: WTForms' built-in messages translated through Ecole's own catalogues."""
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

# WTForms writes its messages in English and has no Tamazight catalogue: map them to ours.
WTFORMS_MESSAGES = {
    "This field is required.": _l("Ce champ est obligatoire."),
    "Not a valid choice.": _l("Choix invalide."),
    "Not a valid choice": _l("Choix invalide."),
    "'%(value)s' is not a valid choice for this field.": _l("Choix invalide."),
    "Not a valid integer value.": _l("Nombre entier invalide."),
    "Not a valid decimal value.": _l("Nombre invalide."),
    "Not a valid float value.": _l("Nombre invalide."),
    "Not a valid date value.": _l("Date invalide."),
    "Not a valid datetime value.": _l("Date et heure invalides."),
    "Not a valid time value.": _l("Heure invalide."),
    "Invalid email address.": _l("Adresse e-mail invalide."),
    "Invalid input.": _l("Saisie invalide."),
    "Field must be equal to %(other_name)s.": _l("Les deux saisies ne sont pas identiques."),
    "Number must be between %(min)s and %(max)s.": _l("Le nombre doit être entre %(min)s et %(max)s."),
    "Number must be at least %(min)s.": _l("Le nombre doit être au moins %(min)s."),
    "Number must be at most %(max)s.": _l("Le nombre doit être au plus %(max)s."),
    "Invalid CSRF token.": _l("Le formulaire a expiré. Rechargez la page et réessayez."),
    "The CSRF token is missing.": _l("Le formulaire a expiré. Rechargez la page et réessayez."),
    "The CSRF token has expired.": _l("Le formulaire a expiré. Rechargez la page et réessayez."),
    "The CSRF tokens do not match.": _l("Le formulaire a expiré. Rechargez la page et réessayez."),
}
LENGTH_MESSAGE = _l("Ce texte doit compter entre %(min)d et %(max)d caractères.")


class _Translations:
    def gettext(self, string):
        mapped = WTFORMS_MESSAGES.get(string)
        if mapped is not None:
            return str(mapped)
        if string.startswith("Field must be"):
            return gettext("Longueur invalide.")
        return gettext(string)

    def ngettext(self, singular, plural, n):
        if singular.startswith("Field must be"):
            return gettext("Longueur invalide.")
        return ngettext(singular, plural, n)


_TRANSLATIONS = _Translations()


REQUIRED = DataRequired(message=_l("Ce champ est obligatoire."))


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (easier on a phone than a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS

        def render_field(self, field, render_kw):
            # A page can hold several forms, each with its hidden CSRF token: WTForms would give every
            # token id="csrf_token", so ids repeat (WCAG 2.1 4.1.1). Nothing refers to it: no id.
            if field.type == "CSRFTokenField":
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)


def form_status(form) -> int:
    """400 for a submitted form with errors (so tests and tools see the refusal), else 200."""
    from flask import request

    return 400 if request.method == "POST" and (form.errors or form.form_errors) else 200


def show_problems(form, problems: list[tuple[str, str]]) -> None:
    """Put a service's (field, message) problems under their fields, or at the top of the form."""
    for field, message in problems:
        if field in form._fields:
            form[field].errors = [*form[field].errors, message]
        else:
            form.form_errors.append(message)
