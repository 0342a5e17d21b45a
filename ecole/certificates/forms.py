"""The "check a file" form."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from ecole.core.forms import BaseForm


class CheckFileForm(BaseForm):
    file = FileField(_l("Fichier PDF du certificat"),
                     validators=[FileRequired(message=_l("Choisissez le fichier PDF à vérifier."))],
                     render_kw={"accept": "application/pdf"})
