"""Forms of the scans page: send a scan of signed sheets, choose the meeting of a page."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from ecole.core.forms import REQUIRED, BaseForm


class ScanUploadForm(BaseForm):
    file = FileField(_l("Photo ou scan des feuilles signées"),
                     validators=[FileRequired(message=_l("Choisissez un fichier (photo JPEG ou PNG, ou PDF)."))],
                     description=_l("Photo JPEG ou PNG, ou PDF de plusieurs pages."),
                     render_kw={"accept": "image/jpeg,image/png,application/pdf"})


class ChooseMeetingForm(BaseForm):
    meeting = SelectField(_l("Séance de cette page"), coerce=int, validators=[REQUIRED])

    @classmethod
    def for_meetings(cls, choices: list[tuple[int, str]], **kwargs) -> "ChooseMeetingForm":
        form = cls(**kwargs)
        form.meeting.choices = choices
        return form
