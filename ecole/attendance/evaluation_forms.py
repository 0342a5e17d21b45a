"""The assessment sheet (one row per trainee, saved all at once) and the satisfaction questionnaire."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ecole.attendance import survey
from ecole.attendance.errors import AttendanceError
from ecole.attendance.evaluation import COMMENT_MAX, AssessmentRow, read_score
from ecole.core.forms import BaseForm
from ecole.i18n import format_number

PASSED_CHOICES = [("1", _l("Réussi")), ("0", _l("Non réussi"))]


class ScoreField(StringField):
    """A score out of 20 as typed ("14,5" or "14.5"): `score` holds the number, `data` what was typed."""

    score: float | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.score = None
        try:
            self.score = read_score(self.data)
        except AttendanceError as error:
            raise ValueError(str(error)) from None


class AssessmentsForm(BaseForm):
    """Fields passed_<id>, score_<id> and comment_<id> for each enrolment (see `assessments_form`)."""

    def row(self, enrolment_id: int):
        return (self[f"passed_{enrolment_id}"], self[f"score_{enrolment_id}"], self[f"comment_{enrolment_id}"])

    def values(self, enrolment_id: int) -> tuple[bool, float | None, str] | None:
        """What the row says (passed, score, comment), or None when it was left empty."""
        passed, score, comment = self.row(enrolment_id)
        if passed.data not in ("1", "0"):
            return None
        return passed.data == "1", score.score, (comment.data or "").strip()

    def check_rows(self, rows: list[AssessmentRow]) -> bool:
        """A row with a score or a comment needs its result; an unknown choice is refused."""
        ok = True
        for row in rows:
            passed, score, comment = self.row(row.enrolment.id)
            if passed.data not in (None, "", "1", "0"):
                passed.errors = [*passed.errors, _("Choix invalide.")]
                ok = False
            elif passed.data in (None, "") and ((score.data or "").strip() or (comment.data or "").strip()):
                passed.errors = [*passed.errors, _("Choisissez « réussi » ou « non réussi ».")]
                ok = False
        return ok


def assessments_form(rows: list[AssessmentRow]) -> AssessmentsForm:
    """The sheet's form for these rows, filled with what is recorded (or with what was posted)."""

    class Form(AssessmentsForm):
        pass

    for row in rows:
        assessment, key = row.assessment, row.enrolment.id
        setattr(Form, f"passed_{key}", RadioField(
            _l("Résultat"), choices=PASSED_CHOICES, validate_choice=False,
            default=None if assessment is None else ("1" if assessment.passed else "0")))
        setattr(Form, f"score_{key}", ScoreField(
            _l("Note sur 20 (facultative)"),
            default="" if assessment is None or assessment.score is None else format_number(assessment.score)))
        setattr(Form, f"comment_{key}", TextAreaField(
            _l("Commentaire (facultatif)"), validators=[Optional(), Length(max=COMMENT_MAX)],
            default="" if assessment is None else assessment.comment))
    return Form()


class SurveyForm(BaseForm):
    """The questionnaire: one radio group per question (see survey.QUESTIONS) and the free text."""

    change = TextAreaField(survey.CHANGE_TITLE, validators=[Optional(), Length(max=survey.CHANGE_MAX)])

    def questions(self):
        return [self[key] for key in survey.QUESTION_KEYS]

    def answers(self) -> dict:
        return {**{key: self[key].data for key in survey.QUESTION_KEYS}, survey.CHANGE: self.change.data or ""}


for _key, _title in survey.QUESTIONS:
    setattr(SurveyForm, _key, RadioField(
        _title, choices=[(str(value), survey.SCALE_TITLES[value]) for value in survey.SCALE],
        validators=[InputRequired(message=_l("Choisissez une réponse."))]))
