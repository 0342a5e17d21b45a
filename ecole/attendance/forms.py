"""Attendance forms: reopening with a reason, a course's completion rule."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, NumberRange

from ecole.attendance.completion import Rule
from ecole.core.forms import NUMBER_REQUIRED, REQUIRED, BaseForm, BoundedIntegerField


class UnlockForm(BaseForm):
    reason = TextAreaField(_l("Raison de la réouverture (elle reste dans l’historique)"), [REQUIRED, Length(max=1000)])


class CompletionRuleForm(BaseForm):
    min_attendance = BoundedIntegerField(_l("Présence minimum (en pourcentage des heures de séance)"),
                                         [NUMBER_REQUIRED, NumberRange(min=0, max=100)])
    excused_left_out = BooleanField(_l("Ne pas compter les absences excusées contre la personne"))
    requires_assessment = BooleanField(_l("Évaluation pratique réussie exigée"))
    requires_trip = BooleanField(_l("Voyage d’étude suivi exigé (quand la session en a un)"))
    absence_streak = BoundedIntegerField(_l("Avertir après ce nombre d’absences de suite"),
                                         [NUMBER_REQUIRED, NumberRange(min=1, max=50)])
    counts_as_training = BooleanField(_l("Compte comme formation dans les rapports (décochez pour une réunion de "
                                         "sensibilisation)"))

    def rule(self) -> Rule:
        return Rule(min_attendance=self.min_attendance.data, excused_left_out=self.excused_left_out.data,
                    requires_assessment=self.requires_assessment.data, requires_trip=self.requires_trip.data,
                    absence_streak=self.absence_streak.data, counts_as_training=self.counts_as_training.data)
