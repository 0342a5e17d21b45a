"""The "check a file" form."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ecole.core.forms import REQUIRED, BaseForm


class CheckFileForm(BaseForm):
    file = FileField(_l("Fichier PDF du certificat"),
                     validators=[FileRequired(message=_l("Choisissez le fichier PDF à vérifier."))],
                     render_kw={"accept": "application/pdf"})


class ReasonForm(BaseForm):
    reason = TextAreaField(_l("Raison (elle sera affichée sur la page de vérification)"), [REQUIRED, Length(max=1000)])


class AssetForm(BaseForm):
    kind = SelectField(_l("Image"), choices=[("signature", _l("Signature")), ("logo", _l("Logo de l’école"))])
    file = FileField(_l("Image (PNG ou JPEG ; un fond transparent est gardé)"),
                     validators=[FileRequired(message=_l("Choisissez une image (PNG ou JPEG)."))],
                     render_kw={"accept": "image/png,image/jpeg"})
    name = StringField(_l("Nom de la personne qui signe"), [Optional(), Length(max=160)])
    title = StringField(_l("Sa fonction (imprimée sous la signature)"), [Optional(), Length(max=160)])
