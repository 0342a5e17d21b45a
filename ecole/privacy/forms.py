"""The download button's form and the erasure's confirmation."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from ecole.core.forms import REQUIRED, BaseForm
from ecole.privacy.services import DOWNLOAD_FORMATS, REASON_MAX


class DownloadForm(BaseForm):
    """One button per format: the format goes as a hidden field."""

    format = HiddenField(_l("Format"), validators=[AnyOf(DOWNLOAD_FORMATS, message=_l("Format inconnu : choisissez JSON ou PDF."))])


class EraseForm(BaseForm):
    reason = TextAreaField(
        _l("Raison de l’effacement"), [REQUIRED, Length(max=REASON_MAX)],
        description=_l("La demande de la personne et sa date, par exemple « demande écrite remise le 3 mars ». "
                       "N’écrivez ni son nom ni son téléphone : le journal d’audit garde cette raison."))
    identity_checked = BooleanField(
        _l("J’ai vérifié que la demande vient bien de cette personne (ou de son représentant légal)."),
        [DataRequired(message=_l("Cochez cette case une fois la demande vérifiée."))])
