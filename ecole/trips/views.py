"""Study-trip pages. Staff of the session: the trip, its itinerary, logistics, participants and
their documents, the road book, the report's photos and its publication. Administrators select
the participants. Participants apply and write their part of the report. Everyone reads a
published report."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecole.accounts.models import User
from ecole.accounts.services import find_by_identifier
from ecole.attendance import queries as attendance_queries
from ecole.core.access import admin_required, login_required, staff_required
from ecole.core.forms import ConfirmForm, form_status
from ecole.core.pages import act, download, found, pdf_response, save_form
from ecole.core.storage import get_storage
from ecole.core.uploads import UploadRefused
from ecole.enrolment.models import Enrolment
from ecole.enrolment.queries import enrolment_of
from ecole.enrolment.services import EnrolmentError
from ecole.extensions import db
from ecole.i18n import LANGUAGE_NAMES, current_language
from ecole.sessions.forms import local
from ecole.sessions.pages import managed_session, session_or_404
from ecole.sessions.services import SessionError, to_utc
from ecole.trips import printing, queries, services
from ecole.trips.forms import (
    ApplyForForm,
    ApplyForm,
    ContactForm,
    DocumentForm,
    EntryForm,
    FundingForm,
    PhotoForm,
    RideForm,
    StopForm,
    TripForm,
    VehicleForm,
)
from ecole.trips.models import (
    DocumentKind,
    EmergencyContact,
    ReportEntry,
    ReportPhoto,
    Trip,
    TripDocument,
    TripFunding,
    TripStop,
    Vehicle,
)
from ecole.trips.services import TripError

trips = Blueprint("trips", __name__)
REFUSED = (TripError, EnrolmentError, UploadRefused)


# --- finding things --------------------------------------------------------------------------------

def managed_trip(session_id: int) -> Trip:
    """The trip of a study-trip session the reader manages (created on first visit), else 404/403."""
    course_session = managed_session(session_id)
    if not course_session.is_trip:
        abort(404)
    trip = db.session.get(Trip, course_session.id)
    if trip is None:
        trip = services.ensure_trip(course_session)
        db.session.commit()
    return trip


def _part(model, ident: int, trip: Trip):
    """A row of `trip` (a stop, a vehicle…): 404 for a row of another trip."""
    row = found(db.session.get(model, ident))
    if getattr(row, "session_id", None) != trip.session_id:
        abort(404)
    return row


def _participant(trip: Trip, enrolment_id: int) -> Enrolment:
    enrolment = found(db.session.get(Enrolment, enrolment_id))
    if enrolment.session_id != trip.session_id:
        abort(404)
    return enrolment


def _back(endpoint: str, trip: Trip, anchor: str = ""):
    return redirect(url_for(endpoint, session_id=trip.session_id) + anchor)


# --- the trip --------------------------------------------------------------------------------------

@trips.route("/sessions/<int:session_id>/trip", methods=["GET", "POST"])
@staff_required
def details(session_id: int):
    trip = managed_trip(session_id)
    form = TripForm()
    if not form.is_submitted():
        form.fill(trip)
    if save_form(form, lambda: services.save_trip(trip, form.to_data(), actor=current_user),
                 _("Le voyage est enregistré."), refused=REFUSED):
        return _back("trips.details", trip)
    return render_template("trips/details.html", trip=trip, course_session=trip.course_session, form=form,
                           tab="details"), form_status(form)


@trips.route("/sessions/<int:session_id>/trip/itinerary")
@staff_required
def itinerary(session_id: int, form: StopForm | None = None, status: int = 200):
    trip = managed_trip(session_id)
    return render_template("trips/itinerary.html", trip=trip, course_session=trip.course_session,
                           form=form or StopForm(), action_form=ConfirmForm(), tab="itinerary"), status


@trips.route("/sessions/<int:session_id>/trip/stops", methods=["POST"])
@staff_required
def add_stop(session_id: int):
    trip = managed_trip(session_id)
    form = StopForm()
    if save_form(form, lambda: services.add_stop(trip, form.to_data(to_utc), actor=current_user),
                 _("L’étape est ajoutée."), refused=REFUSED + (SessionError,)):
        return _back("trips.itinerary", trip, "#stops")
    return itinerary(session_id, form, 400)


@trips.route("/sessions/<int:session_id>/trip/stops/<int:stop_id>", methods=["GET", "POST"])
@staff_required
def edit_stop(session_id: int, stop_id: int):
    trip = managed_trip(session_id)
    stop = _part(TripStop, stop_id, trip)
    form = StopForm()
    if not form.is_submitted():
        form.fill(stop, local)
    if save_form(form, lambda: services.update_stop(stop, form.to_data(to_utc), actor=current_user),
                 _("L’étape est enregistrée."), refused=REFUSED):
        return _back("trips.itinerary", trip, "#stops")
    return render_template("trips/stop.html", trip=trip, course_session=trip.course_session, stop=stop, form=form,
                           tab="itinerary"), form_status(form)


@trips.route("/sessions/<int:session_id>/trip/stops/<int:stop_id>/delete", methods=["POST"])
@staff_required
def delete_stop(session_id: int, stop_id: int):
    trip = managed_trip(session_id)
    stop = _part(TripStop, stop_id, trip)

    def delete():
        if attendance_queries.has_marks(stop.meeting):
            raise TripError(_("Cette étape a déjà des présences : elle ne peut plus être supprimée."))
        services.delete_stop(stop, actor=current_user)

    act(ConfirmForm(), delete, _("L’étape est supprimée."), refused=REFUSED)
    return _back("trips.itinerary", trip, "#stops")


# --- logistics -------------------------------------------------------------------------------------

@trips.route("/sessions/<int:session_id>/trip/logistics")
@staff_required
def logistics(session_id: int, forms: dict | None = None, status: int = 200):
    trip = managed_trip(session_id)
    forms = {"vehicle": VehicleForm(prefix="vehicle"), "funding": FundingForm(prefix="funding"),
             "contact": ContactForm(prefix="contact"), **(forms or {})}
    budget = (trip.budget_per_participant or 0) * trip.course_session.capacity
    return render_template("trips/logistics.html", trip=trip, course_session=trip.course_session, forms=forms,
                           action_form=ConfirmForm(), funded=sum(row.amount for row in trip.funding), budget=budget,
                           tab="logistics"), status


def _add(session_id: int, name: str, form_class, add, success: str, anchor: str):
    trip = managed_trip(session_id)
    form = form_class(prefix=name)
    if save_form(form, lambda: add(trip, form), success, refused=REFUSED):
        return _back("trips.logistics", trip, anchor)
    return logistics(session_id, {name: form}, 400)


@trips.route("/sessions/<int:session_id>/trip/vehicles", methods=["POST"])
@staff_required
def add_vehicle(session_id: int):
    return _add(session_id, "vehicle", VehicleForm,
                lambda trip, f: services.add_vehicle(trip, f.label.data, f.seats.data, driver=f.driver.data or "",
                                                     driver_phone=f.driver_phone.data or "", actor=current_user),
                _("Le véhicule est ajouté."), "#vehicles")


@trips.route("/sessions/<int:session_id>/trip/funding", methods=["POST"])
@staff_required
def add_funding(session_id: int):
    return _add(session_id, "funding", FundingForm,
                lambda trip, f: services.add_funding(trip, f.funder.data, f.amount.data, actor=current_user),
                _("Le financement est ajouté."), "#budget")


@trips.route("/sessions/<int:session_id>/trip/contacts", methods=["POST"])
@staff_required
def add_contact(session_id: int):
    return _add(session_id, "contact", ContactForm,
                lambda trip, f: services.add_contact(trip, f.name.data, f.phone.data, f.role.data or "", actor=current_user),
                _("Le contact est ajouté."), "#contacts")


_REMOVABLE = {
    "vehicles": (Vehicle, services.delete_vehicle, "#vehicles"),
    "funding": (TripFunding, services.delete_funding, "#budget"),
    "contacts": (EmergencyContact, services.delete_contact, "#contacts"),
}


@trips.route("/sessions/<int:session_id>/trip/<any(vehicles, funding, contacts):part>/<int:row_id>/delete",
             methods=["POST"])
@staff_required
def delete_part(session_id: int, part: str, row_id: int):
    trip = managed_trip(session_id)
    model, delete, anchor = _REMOVABLE[part]
    row = _part(model, row_id, trip)
    act(ConfirmForm(), lambda: delete(row, actor=current_user), _("C’est retiré."), refused=REFUSED)
    return _back("trips.logistics", trip, anchor)


# --- applications, selection, rides -------------------------------------------------------------------

@trips.route("/sessions/<int:session_id>/apply", methods=["GET", "POST"])
@login_required
def apply(session_id: int):
    course_session = session_or_404(session_id)
    if not course_session.is_trip:
        abort(404)
    trip = services.trip_of(course_session)
    mine = enrolment_of(course_session, current_user)
    form = ApplyForm()
    if save_form(form, lambda: services.apply(course_session, current_user, form.motivation.data, actor=current_user),
                 _("Votre candidature est envoyée : l’école vous dira si vous êtes retenu."), refused=REFUSED):
        return redirect(url_for("sessions.show", session_id=course_session.id))
    return render_template("trips/apply.html", course_session=course_session, trip=trip, form=form, mine=mine,
                           lang=current_language()), form_status(form)


@trips.route("/sessions/<int:session_id>/trip/participants")
@staff_required
def participants(session_id: int, apply_form: ApplyForForm | None = None, status: int = 200):
    trip = managed_trip(session_id)
    rows = queries.applicants(trip)
    ride_forms = {row.enrolment.id: _ride_form(trip, row) for row in rows if row.enrolment.status in services.HOLDS_SEAT}
    return render_template("trips/participants.html", trip=trip, course_session=trip.course_session, rows=rows,
                           selection=queries.selection(trip), action_form=ConfirmForm(), ride_forms=ride_forms,
                           apply_form=apply_form or ApplyForForm(prefix="for"), tab="participants"), status


def _ride_form(trip: Trip, row) -> RideForm:
    form = RideForm.for_vehicles(trip.vehicles, prefix=f"ride-{row.enrolment.id}")
    form.vehicle.data = row.application.vehicle_id if row.application and row.application.vehicle_id else 0
    return form


@trips.route("/sessions/<int:session_id>/trip/apply-for", methods=["POST"])
@staff_required
def apply_for(session_id: int):
    trip = managed_trip(session_id)
    form = ApplyForForm(prefix="for")

    def record():
        person = find_by_identifier(form.identifier.data)
        if person is None:
            raise TripError(_("Aucun compte ne correspond à ce téléphone ou cet e-mail : inscrivez d’abord la personne."))
        return services.apply(trip.course_session, person, form.motivation.data, actor=current_user)

    if save_form(form, record, _("La candidature est enregistrée."), refused=REFUSED):
        return _back("trips.participants", trip)
    return participants(session_id, form, 400)


@trips.route("/sessions/<int:session_id>/trip/applications/<int:enrolment_id>/<any(select, wait):decision>",
             methods=["POST"])
@admin_required
def decide(session_id: int, enrolment_id: int, decision: str):
    trip = managed_trip(session_id)
    participant = _participant(trip, enrolment_id)
    action = services.select_participant if decision == "select" else services.wait_participant

    def message(enrolment: Enrolment) -> str:
        if enrolment.status == "confirmed":
            return _("%(name)s est retenu(e) : sa place est confirmée.", name=enrolment.user.name_latin)
        return _("%(name)s est sur la liste d’attente.", name=enrolment.user.name_latin)

    act(ConfirmForm(), lambda: action(participant, actor=current_user), message, refused=REFUSED)
    return _back("trips.participants", trip, f"#applicant-{participant.id}")


@trips.route("/sessions/<int:session_id>/trip/participants/<int:enrolment_id>/ride", methods=["POST"])
@staff_required
def ride(session_id: int, enrolment_id: int):
    trip = managed_trip(session_id)
    participant = _participant(trip, enrolment_id)
    form = RideForm.for_vehicles(trip.vehicles, prefix=f"ride-{participant.id}")

    def assign():
        vehicle = _part(Vehicle, form.vehicle.data, trip) if form.vehicle.data else None
        return services.assign_vehicle(participant, vehicle, actor=current_user)

    act(form, assign, _("La place dans le véhicule est enregistrée."), refused=REFUSED)
    return _back("trips.participants", trip, f"#applicant-{participant.id}")


# --- documents ------------------------------------------------------------------------------------

@trips.route("/sessions/<int:session_id>/trip/documents")
@staff_required
def documents(session_id: int, failed: dict | None = None, status: int = 200):
    trip = managed_trip(session_id)
    rows = [row for row in queries.applicants(trip) if row.enrolment.is_active or row.enrolment.status in services.HOLDS_SEAT]
    checklists = {row.enrolment.id: (services.needed_documents(trip, row.person), services.documents_of(row.enrolment))
                  for row in rows}
    forms = {row.enrolment.id: DocumentForm(prefix=f"doc-{row.enrolment.id}") for row in rows}
    forms.update(failed or {})
    return render_template("trips/documents.html", trip=trip, course_session=trip.course_session, rows=rows,
                           checklists=checklists, forms=forms, kinds=list(DocumentKind), tab="documents"), status


@trips.route("/sessions/<int:session_id>/trip/documents/<int:enrolment_id>", methods=["POST"])
@staff_required
def set_document(session_id: int, enrolment_id: int):
    trip = managed_trip(session_id)
    participant = _participant(trip, enrolment_id)
    form = DocumentForm(prefix=f"doc-{participant.id}")

    def save():
        upload = form.file.data
        filename = getattr(upload, "filename", "") or ""
        return services.set_document(participant, form.kind.data, form.status.data, actor=current_user,
                                     filename=filename, stream=upload.stream if filename else None)

    if save_form(form, save, _("Le document est enregistré."), refused=REFUSED):
        return _back("trips.documents", trip, f"#person-{participant.id}")
    return documents(session_id, {participant.id: form}, 400)


@trips.route("/sessions/<int:session_id>/trip/documents/file/<int:document_id>")
@staff_required
def document_file(session_id: int, document_id: int):
    trip = managed_trip(session_id)
    document = found(db.session.get(TripDocument, document_id))
    _participant(trip, document.enrolment_id)
    if not document.storage_key:
        abort(404)
    return download(get_storage().get(document.storage_key), document.content_type,
                    f"document-{document.enrolment_id}-{document.kind}.{document.storage_key.rsplit('.', 1)[-1]}")


# --- road book ------------------------------------------------------------------------------------

@trips.route("/sessions/<int:session_id>/trip/road-book.pdf")
@staff_required
def road_book(session_id: int):
    trip = managed_trip(session_id)
    languages = [code for code in request.args.getlist("lang") if code in LANGUAGE_NAMES] or [current_language()]
    return pdf_response(printing.road_book_pdf(trip, languages), f"road-book-{trip.session_id}")


# --- the trip report --------------------------------------------------------------------------------

def _report_trip(session_id: int) -> Trip:
    """The trip whose report the reader may write: staff of the session, or one of its participants."""
    course_session = session_or_404(session_id)
    trip = services.trip_of(course_session)
    if trip is None:
        abort(404)
    if not services.can_write_report(trip, current_user):
        abort(403)
    return trip


@trips.route("/sessions/<int:session_id>/trip/report", methods=["GET"])
@login_required
def report_edit(session_id: int, failed: tuple[int, EntryForm] | None = None, photo_form: PhotoForm | None = None,
                status: int = 200):
    trip = _report_trip(session_id)
    mine = {entry.stop_id: entry for entry in db.session.scalars(
        db.select(ReportEntry).join(TripStop).where(TripStop.session_id == trip.session_id,
                                                   ReportEntry.author_id == current_user.id))}
    forms = {}
    for stop in trip.stops:
        form = EntryForm(prefix=f"stop-{stop.id}", formdata=None)
        entry = mine.get(stop.id)
        form.language.data = entry.language if entry else current_language()
        form.learnt.data, form.replicate.data = (entry.learnt, entry.replicate) if entry else ("", "")
        forms[stop.id] = form
    if failed:
        forms[failed[0]] = failed[1]
    staff = trip.course_session.can_manage(current_user)
    photo_form = photo_form or _photo_form(trip) if staff else None
    return render_template("trips/report_edit.html", trip=trip, course_session=trip.course_session, forms=forms,
                           stops=queries.report(trip, published_only=False), staff=staff, photo_form=photo_form,
                           consenting=services.consenting_ids(trip), action_form=ConfirmForm(), tab="report"), status


def _photo_form(trip: Trip, **kwargs) -> PhotoForm:
    form = PhotoForm(prefix="photo", **kwargs)
    form.stop.choices = [(stop.id, f"{stop.position}. {stop.place}") for stop in trip.stops]
    people = [enrolment.user for enrolment, _application in queries.participants(trip)]
    form.people.choices = [(person.id, person.name_latin) for person in people]
    return form


@trips.route("/sessions/<int:session_id>/trip/report/<int:stop_id>", methods=["POST"])
@login_required
def save_entry(session_id: int, stop_id: int):
    trip = _report_trip(session_id)
    stop = _part(TripStop, stop_id, trip)
    form = EntryForm(prefix=f"stop-{stop.id}")
    if save_form(form, lambda: services.save_entry(stop, current_user, form.language.data, form.learnt.data,
                                                   form.replicate.data, actor=current_user),
                 _("Votre texte est enregistré."), refused=REFUSED):
        return _back("trips.report_edit", trip, f"#stop-{stop.id}")
    return report_edit(session_id, (stop.id, form), None, 400)


@trips.route("/sessions/<int:session_id>/trip/photos", methods=["POST"])
@staff_required
def add_photo(session_id: int):
    trip = managed_trip(session_id)
    form = _photo_form(trip)

    def add():
        stop = _part(TripStop, form.stop.data, trip)
        people = [person for person in (db.session.get(User, ident) for ident in form.people.data or []) if person]
        upload = form.file.data
        return services.add_photo(stop, upload.filename or "", upload.stream, caption=form.caption.data or "",
                                  people=people, actor=current_user)

    if save_form(form, add, _("La photo est ajoutée."), refused=REFUSED):
        return _back("trips.report_edit", trip, "#photos")
    return report_edit(session_id, None, form, 400)


@trips.route("/sessions/<int:session_id>/trip/photos/<int:photo_id>/delete", methods=["POST"])
@staff_required
def delete_photo(session_id: int, photo_id: int):
    trip = managed_trip(session_id)
    photo = found(db.session.get(ReportPhoto, photo_id))
    if photo.stop.session_id != trip.session_id:
        abort(404)
    act(ConfirmForm(), lambda: services.delete_photo(photo, actor=current_user), _("La photo est retirée."), refused=REFUSED)
    return _back("trips.report_edit", trip, "#photos")


@trips.route("/sessions/<int:session_id>/trip/report/<any(publish, unpublish):action>", methods=["POST"])
@staff_required
def publish(session_id: int, action: str):
    trip = managed_trip(session_id)
    if action == "publish":
        act(ConfirmForm(), lambda: services.publish_report(trip, actor=current_user),
            _("Le rapport est publié : il est lié depuis la page de la formation et l’accueil."), refused=REFUSED)
    else:
        act(ConfirmForm(), lambda: services.unpublish_report(trip, actor=current_user),
            _("Le rapport n’est plus publié."), refused=REFUSED)
    return _back("trips.report_edit", trip)


# --- the published report, for everyone ---------------------------------------------------------------

def _published(trip_id: int) -> Trip:
    """A published report; its staff also see it before publication (a preview)."""
    trip = found(db.session.get(Trip, trip_id))
    course_session = trip.course_session
    if not course_session.can_see(current_user):
        abort(404)
    if not trip.is_published and not course_session.can_manage(current_user):
        abort(404)
    return trip


@trips.route("/trips/<int:trip_id>")
def report(trip_id: int):
    trip = _published(trip_id)
    lang = current_language()
    return render_template("trips/report.html", trip=trip, course_session=trip.course_session,
                           stops=queries.report(trip, published_only=True), lang=lang,
                           language_names=LANGUAGE_NAMES)


@trips.route("/trips/<int:trip_id>/report.pdf")
def report_pdf(trip_id: int):
    trip = _published(trip_id)
    return pdf_response(printing.report_pdf(trip, current_language()), f"trip-report-{trip.session_id}")


@trips.route("/trips/<int:trip_id>/photos/<int:photo_id>.jpg")
def photo(trip_id: int, photo_id: int):
    """A photo of the report: published ones for everyone; staff of the trip see every photo."""
    trip = found(db.session.get(Trip, trip_id))
    photo = found(db.session.get(ReportPhoto, photo_id))
    if photo.stop.session_id != trip.session_id:
        abort(404)
    course_session = trip.course_session
    staff = course_session.can_manage(current_user)
    public = trip.is_published and course_session.can_see(current_user) and services.publishable(
        photo, services.consenting_ids(trip))
    if not (staff or public):
        abort(404)
    response = download(get_storage().get(photo.storage_key), "image/jpeg", f"photo-{photo.id}.jpg", inline=True)
    response.headers["Cache-Control"] = "private, no-cache" if staff and not public else "public, max-age=3600"
    return response
