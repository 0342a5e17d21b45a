"""The base form and fields: WTForms' built-in messages translated through Ecole's own catalogues,
and number and date fields that refuse what the database cannot store (NaN, Infinity, 2³¹…)."""
import decimal

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectMultipleField, StringField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

# PostgreSQL `integer` is 32-bit: every integer a form accepts fits in it.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# Dates a person can mean; beyond them, converting to UTC or formatting overflows.
YEAR_MIN, YEAR_MAX = 1900, 2200

# WTForms writes its messages in English and has no Tamazight catalogue: map them to ours.
# The translated message keeps WTForms' placeholders (%(min)s, %(max)d…): WTForms fills them in.
WTFORMS_MESSAGES = {
    "This field is required.": _l("Ce champ est obligatoire."),
    "Not a valid choice.": _l("Choix invalide."),
    "Not a valid choice": _l("Choix invalide."),
    "'%(value)s' is not a valid choice for this field.": _l("Choix invalide."),
    "'%(value)s' are not valid choices for this field.": _l("Choix invalide."),
    "Invalid choice(s): one or more data inputs could not be coerced.": _l("Choix invalide."),
    "Invalid Choice: could not coerce.": _l("Choix invalide."),
    "Not a valid integer value.": _l("Nombre entier invalide."),
    "Not a valid decimal value.": _l("Nombre invalide."),
    "Not a valid float value.": _l("Nombre invalide."),
    "Not a valid date value.": _l("Date invalide."),
    "Not a valid datetime value.": _l("Date et heure invalides."),
    "Not a valid time value.": _l("Heure invalide."),
    "Invalid email address.": _l("Adresse e-mail invalide."),
    "Invalid input.": _l("Saisie invalide."),
    "Field must be equal to %(other_name)s.": _l("Les deux saisies ne sont pas identiques."),
    "Field must be between %(min)d and %(max)d characters long.":
        _l("Ce texte doit compter entre %(min)d et %(max)d caractères."),
    "Number must be between %(min)s and %(max)s.": _l("Le nombre doit être entre %(min)s et %(max)s."),
    "Number must be at least %(min)s.": _l("Le nombre doit être au moins %(min)s."),
    "Number must be at most %(max)s.": _l("Le nombre doit être au plus %(max)s."),
    "Date must be between %(min)s and %(max)s.": _l("La date doit être entre %(min)s et %(max)s."),
    "Date must be at least %(min)s.": _l("La date doit être au plus tôt le %(min)s."),
    "Date must be at most %(max)s.": _l("La date doit être au plus tard le %(max)s."),
    "Invalid CSRF token.": _l("Le formulaire a expiré. Rechargez la page et réessayez."),
    "The CSRF token is missing.": _l("Le formulaire a expiré. Rechargez la page et réessayez."),
    "The CSRF token has expired.": _l("Le formulaire a expiré. Rechargez la page et réessayez."),
    "The CSRF tokens do not match.": _l("Le formulaire a expiré. Rechargez la page et réessayez."),
}


def _plural_message(singular: str, n: int) -> str | None:
    """WTForms' counted messages (Length), as our catalogue's plural forms, placeholders kept.
    The raw catalogue is used: flask_babel's ngettext would fill in the placeholders itself and fail."""
    translations = get_translations()
    if singular.startswith("Field must be at least"):
        return translations.ngettext("Ce texte doit compter au moins %(min)d caractère.",
                                     "Ce texte doit compter au moins %(min)d caractères.", n)
    if singular.startswith("Field cannot be longer"):
        return translations.ngettext("Ce texte doit compter au plus %(max)d caractère.",
                                     "Ce texte doit compter au plus %(max)d caractères.", n)
    if singular.startswith("Field must be exactly"):
        return translations.ngettext("Ce texte doit compter exactement %(max)d caractère.",
                                     "Ce texte doit compter exactement %(max)d caractères.", n)
    return None


class _Translations:
    def gettext(self, string):
        mapped = WTFORMS_MESSAGES.get(string)
        if mapped is not None:
            return str(mapped)  # lazy string without variables: translated, placeholders left for WTForms
        return get_translations().gettext(string)

    def ngettext(self, singular, plural, n):
        message = _plural_message(singular, n)
        if message is not None:
            return message
        return get_translations().ngettext(singular, plural, n)


_TRANSLATIONS = _Translations()


REQUIRED = DataRequired(message=_l("Ce champ est obligatoire."))
# For numbers: DataRequired takes 0 for "empty"; InputRequired only asks that something was typed,
# so 0 reaches NumberRange and gets "must be at least 1".
NUMBER_REQUIRED = InputRequired(message=_l("Ce champ est obligatoire."))


class _StopOnBadInput:
    """A value that could not be read gets one error (why), not a second one from the range check.
    (Optional() still clears both when nothing was typed.)"""

    def post_validate(self, form, validation_stopped):
        super().post_validate(form, validation_stopped)
        if self.process_errors and self.errors:
            self.errors = list(self.process_errors)


class BoundedIntegerField(_StopOnBadInput, IntegerField):
    """An IntegerField whose value fits a PostgreSQL integer; anything longer is a field error, not a 500."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not INT_MIN <= self.data <= INT_MAX:
            self.data = None
            raise ValueError(str(_l("Ce nombre est trop grand ou trop petit.")))


class FiniteDecimalField(_StopOnBadInput, DecimalField):
    """A DecimalField that refuses NaN, sNaN and Infinity (Decimal accepts them; comparisons then fail)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(str(_l("Nombre invalide.")))

    def _value(self):
        # WTForms quantizes the shown value; a huge exponent would raise there: show what was typed.
        if self.raw_data:
            return self.raw_data[0]
        try:
            return super()._value()
        except (decimal.InvalidOperation, ValueError, OverflowError):
            return ""


def _check_year(field, value) -> None:
    if value is not None and not YEAR_MIN <= value.year <= YEAR_MAX:
        field.data = None
        raise ValueError(str(_l("L’année doit être entre %(min)s et %(max)s.")) % {"min": YEAR_MIN, "max": YEAR_MAX})


class BoundedDateField(_StopOnBadInput, DateField):
    """A DateField limited to years people mean (0001-01-01 would overflow when shifted to UTC)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        _check_year(self, self.data)


class BoundedDateTimeLocalField(_StopOnBadInput, DateTimeLocalField):
    """A DateTimeLocalField limited to years people mean (see BoundedDateField)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        _check_year(self, self.data)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (easier on a phone than a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# Explicit direction overrides and embeddings (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI): no
# name, title or reason needs them (pages isolate each name with <bdi>), and in a CSV, a PDF, an
# e-mail or an SMS, where nothing isolates them, an unclosed RLO turns the rest of the line around
# ("gnp.exe"). Marks (LRM, RLM, ALM), which Arabic typing does use, are kept.
DIRECTION_OVERRIDES = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def drop_direction_overrides(value):
    return value.translate(DIRECTION_OVERRIDES) if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            # Every text a form takes goes through the same filter, whatever the form.
            if issubclass(unbound_field.field_class, StringField):
                options = {**options, "filters": (drop_direction_overrides, *unbound_field.kwargs.get("filters", ()))}
            return unbound_field.bind(form=form, **options)

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


class ConfirmForm(BaseForm):
    """An action button with nothing to fill in but the CSRF token."""
