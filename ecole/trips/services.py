"""Changes to study trips. Enrolment, seats, the waitlist and registers stay the session's: a trip
calls enrolment's services (apply = enrol with a motivation, select = approve, wait = defer) and
sessions' (a stop is a meeting of kind "visit"). Services flush and audit; the page commits."""
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ecole.accounts.models import User
from ecole.accounts.services import hold_person
from ecole.catalogue.models import LOCALES
from ecole.core.audit import record
from ecole.core.models import utcnow
from ecole.core.storage import discard_after_commit, get_storage
from ecole.core.transactions import insert_once, lock_row, take_write_lock, without_write_lock
from ecole.core.uploads import (
    KINDS,
    PAGE_LONG_SIDE,
    PAGE_QUALITY,
    UploadRefused,
    check_name,
    checked_kind,
    decode_image,
    read_stream,
    strip_metadata,
)
from ecole.enrolment import services as enrolment
from ecole.enrolment.models import Enrolment, EnrolmentStatus
from ecole.enrolment.services import EnrolmentError
from ecole.extensions import db
from ecole.sessions import services as sessions
from ecole.sessions.models import CourseSession, MeetingKind
from ecole.trips.models import (
    MINOR_AGE,
    DocumentKind,
    DocumentStatus,
    EmergencyContact,
    ReportEntry,
    ReportPhoto,
    Trip,
    TripApplication,
    TripDocument,
    TripFunding,
    TripStop,
    Vehicle,
)

ACTION_TITLES = {
    "trip.save": _l("Voyage d’étude modifié"),
    "trip.stop_add": _l("Étape ajoutée à un voyage"),
    "trip.stop_update": _l("Étape d’un voyage modifiée"),
    "trip.stop_delete": _l("Étape d’un voyage supprimée"),
    "trip.vehicle_add": _l("Véhicule ajouté à un voyage"),
    "trip.vehicle_delete": _l("Véhicule retiré d’un voyage"),
    "trip.funding_add": _l("Financement ajouté à un voyage"),
    "trip.funding_delete": _l("Financement retiré d’un voyage"),
    "trip.contact_add": _l("Contact d’urgence ajouté"),
    "trip.contact_delete": _l("Contact d’urgence retiré"),
    "trip.apply_for": _l("Candidature enregistrée pour une personne"),
    "trip.document": _l("Document d’un participant mis à jour"),
    "trip.ride": _l("Place dans un véhicule attribuée"),
    "trip.photo_add": _l("Photo ajoutée au rapport d’un voyage"),
    "trip.photo_delete": _l("Photo retirée du rapport d’un voyage"),
    "trip.publish": _l("Rapport de voyage publié"),
    "trip.unpublish": _l("Rapport de voyage retiré"),
}
MOTIVATION_MAX = 1000
TEXT_MAX = 4000
PHOTO_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
HOLDS_SEAT = enrolment.HOLDS_SEAT


class TripError(ValueError):
    """A refused change to a trip; str(error) is a translated message."""


def trip_of(course_session: CourseSession) -> Trip | None:
    return db.session.get(Trip, course_session.id) if course_session.is_trip else None


def ensure_trip(course_session: CourseSession) -> Trip:
    """The trip of a study-trip session, created on first use (two staff at once create one)."""
    if not course_session.is_trip:
        raise TripError(_("Cette session n’est pas un voyage d’étude."))
    trip = db.session.get(Trip, course_session.id)
    if trip is None:
        take_write_lock()
        insert_once(Trip(session_id=course_session.id, purpose={}, questions={}))
        trip = db.session.get(Trip, course_session.id)
    return trip


# --- the trip itself -----------------------------------------------------------------------------

@dataclass
class TripData:
    purpose: dict[str, str] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)
    lodging: str = ""
    meals: str = ""
    budget_per_participant: int | None = None
    seats_bound: bool = True
    documents_block: bool = False
    required_documents: list[str] = field(default_factory=list)


def _texts(values: dict[str, str]) -> dict[str, str]:
    return {code: (values.get(code) or "").strip() for code in LOCALES if (values.get(code) or "").strip()}


def save_trip(trip: Trip, data: TripData, *, actor: User) -> Trip:
    if data.budget_per_participant is not None and data.budget_per_participant < 0:
        raise TripError(_("Le budget ne peut pas être négatif."))
    unknown = set(data.required_documents) - set(DocumentKind)
    if unknown:
        raise TripError(_("Document inconnu : %(kind)s.", kind=", ".join(sorted(unknown))))
    lock_row(trip.course_session)
    trip.purpose, trip.questions = _texts(data.purpose), _texts(data.questions)
    trip.lodging, trip.meals = data.lodging.strip(), data.meals.strip()
    trip.budget_per_participant = data.budget_per_participant
    trip.seats_bound, trip.documents_block = data.seats_bound, data.documents_block
    trip.required_documents = ",".join(kind.value for kind in DocumentKind if kind in data.required_documents)
    trip.updated_at = utcnow()
    bind_capacity(trip)
    record("trip.save", trip, actor=actor)
    db.session.flush()
    return trip


def bind_capacity(trip: Trip) -> None:
    """When the trip says so, its capacity is the vehicles' seats (never below the seats taken)."""
    if not trip.seats_bound or not trip.vehicles:
        return
    course_session = trip.course_session
    lock_row(course_session)
    seats = trip.seats
    if course_session.seats_taken > seats:
        raise TripError(_("Les véhicules ont %(seats)d places, mais %(taken)d participants ont déjà une place : "
                          "ajoutez un véhicule ou annulez d’abord des inscriptions.",
                          seats=seats, taken=course_session.seats_taken))
    course_session.capacity = seats


# --- itinerary -----------------------------------------------------------------------------------

@dataclass
class StopData:
    starts_at: datetime
    ends_at: datetime
    commune: str
    place: str
    host_organisation: str = ""
    host_contact: str = ""
    host_phone: str = ""
    program: dict[str, str] = field(default_factory=dict)


def _topic(data: StopData) -> str:
    return (data.host_organisation or data.place)[:200]


def add_stop(trip: Trip, data: StopData, *, actor: User) -> TripStop:
    """A stop is a meeting of kind "visit" (its register, its sign-in sheet) with its host."""
    if not data.commune.strip() or not data.place.strip():
        raise TripError(_("Indiquez la commune et le lieu de l’étape."))
    meeting = sessions.add_meeting(trip.course_session, data.starts_at, data.ends_at, place=data.place, topic=_topic(data),
                                   actor=actor, force=True, kind=MeetingKind.VISIT)
    position = (db.session.scalar(select(func.max(TripStop.position)).where(TripStop.session_id == trip.session_id)) or 0) + 1
    stop = TripStop(session_id=trip.session_id, meeting_id=meeting.id, position=position)
    _fill_stop(stop, data)
    db.session.add(stop)
    db.session.flush()
    _renumber(trip)
    record("trip.stop_add", trip, actor=actor, stop=stop.id, place=stop.place)
    return stop


def _fill_stop(stop: TripStop, data: StopData) -> None:
    stop.commune, stop.place = data.commune.strip(), data.place.strip()
    stop.host_organisation, stop.host_contact = data.host_organisation.strip(), data.host_contact.strip()
    stop.host_phone, stop.program = data.host_phone.strip(), _texts(data.program)


def update_stop(stop: TripStop, data: StopData, *, actor: User) -> TripStop:
    if not data.commune.strip() or not data.place.strip():
        raise TripError(_("Indiquez la commune et le lieu de l’étape."))
    if data.ends_at <= data.starts_at:
        raise TripError(_("La fin doit suivre le début."))
    course_session = stop.trip.course_session
    lock_row(course_session)
    _fill_stop(stop, data)
    meeting = stop.meeting
    meeting.starts_at, meeting.ends_at, meeting.place, meeting.topic = data.starts_at, data.ends_at, stop.place, _topic(data)
    db.session.flush()
    db.session.refresh(course_session)
    sessions.sync_dates(course_session)
    _renumber(stop.trip)
    record("trip.stop_update", stop.trip, actor=actor, stop=stop.id)
    db.session.flush()
    return stop


def stop_of(meeting) -> TripStop | None:
    return db.session.scalar(select(TripStop).where(TripStop.meeting_id == meeting.id))


def delete_stop(stop: TripStop, *, actor: User) -> None:
    """The stop and its meeting (the page refuses it once the register has marks)."""
    trip = stop.trip
    sessions.delete_meeting(trip.course_session, stop.meeting, actor=actor)  # the stop goes with it (cascade)
    db.session.expire(trip, ["stops"])
    _renumber(trip)
    record("trip.stop_delete", trip, actor=actor, stop=stop.id)
    db.session.flush()


def _renumber(trip: Trip) -> None:
    db.session.flush()
    db.session.expire(trip, ["stops"])
    for position, stop in enumerate(sorted(trip.stops, key=lambda s: (s.meeting.starts_at, s.id)), start=1):
        stop.position = position


# --- logistics -----------------------------------------------------------------------------------

def add_vehicle(trip: Trip, label: str, seats: int, *, driver: str = "", driver_phone: str = "", actor: User) -> Vehicle:
    if not label.strip():
        raise TripError(_("Donnez un nom au véhicule (minibus, voiture de l’association…)."))
    if not 1 <= seats <= 100:
        raise TripError(_("Un véhicule a entre 1 et 100 places."))
    vehicle = Vehicle(session_id=trip.session_id, label=label.strip(), seats=seats, driver=driver.strip(),
                      driver_phone=driver_phone.strip())
    db.session.add(vehicle)
    db.session.flush()
    db.session.expire(trip, ["vehicles"])
    bind_capacity(trip)
    record("trip.vehicle_add", trip, actor=actor, vehicle=vehicle.id, seats=seats)
    db.session.flush()
    return vehicle


def delete_vehicle(vehicle: Vehicle, *, actor: User) -> None:
    trip = db.session.get(Trip, vehicle.session_id)
    db.session.delete(vehicle)
    db.session.flush()
    db.session.expire(trip, ["vehicles"])
    bind_capacity(trip)
    record("trip.vehicle_delete", trip, actor=actor, vehicle=vehicle.id)
    db.session.flush()


def add_funding(trip: Trip, funder: str, amount: int, *, actor: User) -> TripFunding:
    if not funder.strip():
        raise TripError(_("Indiquez le nom du bailleur."))
    if amount < 0:
        raise TripError(_("Le montant ne peut pas être négatif."))
    row = TripFunding(session_id=trip.session_id, funder=funder.strip(), amount=amount)
    db.session.add(row)
    db.session.flush()
    record("trip.funding_add", trip, actor=actor, funder=row.funder, amount=amount)
    return row


def delete_funding(row: TripFunding, *, actor: User) -> None:
    trip = db.session.get(Trip, row.session_id)
    db.session.delete(row)
    record("trip.funding_delete", trip, actor=actor, funder=row.funder)
    db.session.flush()


def add_contact(trip: Trip, name: str, phone: str, role: str = "", *, actor: User) -> EmergencyContact:
    if not name.strip() or not phone.strip():
        raise TripError(_("Un contact d’urgence a un nom et un numéro de téléphone."))
    row = EmergencyContact(session_id=trip.session_id, name=name.strip(), phone=phone.strip(), role=role.strip())
    db.session.add(row)
    db.session.flush()
    record("trip.contact_add", trip, actor=actor, contact=row.id)
    return row


def delete_contact(row: EmergencyContact, *, actor: User) -> None:
    trip = db.session.get(Trip, row.session_id)
    db.session.delete(row)
    record("trip.contact_delete", trip, actor=actor, contact=row.id)
    db.session.flush()


# --- applications and selection --------------------------------------------------------------------

def apply(course_session: CourseSession, person: User, motivation: str, *, actor: User) -> Enrolment:
    """An application: an enrolment request of the session, with its motivation (typed by the person,
    or by staff for someone who cannot type)."""
    motivation = (motivation or "").strip()
    if not motivation:
        raise TripError(_("Écrivez en quelques mots pourquoi ce voyage vous intéresse."))
    if len(motivation) > MOTIVATION_MAX:
        raise TripError(_("La motivation est trop longue (%(max)d caractères au plus).", max=MOTIVATION_MAX))
    ensure_trip(course_session)
    enrolled = enrolment.enrol(course_session, person, actor=actor)
    application = db.session.get(TripApplication, enrolled.id)
    if application is None:
        application = TripApplication(enrolment_id=enrolled.id)
        db.session.add(application)
    application.motivation = motivation
    application.recorded_by_id = actor.id if actor.id != person.id else None
    application.created_at = utcnow()
    if actor.id != person.id:
        record("trip.apply_for", enrolled, actor=actor, person=person.id)
    db.session.flush()
    return enrolled


def select_participant(application: Enrolment, *, actor: User) -> Enrolment:
    """Selected: a seat if one is free (and the documents allow it), else the waitlist."""
    return enrolment.approve(application, actor=actor)


def wait_participant(application: Enrolment, *, actor: User) -> Enrolment:
    return enrolment.defer(application, actor=actor)


def assign_vehicle(participant: Enrolment, vehicle: Vehicle | None, *, actor: User) -> TripApplication:
    if participant.status not in HOLDS_SEAT:
        raise TripError(_("Seul un participant confirmé a une place dans un véhicule."))
    trip = db.session.get(Trip, participant.session_id)
    if vehicle is not None and vehicle.session_id != participant.session_id:
        raise TripError(_("Ce véhicule n’est pas celui de ce voyage."))
    lock_row(trip.course_session)  # two staff filling the same vehicle: one at a time
    application = db.session.get(TripApplication, participant.id)
    if application is None:
        application = TripApplication(enrolment_id=participant.id, motivation="")
        db.session.add(application)
    if vehicle is not None and application.vehicle_id != vehicle.id:
        riding = db.session.scalar(select(func.count()).select_from(TripApplication).join(Enrolment)
                                   .where(TripApplication.vehicle_id == vehicle.id,
                                          Enrolment.status.in_([s.value for s in HOLDS_SEAT])))
        if riding >= vehicle.seats:
            raise TripError(_("Ce véhicule est plein (%(seats)d places).", seats=vehicle.seats))
    application.vehicle_id = vehicle.id if vehicle else None
    record("trip.ride", participant, actor=actor, vehicle=vehicle.id if vehicle else None)
    db.session.flush()
    return application


# --- documents --------------------------------------------------------------------------------------

def is_minor(person: User, trip: Trip) -> bool:
    starts = trip.course_session.starts_at or utcnow()
    return person.birth_year is not None and starts.year - person.birth_year < MINOR_AGE


def needed_documents(trip: Trip, person: User) -> list[DocumentKind]:
    """The checklist of this person: the trip's required documents (a guardian's consent for minors only)."""
    return [kind for kind in trip.required if kind != DocumentKind.GUARDIAN_CONSENT or is_minor(person, trip)]


def documents_of(participant: Enrolment) -> dict[str, TripDocument]:
    return {doc.kind: doc for doc in db.session.scalars(select(TripDocument).where(TripDocument.enrolment_id == participant.id))}


def is_complete(kind: DocumentKind, document: TripDocument | None) -> bool:
    if document is None:
        return False
    if kind == DocumentKind.PHOTO_CONSENT:  # an answer is what is needed: yes or no
        return document.status in (DocumentStatus.RECEIVED, DocumentStatus.REFUSED)
    return document.status == DocumentStatus.RECEIVED


def missing_documents(participant: Enrolment, trip: Trip | None = None) -> list[DocumentKind]:
    trip = trip or db.session.get(Trip, participant.session_id)
    if trip is None:
        return []
    documents = documents_of(participant)
    return [kind for kind in needed_documents(trip, participant.user) if not is_complete(kind, documents.get(kind))]


def may_confirm(participant: Enrolment) -> None:
    """Wired into enrolment (create_app): a trip that says so confirms nobody whose checklist is incomplete."""
    if not participant.course_session.is_trip:  # a class has no checklist (and costs no query here)
        return
    trip = db.session.get(Trip, participant.session_id)
    if trip is None or not trip.documents_block:
        return
    missing = missing_documents(participant, trip)
    if missing:
        raise EnrolmentError(_("Documents manquants pour confirmer %(name)s : %(documents)s.",
                               name=participant.user.name_latin,
                               documents=", ".join(str(kind.title) for kind in missing)))


def set_document(participant: Enrolment, kind: str, status: str, *, actor: User,
                 filename: str = "", stream: BinaryIO | None = None) -> TripDocument:
    """Record a checklist item (and keep its file, if one is sent: JPEG, PNG or PDF, checked from
    its content, without metadata). Refused: nothing changes."""
    if kind not in set(DocumentKind):
        raise TripError(_("Document inconnu : %(kind)s.", kind=kind))
    if status not in set(DocumentStatus) or (status == DocumentStatus.REFUSED and kind != DocumentKind.PHOTO_CONSENT):
        raise TripError(_("Cet état n’existe pas pour ce document."))
    if db.session.get(Trip, participant.session_id) is None:
        raise TripError(_("Cette session n’est pas un voyage d’étude."))
    upload = None
    if filename or stream is not None:
        with without_write_lock():
            upload = _checked_file(filename, stream, DOCUMENT_MAX_BYTES)
    take_write_lock()
    # Held from here to the commit (not before the file's check, which lets SQLite's lock go): an
    # erasure under way is waited for.
    if hold_person(participant.user).erased_at is not None:
        raise TripError(_("Les données de cette personne ont été effacées à sa demande."))
    document = db.session.scalar(select(TripDocument).where(TripDocument.enrolment_id == participant.id,
                                                            TripDocument.kind == kind))
    if document is None:
        insert_once(TripDocument(enrolment_id=participant.id, kind=kind))
        document = db.session.scalar(select(TripDocument).where(TripDocument.enrolment_id == participant.id,
                                                                TripDocument.kind == kind))
    old_key = document.storage_key
    if upload is not None:
        data, file_kind = upload
        key = f"trips/{participant.session_id}/documents/{participant.id}-{kind}-{utcnow():%Y%m%d%H%M%S%f}.{KINDS[file_kind][1][0].lstrip('.')}"
        get_storage().put(key, data, content_type=KINDS[file_kind][2])
        document.storage_key, document.filename, document.content_type = key, filename, KINDS[file_kind][2]
    document.status, document.updated_by_id, document.updated_at = status, actor.id, utcnow()
    record("trip.document", participant, actor=actor, kind=kind, status=status, file=bool(upload))
    db.session.flush()
    if upload is not None and old_key:
        discard_after_commit(db.session(), [old_key])
    return document


def _checked_file(filename: str, stream: BinaryIO | None, limit: int) -> tuple[bytes, str]:
    check_name(filename)  # a path-like name is refused before anything is read
    data = read_stream(stream, limit) if stream is not None else b""
    kind = checked_kind(filename, data)
    try:
        if kind != "pdf":
            decode_image(data, current_app.config["SCAN_MAX_PIXELS"])
        return strip_metadata(kind, data), kind
    except UploadRefused:
        raise
    except Exception:  # noqa: BLE001  any decoder error on untrusted bytes is a refusal
        raise UploadRefused(_("Le fichier est endommagé ou illisible. Refaites la photo ou le scan et réessayez.")) from None




# --- the trip report ------------------------------------------------------------------------------

def can_write_report(trip: Trip, person: User) -> bool:
    if trip.course_session.can_manage(person):
        return True
    return db.session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.session_id == trip.session_id, Enrolment.user_id == person.id,
        Enrolment.status.in_([EnrolmentStatus.CONFIRMED.value, EnrolmentStatus.COMPLETED.value,
                              EnrolmentStatus.NOT_COMPLETED.value]))) > 0


def save_entry(stop: TripStop, author: User, language: str, learnt: str, replicate: str, *, actor: User) -> ReportEntry | None:
    """What `author` learnt at `stop` and would replicate at home (empty both: the entry is removed)."""
    trip = stop.trip
    if not can_write_report(trip, author):
        raise TripError(_("Seuls les participants et l’équipe de ce voyage écrivent son rapport."))
    if hold_person(author).erased_at is not None:
        raise TripError(_("Les données de cette personne ont été effacées à sa demande."))
    if language not in LOCALES:
        raise TripError(_("Choisissez la langue dans laquelle vous écrivez."))
    learnt, replicate = (learnt or "").strip(), (replicate or "").strip()
    if len(learnt) > TEXT_MAX or len(replicate) > TEXT_MAX:
        raise TripError(_("Le texte est trop long (%(max)d caractères au plus).", max=TEXT_MAX))
    take_write_lock()
    entry = db.session.scalar(select(ReportEntry).where(ReportEntry.stop_id == stop.id, ReportEntry.author_id == author.id))
    if not learnt and not replicate:
        if entry is not None:
            db.session.delete(entry)
            db.session.flush()
        return None
    if entry is None:
        insert_once(ReportEntry(stop_id=stop.id, author_id=author.id, language=language))
        entry = db.session.scalar(select(ReportEntry).where(ReportEntry.stop_id == stop.id, ReportEntry.author_id == author.id))
    entry.language, entry.learnt, entry.replicate, entry.updated_at = language, learnt, replicate, utcnow()
    db.session.flush()
    return entry


def add_photo(stop: TripStop, filename: str, stream: BinaryIO, *, caption: str = "", people: list[User] | None = None,
              actor: User) -> ReportPhoto:
    """A photo of a stop (JPEG or PNG), re-encoded without its metadata. `people`: who appears in it."""
    import io

    caption = (caption or "").strip()
    if len(caption) > 300:
        raise TripError(_("La légende est trop longue (%(max)d caractères au plus).", max=300))
    trip = stop.trip
    people = people or []
    participants = set(participant_ids(trip))
    if any(person.id not in participants for person in people):
        raise TripError(_("Seuls les participants du voyage peuvent être indiqués sur une photo."))
    with without_write_lock():
        announced = check_name(filename)
        if announced == "pdf":
            raise UploadRefused(_("Seules les photos JPEG ou PNG sont acceptées."))
        data, _kind = _checked_file(filename, stream, PHOTO_MAX_BYTES)
        image = decode_image(data, current_app.config["SCAN_MAX_PIXELS"])
        image.thumbnail((PAGE_LONG_SIDE // 2, PAGE_LONG_SIDE // 2))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=PAGE_QUALITY, optimize=True)  # re-encoded: no EXIF, no GPS
    take_write_lock()
    if any(hold_person(person).erased_at is not None for person in people):  # as set_document: held to the commit
        raise TripError(_("Les données de cette personne ont été effacées à sa demande."))
    photo = ReportPhoto(stop_id=stop.id, caption=caption, width=image.width, height=image.height,
                        uploaded_by_id=actor.id, people=list(people))
    db.session.add(photo)
    db.session.flush()
    photo.storage_key = f"trips/{trip.session_id}/photos/{photo.id}.jpg"
    get_storage().put(photo.storage_key, out.getvalue(), content_type="image/jpeg")
    record("trip.photo_add", trip, actor=actor, photo=photo.id, people=[p.id for p in people])
    try:
        db.session.flush()
    except BaseException:
        get_storage().delete(photo.storage_key)
        raise
    return photo


def delete_photo(photo: ReportPhoto, *, actor: User) -> None:
    trip = photo.stop.trip
    key = photo.storage_key
    db.session.delete(photo)
    record("trip.photo_delete", trip, actor=actor, photo=photo.id)
    db.session.flush()
    discard_after_commit(db.session(), [key])


def participant_ids(trip: Trip) -> list[int]:
    return list(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.session_id == trip.session_id, Enrolment.status.in_([s.value for s in HOLDS_SEAT]))))


def consenting_ids(trip: Trip) -> set[int]:
    """People of the trip who agreed to appear in published photos."""
    return set(db.session.scalars(select(Enrolment.user_id).join(TripDocument, TripDocument.enrolment_id == Enrolment.id).where(
        Enrolment.session_id == trip.session_id, TripDocument.kind == DocumentKind.PHOTO_CONSENT.value,
        TripDocument.status == DocumentStatus.RECEIVED.value)))


def publishable(photo: ReportPhoto, consenting: set[int]) -> bool:
    return all(person.id in consenting for person in photo.people)


def publish_report(trip: Trip, *, actor: User) -> Trip:
    lock_row(trip.course_session)
    if not trip.stops:
        raise TripError(_("Ajoutez d’abord les étapes du voyage."))
    has_entries = db.session.scalar(select(func.count()).select_from(ReportEntry).join(TripStop)
                                    .where(TripStop.session_id == trip.session_id))
    if not has_entries:
        raise TripError(_("Le rapport est vide : écrivez d’abord ce qui a été appris à au moins une étape."))
    if trip.report_published_at is None:
        trip.report_published_at, trip.report_published_by_id = utcnow(), actor.id
        record("trip.publish", trip, actor=actor)
    db.session.flush()
    return trip


def unpublish_report(trip: Trip, *, actor: User) -> Trip:
    lock_row(trip.course_session)
    if trip.report_published_at is not None:
        trip.report_published_at, trip.report_published_by_id = None, None
        record("trip.unpublish", trip, actor=actor)
    db.session.flush()
    return trip


# --- erasure on request (ecole/privacy/ composes it) -------------------------------------------------

def erase_participant(user: User) -> dict[str, int]:
    """A person erased on request, in their study trips: their documents (identity, consents, medical
    certificate) go with their files, their motivations are emptied, what they wrote in trip reports
    goes, and so does every photo they appear in, whoever else is in it (a face cannot be left out of
    a picture). Their seat, vehicle and registers stay. Files are deleted once the erasure is committed.
    Returns what was removed, counted."""
    theirs = select(Enrolment.id).where(Enrolment.user_id == user.id)
    documents = db.session.scalars(select(TripDocument).where(TripDocument.enrolment_id.in_(theirs))).all()
    photos = db.session.scalars(select(ReportPhoto).where(ReportPhoto.people.any(User.id == user.id))).all()
    entries = db.session.scalars(select(ReportEntry).where(ReportEntry.author_id == user.id)).all()
    keys = [row.storage_key for row in (*documents, *photos) if row.storage_key]
    for row in (*documents, *photos, *entries):
        db.session.delete(row)
    db.session.execute(update(TripApplication).where(TripApplication.enrolment_id.in_(theirs)).values(motivation=""),
                       execution_options={"synchronize_session": False})
    db.session.flush()
    discard_after_commit(db.session(), keys)
    return {"documents": len(documents), "photos": len(photos), "report_entries": len(entries)}
