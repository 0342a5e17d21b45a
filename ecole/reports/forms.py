"""The report's filters (a GET form: a link gives the same figures back), a programme, an export."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from ecole.accounts.models import AUDIENCE_TITLES
from ecole.core.forms import REQUIRED, BaseForm, BoundedDateField, BoundedIntegerField, MultiCheckboxField
from ecole.reports.indicators import INDICATOR_TITLES, INDICATORS

TARGETABLE = tuple(code for code in INDICATORS if code != "completion_rate")


class FilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    programme = SelectField(_l("Programme"), coerce=str, validate_choice=False, validators=[Optional()])
    date_from = BoundedDateField(_l("Du"), validators=[Optional()], name="from")
    date_to = BoundedDateField(_l("Au"), validators=[Optional()], name="to")
    commune = SelectField(_l("Commune"), coerce=str, validate_choice=False, validators=[Optional()])
    audience = SelectField(_l("Public"), coerce=str, validators=[Optional()],
                           choices=[("", _l("Tous les publics"))] + [(a.value, title) for a, title in AUDIENCE_TITLES.items()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("La fin de la période ne peut pas précéder son début."))

    def validate_programme(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Ce programme n’existe pas."))

    def validate_commune(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Personne formée n’habite cette commune."))


class ProgrammeForm(BaseForm):
    code = StringField(_l("Code du programme"), [REQUIRED, Length(max=32)], render_kw={"dir": "ltr"},
                       description=_l("Tel que le bailleur le nomme, par exemple PAFR-2026."))
    # Each name reads in its own direction whatever the page's (a French name in an Arabic page too).
    title_fr = StringField(_l("Nom en français"), [REQUIRED, Length(max=300)], render_kw={"dir": "ltr", "lang": "fr"})
    title_ar = StringField(_l("Nom en arabe"), [Optional(), Length(max=300)], render_kw={"dir": "rtl", "lang": "ar"})
    title_zgh = StringField(_l("Nom en tamazight"), [Optional(), Length(max=300)], render_kw={"dir": "ltr", "lang": "zgh"})
    funder = StringField(_l("Bailleur de fonds"), [Optional(), Length(max=200)], render_kw={"dir": "auto"})
    starts_on = BoundedDateField(_l("Début"), [REQUIRED])
    ends_on = BoundedDateField(_l("Fin"), [REQUIRED])
    sessions = MultiCheckboxField(_l("Sessions et voyages d’étude du programme"), coerce=int,
                                  description=_l("Les sessions dont les dates touchent la période du programme."))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("La fin ne peut pas précéder le début."))


# One optional target per indicator ("target_trained"…), labelled with the indicator's name.
for _code in TARGETABLE:
    setattr(ProgrammeForm, f"target_{_code}", BoundedIntegerField(
        _l("Objectif : %(indicator)s", indicator=INDICATOR_TITLES[_code]), [Optional(), NumberRange(min=0)]))


class ExportForm(BaseForm):
    format = SelectField(_l("Format"), choices=[("xlsx", _l("Classeur XLSX")), ("pdf", _l("Rapport PDF"))])
