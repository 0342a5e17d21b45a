"""The "check a file" form."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import Length

from ecole.core.forms import REQUIRED, BaseForm


class CheckFileForm(BaseForm):
    file = FileField(_l("Fichier PDF du certificat"),
                     validators=[FileRequired(message=_l("Choisissez le fichier PDF à vérifier."))],
                     render_kw={"accept": "application/pdf"})


class ReasonForm(BaseForm):
    reason = TextAreaField(_l("Raison (elle sera affichée sur la page de vérification)"), [REQUIRED, Length(max=1000)])
