"""Forms to schedule a session, add meetings, enrol someone, and give reasons."""
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import Length, NumberRange, Optional

from ecole.accounts.models import AUDIENCE_TITLES, Audience
from ecole.core.forms import (
    NUMBER_REQUIRED,
    REQUIRED,
    BaseForm,
    BoundedDateField,
    BoundedDateTimeLocalField,
    BoundedIntegerField,
    FiniteDecimalField,
    MultiCheckboxField,
)
from ecole.core.timezone import school_zone
from ecole.i18n import LANGUAGE_NAMES
from ecole.sessions.models import SESSION_FORMAT_TITLES
from ecole.sessions.services import SessionData


def _utc(value: datetime | None) -> datetime | None:
    """A datetime-local typed on Morocco's clock, as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=school_zone()).astimezone(timezone.utc)


def local(value: datetime | None) -> datetime | None:
    return value.astimezone(school_zone()).replace(tzinfo=None) if value else None


class SessionForm(BaseForm):
    course_id = SelectField(_l("Formation"), coerce=int, choices=[])
    format = SelectField(_l("Type de session"), choices=[("", _l("Selon la formation"))]
                         + [(f.value, title) for f, title in SESSION_FORMAT_TITLES.items()],
                         description=_l("Un voyage d’étude a son itinéraire, ses hôtes, ses véhicules, ses documents "
                                        "et son rapport ; ses participants sont sélectionnés."))
    trainer_ids = MultiCheckboxField(_l("Formateurs"), coerce=int, choices=[])
    commune = StringField(_l("Commune"), [REQUIRED, Length(max=120)])
    place = StringField(_l("Lieu (salle, coopérative, maison des jeunes…)"), [Optional(), Length(max=160)])
    address = StringField(_l("Adresse ou indications"), [Optional(), Length(max=300)])
    latitude = FiniteDecimalField(_l("Latitude (facultative)"), [Optional(), NumberRange(min=-90, max=90)], places=6,
                            render_kw={"inputmode": "decimal", "dir": "ltr"})
    longitude = FiniteDecimalField(_l("Longitude (facultative)"), [Optional(), NumberRange(min=-180, max=180)], places=6,
                             render_kw={"inputmode": "decimal", "dir": "ltr"})
    languages = MultiCheckboxField(_l("Langues d’enseignement"), choices=list(LANGUAGE_NAMES.items()),
                                   description=_l("Aucune cochée : les langues de la formation."))
    capacity = BoundedIntegerField(_l("Nombre de places"), [NUMBER_REQUIRED, NumberRange(min=1, max=1000)],
                            render_kw={"inputmode": "numeric", "dir": "ltr"})
    enrolment_opens_at = BoundedDateTimeLocalField(_l("Ouverture des inscriptions (heure du Maroc)"), [Optional()],
                                            format="%Y-%m-%dT%H:%M", render_kw={"dir": "ltr"})
    enrolment_closes_at = BoundedDateTimeLocalField(_l("Clôture des inscriptions (heure du Maroc)"), [Optional()],
                                             format="%Y-%m-%dT%H:%M", render_kw={"dir": "ltr"})
    requires_approval = BooleanField(_l("Chaque inscription doit être acceptée par l’école"))
    offer_hours = BoundedIntegerField(_l("Délai pour confirmer une place libérée (heures)"), [NUMBER_REQUIRED, NumberRange(min=1, max=336)],
                               default=48, render_kw={"inputmode": "numeric", "dir": "ltr"})
    women_seats = BoundedIntegerField(_l("Places réservées aux femmes"), [Optional(), NumberRange(min=0, max=1000)], default=0,
                               render_kw={"inputmode": "numeric", "dir": "ltr"})
    youth_seats = BoundedIntegerField(_l("Places réservées aux jeunes"), [Optional(), NumberRange(min=0, max=1000)], default=0,
                               render_kw={"inputmode": "numeric", "dir": "ltr"})
    audience_quota = SelectField(_l("Places réservées à un public"),
                                 choices=[("", _l("— Aucun —"))] + [(a.value, t) for a, t in AUDIENCE_TITLES.items()
                                                                      if a is not Audience.OTHER])
    audience_seats = BoundedIntegerField(_l("Nombre de places pour ce public"), [Optional(), NumberRange(min=0, max=1000)],
                                  default=0, render_kw={"inputmode": "numeric", "dir": "ltr"})
    notes = TextAreaField(_l("Informations pratiques (à apporter, transport…)"), [Optional(), Length(max=4000)])

    def to_data(self) -> SessionData:
        return SessionData(
            course_id=self.course_id.data, trainer_ids=list(self.trainer_ids.data or []),
            commune=self.commune.data or "", place=self.place.data or "", address=self.address.data or "",
            latitude=float(self.latitude.data) if self.latitude.data is not None else None,
            longitude=float(self.longitude.data) if self.longitude.data is not None else None,
            languages=list(self.languages.data or []), capacity=self.capacity.data or 0,
            enrolment_opens_at=_utc(self.enrolment_opens_at.data), enrolment_closes_at=_utc(self.enrolment_closes_at.data),
            requires_approval=bool(self.requires_approval.data), offer_hours=self.offer_hours.data or 48,
            notes=self.notes.data or "", women_seats=self.women_seats.data or 0, youth_seats=self.youth_seats.data or 0,
            audience_quota=self.audience_quota.data or "", audience_seats=self.audience_seats.data or 0,
            format=self.format.data or "",
        )

    def fill(self, course_session) -> None:
        self.course_id.data = course_session.course_id
        self.format.data = course_session.format
        self.trainer_ids.data = [t.id for t in course_session.trainers]
        self.commune.data, self.place.data, self.address.data = course_session.venue.commune, course_session.venue.place, course_session.venue.address
        self.latitude.data, self.longitude.data = course_session.venue.latitude, course_session.venue.longitude
        self.languages.data = course_session.language_list
        self.capacity.data, self.offer_hours.data = course_session.capacity, course_session.offer_hours
        self.enrolment_opens_at.data = local(course_session.enrolment_opens_at)
        self.enrolment_closes_at.data = local(course_session.enrolment_closes_at)
        self.requires_approval.data, self.notes.data = course_session.requires_approval, course_session.notes
        for quota in course_session.quotas:
            if quota.kind == "women":
                self.women_seats.data = quota.seats
            elif quota.kind == "youth":
                self.youth_seats.data = quota.seats
            else:
                self.audience_quota.data, self.audience_seats.data = quota.audience, quota.seats


class MeetingForm(BaseForm):
    day = BoundedDateField(_l("Date"), [REQUIRED], render_kw={"dir": "ltr"})
    start = TimeField(_l("Début (heure du Maroc)"), [REQUIRED], render_kw={"dir": "ltr"})
    end = TimeField(_l("Fin (heure du Maroc)"), [REQUIRED], render_kw={"dir": "ltr"})
    place = StringField(_l("Autre lieu pour cette séance (facultatif)"), [Optional(), Length(max=160)])
    topic = StringField(_l("Sujet"), [Optional(), Length(max=200)])
    force = BooleanField(_l("Enregistrer malgré le conflit signalé"))


class ReasonForm(BaseForm):
    reason = TextAreaField(_l("Raison (elle sera transmise à la personne)"), [REQUIRED, Length(max=1000)])


class WalkInForm(BaseForm):
    identifier = StringField(_l("Téléphone ou e-mail de la personne"), [REQUIRED, Length(max=254)],
                             description=_l("Si la personne n’a pas de compte, inscrivez-la d’abord."),
                             render_kw={"dir": "ltr"})
