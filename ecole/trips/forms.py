"""Forms of the study-trip pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import Length, NumberRange, Optional

from ecole.core.forms import (
    NUMBER_REQUIRED,
    REQUIRED,
    BaseForm,
    BoundedDateField,
    BoundedIntegerField,
    MultiCheckboxField,
)
from ecole.i18n import LANGUAGE_NAMES
from ecole.trips.models import DOCUMENT_STATUS_TITLES, DOCUMENT_TITLES
from ecole.trips.services import MOTIVATION_MAX, TEXT_MAX, StopData, TripData

PHONE = {"dir": "ltr", "inputmode": "tel", "autocomplete": "off"}
# A field for one language reads in that language's direction, whatever the page's; free text
# (a motivation, a report) takes the direction of what is typed.
FRENCH = {"lang": "fr", "dir": "ltr"}
ARABIC = {"lang": "ar", "dir": "rtl"}
TAMAZIGHT = {"lang": "zgh", "dir": "ltr"}
ANY_SCRIPT = {"dir": "auto"}


class TripForm(BaseForm):
    purpose_fr = TextAreaField(_l("Objectif du voyage (français)"), [Optional(), Length(max=TEXT_MAX)], render_kw=FRENCH)
    purpose_ar = TextAreaField(_l("Objectif du voyage (arabe)"), [Optional(), Length(max=TEXT_MAX)], render_kw=ARABIC)
    purpose_zgh = TextAreaField(_l("Objectif du voyage (tamazight)"), [Optional(), Length(max=TEXT_MAX)], render_kw=TAMAZIGHT)
    questions_fr = TextAreaField(_l("Questions d’apprentissage (français, une par ligne)"), [Optional(), Length(max=TEXT_MAX)],
                                 render_kw=FRENCH)
    questions_ar = TextAreaField(_l("Questions d’apprentissage (arabe, une par ligne)"), [Optional(), Length(max=TEXT_MAX)],
                                 render_kw=ARABIC)
    questions_zgh = TextAreaField(_l("Questions d’apprentissage (tamazight, une par ligne)"), [Optional(), Length(max=TEXT_MAX)],
                                  render_kw=TAMAZIGHT)
    lodging = TextAreaField(_l("Hébergement"), [Optional(), Length(max=TEXT_MAX)], render_kw=ANY_SCRIPT)
    meals = TextAreaField(_l("Repas"), [Optional(), Length(max=TEXT_MAX)], render_kw=ANY_SCRIPT)
    budget_per_participant = BoundedIntegerField(_l("Budget par participant (dirhams)"),
                                                 [Optional(), NumberRange(min=0, max=1_000_000)],
                                                 render_kw={"inputmode": "numeric", "dir": "ltr"})
    seats_bound = BooleanField(_l("Le nombre de places suit les places des véhicules"), default=True)
    required_documents = MultiCheckboxField(_l("Documents demandés à chaque participant"),
                                            choices=[(kind.value, title) for kind, title in DOCUMENT_TITLES.items()])
    documents_block = BooleanField(_l("Confirmer une place seulement quand les documents sont complets"))

    def to_data(self) -> TripData:
        return TripData(
            purpose={code: getattr(self, f"purpose_{code}").data or "" for code in LANGUAGE_NAMES},
            questions={code: getattr(self, f"questions_{code}").data or "" for code in LANGUAGE_NAMES},
            lodging=self.lodging.data or "", meals=self.meals.data or "",
            budget_per_participant=self.budget_per_participant.data, seats_bound=bool(self.seats_bound.data),
            documents_block=bool(self.documents_block.data), required_documents=list(self.required_documents.data or []))

    def fill(self, trip) -> None:
        for code in LANGUAGE_NAMES:
            getattr(self, f"purpose_{code}").data = (trip.purpose or {}).get(code, "")
            getattr(self, f"questions_{code}").data = (trip.questions or {}).get(code, "")
        self.lodging.data, self.meals.data = trip.lodging, trip.meals
        self.budget_per_participant.data = trip.budget_per_participant
        self.seats_bound.data, self.documents_block.data = trip.seats_bound, trip.documents_block
        self.required_documents.data = [kind.value for kind in trip.required]


class StopForm(BaseForm):
    day = BoundedDateField(_l("Date"), [REQUIRED], render_kw={"dir": "ltr"})
    start = TimeField(_l("Début (heure du Maroc)"), [REQUIRED], render_kw={"dir": "ltr"})
    end = TimeField(_l("Fin (heure du Maroc)"), [REQUIRED], render_kw={"dir": "ltr"})
    commune = StringField(_l("Commune"), [REQUIRED, Length(max=120)])
    place = StringField(_l("Lieu"), [REQUIRED, Length(max=160)])
    host_organisation = StringField(_l("Organisation hôte"), [Optional(), Length(max=200)])
    host_contact = StringField(_l("Personne de contact chez l’hôte"), [Optional(), Length(max=160)])
    host_phone = StringField(_l("Téléphone de l’hôte"), [Optional(), Length(max=32)], render_kw=PHONE)
    program_fr = TextAreaField(_l("Ce qui sera vu et appris (français)"), [Optional(), Length(max=TEXT_MAX)],
                               render_kw=FRENCH)
    program_ar = TextAreaField(_l("Ce qui sera vu et appris (arabe)"), [Optional(), Length(max=TEXT_MAX)],
                               render_kw=ARABIC)
    program_zgh = TextAreaField(_l("Ce qui sera vu et appris (tamazight)"), [Optional(), Length(max=TEXT_MAX)],
                                render_kw=TAMAZIGHT)

    def to_data(self, to_utc) -> StopData:
        return StopData(starts_at=to_utc(self.day.data, self.start.data), ends_at=to_utc(self.day.data, self.end.data),
                        commune=self.commune.data or "", place=self.place.data or "",
                        host_organisation=self.host_organisation.data or "", host_contact=self.host_contact.data or "",
                        host_phone=self.host_phone.data or "",
                        program={code: getattr(self, f"program_{code}").data or "" for code in LANGUAGE_NAMES})

    def fill(self, stop, local) -> None:
        starts, ends = local(stop.meeting.starts_at), local(stop.meeting.ends_at)
        self.day.data, self.start.data, self.end.data = starts.date(), starts.time(), ends.time()
        self.commune.data, self.place.data = stop.commune, stop.place
        self.host_organisation.data, self.host_contact.data, self.host_phone.data = (
            stop.host_organisation, stop.host_contact, stop.host_phone)
        for code in LANGUAGE_NAMES:
            getattr(self, f"program_{code}").data = (stop.program or {}).get(code, "")


class VehicleForm(BaseForm):
    label = StringField(_l("Véhicule"), [REQUIRED, Length(max=120)], description=_l("Minibus, voiture de l’association…"))
    seats = BoundedIntegerField(_l("Places pour les participants"), [NUMBER_REQUIRED, NumberRange(min=1, max=100)],
                                render_kw={"inputmode": "numeric", "dir": "ltr"})
    driver = StringField(_l("Chauffeur"), [Optional(), Length(max=160)])
    driver_phone = StringField(_l("Téléphone du chauffeur"), [Optional(), Length(max=32)], render_kw=PHONE)


class FundingForm(BaseForm):
    funder = StringField(_l("Bailleur"), [REQUIRED, Length(max=160)])
    amount = BoundedIntegerField(_l("Montant (dirhams)"), [NUMBER_REQUIRED, NumberRange(min=0, max=100_000_000)],
                                 render_kw={"inputmode": "numeric", "dir": "ltr"})


class ContactForm(BaseForm):
    name = StringField(_l("Nom"), [REQUIRED, Length(max=160)])
    role = StringField(_l("Rôle (accompagnateur, médecin, association…)"), [Optional(), Length(max=160)])
    phone = StringField(_l("Téléphone"), [REQUIRED, Length(max=32)], render_kw=PHONE)


class ApplyForm(BaseForm):
    motivation = TextAreaField(_l("Pourquoi voulez-vous participer à ce voyage ?"), [REQUIRED, Length(max=MOTIVATION_MAX)],
                               render_kw=ANY_SCRIPT, description=_l("Quelques phrases : ce que vous voulez apprendre et ce que vous ferez au retour."))


class ApplyForForm(ApplyForm):
    identifier = StringField(_l("Téléphone ou e-mail de la personne"), [REQUIRED, Length(max=254)],
                             description=_l("Si la personne n’a pas de compte, inscrivez-la d’abord."),
                             render_kw={"dir": "ltr"})
    motivation = TextAreaField(_l("Motivation, telle que la personne l’a dite"), [REQUIRED, Length(max=MOTIVATION_MAX)],
                               render_kw=ANY_SCRIPT)


class RideForm(BaseForm):
    vehicle = SelectField(_l("Véhicule"), coerce=int, choices=[])

    @classmethod
    def for_vehicles(cls, vehicles, **kwargs) -> "RideForm":
        form = cls(**kwargs)
        form.vehicle.choices = [(0, _l("— Aucun —"))] + [(v.id, v.label) for v in vehicles]
        return form


class DocumentForm(BaseForm):
    kind = SelectField(_l("Document"), choices=[(kind.value, title) for kind, title in DOCUMENT_TITLES.items()])
    status = SelectField(_l("État"), choices=[(status.value, title) for status, title in DOCUMENT_STATUS_TITLES.items()])
    file = FileField(_l("Fichier (facultatif : photo JPEG ou PNG, ou PDF)"),
                     render_kw={"accept": "image/jpeg,image/png,application/pdf"})


class EntryForm(BaseForm):
    language = SelectField(_l("Langue de votre texte"), choices=list(LANGUAGE_NAMES.items()))
    learnt = TextAreaField(_l("Ce que j’ai appris"), [Optional(), Length(max=TEXT_MAX)], render_kw=ANY_SCRIPT)
    replicate = TextAreaField(_l("Ce que je veux reproduire chez moi"), [Optional(), Length(max=TEXT_MAX)],
                              render_kw=ANY_SCRIPT)


class PhotoForm(BaseForm):
    stop = SelectField(_l("Étape"), coerce=int, choices=[])
    file = FileField(_l("Photo (JPEG ou PNG)"), validators=[FileRequired(message=_l("Choisissez une photo (JPEG ou PNG)."))],
                     render_kw={"accept": "image/jpeg,image/png"})
    caption = StringField(_l("Légende"), [Optional(), Length(max=300)])
    people = MultiCheckboxField(_l("Personnes visibles sur la photo"), coerce=int, choices=[],
                                description=_l("Une photo n’est publiée que si chaque personne visible a donné son accord."))
