"""Study trips through their services and pages: a trip is a session (its seats, selection, waitlist
and registers are the session's), its capacity follows the vehicles' seats, documents hold a
confirmation back only when the trip says so, photos of people who did not consent are never
published, and what is private (phones, contacts, documents) stays with the trip's staff."""
import io

import pytest
from PIL import Image

from ecole.accounts import services as accounts
from ecole.attendance import services as attendance
from ecole.enrolment import services as enrolment
from ecole.enrolment.models import Enrolment
from ecole.enrolment.services import EnrolmentError
from ecole.extensions import db
from ecole.trips import queries, services
from ecole.trips.models import TripApplication
from ecole.trips.services import TripData, TripError
from tests.factories import make_user
from tests.helpers import login, post


def png(color: str = "orange", size=(160, 120)) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", size, color).save(data, "PNG")
    data.seek(0)
    return data


def applicant(trip, name: str, **profile):
    person = make_user("trainee", name=name, email=f"{name.lower().replace(' ', '.')}@example.org", **profile)
    application = services.apply(trip.course_session, person, f"{name} veut apprendre.", actor=person)
    db.session.commit()
    return application


def taken(trip) -> int:
    """The seats taken, as the database counts them (enrolment changes them by UPDATE)."""
    db.session.refresh(trip.course_session)
    return trip.course_session.seats_taken


def _data(trip, **changes) -> TripData:
    base = dict(purpose=trip.purpose, questions=trip.questions, lodging=trip.lodging, meals=trip.meals,
                budget_per_participant=trip.budget_per_participant, seats_bound=trip.seats_bound,
                documents_block=trip.documents_block, required_documents=[k.value for k in trip.required])
    return TripData(**{**base, **changes})


# --- a trip is a session ---------------------------------------------------------------------------

def test_a_trip_is_a_session_whose_participants_apply_and_are_selected(trip, people):
    course_session = trip.course_session
    assert course_session.is_trip and course_session.requires_approval
    assert [stop.meeting.kind for stop in trip.stops] == ["visit", "visit"]
    application = applicant(trip, "Aicha Amrani")
    assert application.status == "requested" and taken(trip) == 0
    assert db.session.get(TripApplication, application.id).motivation == "Aicha Amrani veut apprendre."
    services.select_participant(application, actor=people.admin)
    assert application.status == "confirmed" and taken(trip) == 1


def test_the_others_wait_and_are_promoted_as_in_any_session(trip, people):
    applications = [applicant(trip, f"Personne {n}") for n in range(5)]
    for application in applications:
        services.select_participant(application, actor=people.admin)
    db.session.commit()
    assert [a.status for a in applications] == ["confirmed"] * 3 + ["waitlisted"] * 2
    deferred = applicant(trip, "Plus Tard")
    services.wait_participant(deferred, actor=people.admin)
    assert deferred.status == "waitlisted"
    enrolment.cancel(applications[0], actor=applications[0].user)
    db.session.commit()
    assert applications[3].status == "offered"  # the first in line gets the freed seat


def test_an_application_needs_a_motivation_and_staff_may_record_it(trip, people):
    person = make_user("trainee", name="Hassan Sans Clavier", phone="0698765432", email=None)
    with pytest.raises(TripError):
        services.apply(trip.course_session, person, "   ", actor=person)
    db.session.rollback()
    application = services.apply(trip.course_session, person, "Il veut voir le séchage.", actor=people.trainer)
    assert db.session.get(TripApplication, application.id).recorded_by_id == people.trainer.id


def test_the_enrol_button_of_a_trip_leads_to_the_application(trip, as_role):
    trainee = as_role("trainee")
    response = post(trainee, f"/sessions/{trip.session_id}/enrol", {})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/sessions/{trip.session_id}/apply")
    assert db.session.scalar(db.select(db.func.count(Enrolment.id))) == 0


# --- seats follow the vehicles ---------------------------------------------------------------------

def test_the_capacity_follows_the_vehicles_and_never_drops_below_the_seats_taken(trip, people):
    assert trip.course_session.capacity == 3
    van = services.add_vehicle(trip, "Fourgon", 5, actor=people.trainer)
    assert trip.course_session.capacity == 8
    for n in range(6):
        services.select_participant(applicant(trip, f"Voyageur {n}"), actor=people.admin)
    db.session.commit()
    with pytest.raises(TripError, match="6"):
        services.delete_vehicle(van, actor=people.trainer)
    db.session.rollback()
    assert trip.course_session.capacity == 8
    services.save_trip(trip, _data(trip, seats_bound=False), actor=people.trainer)
    assert trip.course_session.capacity == 8  # unbound: the session's own number stays


def test_a_vehicle_holds_only_its_seats(trip, people):
    car = services.add_vehicle(trip, "Voiture", 1, actor=people.trainer)
    first, second = (applicant(trip, name) for name in ("Un Passager", "Deux Passager"))
    for application in (first, second):
        services.select_participant(application, actor=people.admin)
    services.assign_vehicle(first, car, actor=people.trainer)
    with pytest.raises(TripError):
        services.assign_vehicle(second, car, actor=people.trainer)


# --- documents -------------------------------------------------------------------------------------

def test_required_documents_block_confirmation_only_when_the_trip_says_so(trip, people):
    services.save_trip(trip, _data(trip, documents_block=True, required_documents=["identity", "photo_consent"]),
                       actor=people.trainer)
    db.session.commit()
    application = applicant(trip, "Sans Papiers")
    with pytest.raises(EnrolmentError, match="Pièce d’identité"):
        services.select_participant(application, actor=people.admin)
    db.session.rollback()
    assert application.status == "requested" and taken(trip) == 0
    services.set_document(application, "identity", "received", actor=people.trainer)
    services.set_document(application, "photo_consent", "refused", actor=people.trainer)  # an answer is enough
    services.select_participant(application, actor=people.admin)
    assert application.status == "confirmed"

    services.save_trip(trip, _data(trip, documents_block=False), actor=people.trainer)
    free = applicant(trip, "Sans Blocage")
    services.select_participant(free, actor=people.admin)
    assert free.status == "confirmed"


def test_a_guardians_consent_is_asked_of_minors_only(trip, people):
    services.save_trip(trip, _data(trip, documents_block=True, required_documents=["guardian_consent"]), actor=people.trainer)
    year = trip.course_session.starts_at.year
    minor = applicant(trip, "Jeune Mineur", birth_year=year - 16)
    adult = applicant(trip, "Adulte Majeur", birth_year=year - 30)
    assert [k.value for k in services.missing_documents(minor)] == ["guardian_consent"]
    assert services.missing_documents(adult) == []
    services.select_participant(adult, actor=people.admin)
    with pytest.raises(EnrolmentError):
        services.select_participant(minor, actor=people.admin)


def test_an_offer_cannot_be_accepted_without_the_documents(trip, people):
    seated = [applicant(trip, f"Assis {n}") for n in range(3)]
    for application in seated:
        services.select_participant(application, actor=people.admin)
    waiting = applicant(trip, "En Attente")
    services.select_participant(waiting, actor=people.admin)
    services.save_trip(trip, _data(trip, documents_block=True), actor=people.trainer)
    enrolment.cancel(seated[0], actor=seated[0].user)
    db.session.commit()
    assert waiting.status == "offered"
    with pytest.raises(EnrolmentError):
        enrolment.accept_offer(waiting, actor=waiting.user)
    db.session.rollback()
    services.set_document(waiting, "identity", "received", actor=people.trainer)
    services.set_document(waiting, "photo_consent", "received", actor=people.trainer)
    enrolment.accept_offer(waiting, actor=waiting.user)
    assert waiting.status == "confirmed"


@pytest.mark.parametrize("name,data,message", [
    ("../../etc/passwd.png", png().getvalue(), "chemin"),
    ("carte.png", b"%PDF-1.4 not an image", "ne correspond pas"),
    ("carte.exe", b"MZ", "JPEG"),
    ("carte.jpg", b"\xff\xd8\xff\xe0 broken", "endommagé"),
    ("vide.png", b"", "vide"),
])
def test_a_document_file_is_checked_and_a_refusal_changes_nothing(trip, people, name, data, message):
    from ecole.core.uploads import UploadRefused
    from ecole.trips.models import TripDocument

    application = applicant(trip, "Avec Fichier")
    with pytest.raises(UploadRefused, match=message):
        services.set_document(application, "identity", "received", actor=people.trainer, filename=name,
                              stream=io.BytesIO(data))
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(TripDocument.id))) == 0


def test_a_document_file_is_kept_without_its_metadata_and_served_to_staff_only(trip, people, as_role):
    from ecole.core.storage import get_storage

    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    Image.new("RGB", (80, 60), "blue").save(photo, "JPEG", exif=exif)
    assert b"PhoneMaker" in photo.getvalue()
    application = applicant(trip, "Carte Identite")
    document = services.set_document(application, "identity", "received", actor=people.trainer, filename="cin.jpg",
                                     stream=io.BytesIO(photo.getvalue()))
    db.session.commit()
    assert b"PhoneMaker" not in get_storage().get(document.storage_key)
    url = f"/sessions/{trip.session_id}/trip/documents/file/{document.id}"
    assert as_role("trainer").get(url).status_code == 200
    assert as_role("trainee").get(url).status_code == 403
    assert as_role("anonymous").get(url).status_code == 302


# --- the report and its photos -----------------------------------------------------------------------

def _participants(trip, people, consent: dict[str, str]):
    """Selected people named after their consent: {"Oui Photo": "received", "Non Photo": "refused"}."""
    chosen = {}
    for name, answer in consent.items():
        application = applicant(trip, name)
        services.select_participant(application, actor=people.admin)
        if answer:
            services.set_document(application, "photo_consent", answer, actor=people.trainer)
        chosen[name] = application.user
    db.session.commit()
    return chosen


def test_a_person_without_photo_consent_never_appears_in_a_published_photo(trip, people, client):
    chosen = _participants(trip, people, {"Oui Photo": "received", "Non Photo": "refused", "Sans Reponse": ""})
    stop = trip.stops[0]
    services.save_entry(stop, chosen["Oui Photo"], "fr", "Le safran se sèche à l’ombre.", "", actor=chosen["Oui Photo"])
    shown = services.add_photo(stop, "oui.png", png("green"), caption="Oui", people=[chosen["Oui Photo"]], actor=people.trainer)
    hidden = services.add_photo(stop, "non.png", png("red"), caption="Non",
                                people=[chosen["Oui Photo"], chosen["Non Photo"]], actor=people.trainer)
    unknown = services.add_photo(stop, "tiers.png", png("gray"), caption="Tiers", people=[chosen["Sans Reponse"]],
                                 actor=people.trainer)
    landscape = services.add_photo(stop, "champ.png", png("purple"), caption="Champ", actor=people.trainer)
    services.publish_report(trip, actor=people.trainer)
    db.session.commit()
    [item, _second] = queries.report(trip, published_only=True)
    assert [p.id for p in item.photos] == [shown.id, landscape.id]
    page = client.get(f"/trips/{trip.session_id}").get_data(as_text=True)
    assert f"/photos/{shown.id}.jpg" in page and f"/photos/{landscape.id}.jpg" in page
    assert f"/photos/{hidden.id}.jpg" not in page and f"/photos/{unknown.id}.jpg" not in page
    assert client.get(f"/trips/{trip.session_id}/photos/{shown.id}.jpg").status_code == 200
    for photo in (hidden, unknown):
        assert client.get(f"/trips/{trip.session_id}/photos/{photo.id}.jpg").status_code == 404
    # Consent withdrawn after publication: the photo leaves the page at once.
    application = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == chosen["Oui Photo"].id))
    services.set_document(application, "photo_consent", "refused", actor=people.trainer)
    db.session.commit()
    assert client.get(f"/trips/{trip.session_id}/photos/{shown.id}.jpg").status_code == 404


def test_only_participants_appear_on_photos_and_write_the_report(trip, people):
    outsider = make_user("trainee", name="Pas Parti", email="pas.parti@example.org")
    with pytest.raises(TripError):
        services.add_photo(trip.stops[0], "x.png", png(), people=[outsider], actor=people.trainer)
    with pytest.raises(TripError):
        services.save_entry(trip.stops[0], outsider, "fr", "Rien", "", actor=outsider)


def test_each_part_says_its_language_and_reads_in_its_direction(trip, people, client):
    chosen = _participants(trip, people, {"Hassan Arabe": "", "Itto Tifinagh": ""})
    stop = trip.stops[0]
    services.save_entry(stop, chosen["Hassan Arabe"], "ar", "تعلمنا كيف نحدد الثمن جماعيا.", "متجر مشترك.", actor=chosen["Hassan Arabe"])
    services.save_entry(stop, chosen["Itto Tifinagh"], "zgh", "ⵏⵍⵎⴷ ⴰⵙⵙⵓⴼⵖ ⵏ ⵓⵣⴰⴼⵔⴰⵏ.", "", actor=chosen["Itto Tifinagh"])
    services.publish_report(trip, actor=people.trainer)
    db.session.commit()
    page = client.get(f"/trips/{trip.session_id}?lang=fr").get_data(as_text=True)
    assert '<div lang="ar" dir="rtl">' in page and '<div lang="zgh" dir="ltr">' in page
    assert "écrit en العربية" in page and "écrit en ⵜⴰⵎⴰⵣⵉⵖⵜ" in page


def test_the_report_is_published_from_the_course_and_home_pages_and_can_be_withdrawn(trip, people, client):
    url = f"/trips/{trip.session_id}"
    assert client.get(url).status_code == 404
    with pytest.raises(TripError):  # nothing written yet
        services.publish_report(trip, actor=people.trainer)
    db.session.rollback()
    chosen = _participants(trip, people, {"Auteur Rapport": ""})
    services.save_entry(trip.stops[1], chosen["Auteur Rapport"], "fr", "Vendre ensemble.", "", actor=chosen["Auteur Rapport"])
    services.publish_report(trip, actor=people.trainer)
    db.session.commit()
    assert client.get(url).status_code == 200
    assert url in client.get("/").get_data(as_text=True)
    assert url in client.get(f"/courses/{trip.course_session.course.slug}").get_data(as_text=True)
    services.unpublish_report(trip, actor=people.trainer)
    db.session.commit()
    assert client.get(url).status_code == 404
    assert url not in client.get(f"/courses/{trip.course_session.course.slug}").get_data(as_text=True)


# --- attendance per stop ------------------------------------------------------------------------------

def test_each_stop_has_its_register(trip, people):
    chosen = _participants(trip, people, {"Present Etape": ""})
    person = chosen["Present Etape"]
    application = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == person.id))
    stop = trip.stops[0]
    attendance.save_marks(stop.meeting, {application.id: "present"}, actor=people.trainer, now=stop.meeting.starts_at)
    db.session.commit()
    from ecole.attendance.queries import has_marks

    assert has_marks(stop.meeting) and not has_marks(trip.stops[1].meeting)


# --- privacy -----------------------------------------------------------------------------------------

def test_phones_contacts_and_documents_stay_with_the_trips_staff(app, trip, people, as_role, client):
    services.add_contact(trip, "Docteur Tazenakht", "0528000000", "Médecin", actor=people.trainer)
    _participants(trip, people, {"Telephone Prive": ""})
    accounts.update_profile(db.session.scalar(db.select(Enrolment)).user, {"phone": "0677777777"}, actor=people.admin)
    db.session.commit()
    public = client.get(f"/sessions/{trip.session_id}").get_data(as_text=True)
    for secret in ("0661234567", "0528000000", "0677777777", "0670000000"):
        assert secret not in public
    trainee = as_role("trainee")
    for page in ("trip", "trip/logistics", "trip/participants", "trip/documents", "trip/road-book.pdf"):
        assert trainee.get(f"/sessions/{trip.session_id}/{page}").status_code == 403
    other_trainer = make_user("trainer", name="Autre Formateur", email="autre.formateur@example.org")
    stranger = app.test_client()
    login(stranger, other_trainer)
    assert stranger.get(f"/sessions/{trip.session_id}/trip/logistics").status_code == 403
    staff = as_role("trainer").get(f"/sessions/{trip.session_id}/trip/logistics").get_data(as_text=True)
    assert "0528000000" in staff


@pytest.mark.parametrize("name,data", [
    ("plan.pdf", b"%PDF-1.4\n"),
    ("photo.png", b"GIF89a not a png"),
    ("../photo.jpg", b"\xff\xd8\xff"),
    ("photo.jpg", b"\xff\xd8\xff\xe0 truncated"),
])
def test_a_refused_photo_leaves_no_row_and_no_file(trip, people, tmp_path, name, data):
    from ecole.core.uploads import UploadRefused
    from ecole.trips.models import ReportPhoto

    with pytest.raises((UploadRefused, TripError)):
        services.add_photo(trip.stops[0], name, io.BytesIO(data), actor=people.trainer)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(ReportPhoto.id))) == 0


def test_a_photo_is_stored_without_its_metadata(trip, people):
    from ecole.core.storage import get_storage

    original = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (300, 200), "green").save(original, "JPEG", exif=exif)
    photo = services.add_photo(trip.stops[0], "terrain.jpg", io.BytesIO(original.getvalue()), actor=people.trainer)
    db.session.commit()
    stored = get_storage().get(photo.storage_key)
    assert stored.startswith(b"\xff\xd8") and b"PhoneMaker" not in stored


def test_a_stop_deleted_from_the_session_page_leaves_the_itinerary_numbered(trip, people, as_role):
    from ecole.core.audit import AuditEntry

    first, second = trip.stops
    response = post(as_role("trainer"), f"/sessions/{trip.session_id}/meetings/{first.meeting_id}/delete", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert [(stop.id, stop.position) for stop in trip.stops] == [(second.id, 1)]
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "trip.stop_delete")) == 1
