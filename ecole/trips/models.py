"""Study trips: a session of format "study trip" (ARCHITECTURE.md rule 7) with its purpose, itinerary
stops and hosts, vehicles and who rides in which, lodging, budget, emergency contacts, the
participants' applications and documents, and the trip report with its photos.

Seats, selection, the waitlist and attendance are the session's: a stop is a meeting of kind
"visit" with its register; an application is an enrolment with a motivation."""
import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecole.accounts.models import User
from ecole.catalogue.models import pick
from ecole.core.models import UTCDateTime, utcnow
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from ecole.sessions.models import CourseSession, Meeting


class DocumentKind(enum.StrEnum):
    IDENTITY = "identity"
    GUARDIAN_CONSENT = "guardian_consent"  # asked of minors only
    PHOTO_CONSENT = "photo_consent"
    MEDICAL = "medical"

    @property
    def title(self):
        return DOCUMENT_TITLES[self]


DOCUMENT_TITLES = {
    DocumentKind.IDENTITY: _l("Pièce d’identité"),
    DocumentKind.GUARDIAN_CONSENT: _l("Accord d’un parent ou tuteur (mineurs)"),
    DocumentKind.PHOTO_CONSENT: _l("Accord pour les photos"),
    DocumentKind.MEDICAL: _l("Certificat médical"),
}


class DocumentStatus(enum.StrEnum):
    MISSING = "missing"
    RECEIVED = "received"   # for photo consent: the person agrees to appear in published photos
    REFUSED = "refused"     # photo consent only: the person said no (the checklist is complete all the same)

    @property
    def title(self):
        return DOCUMENT_STATUS_TITLES[self]


DOCUMENT_STATUS_TITLES = {
    DocumentStatus.MISSING: lazy_pgettext("document", "Manquant"),
    DocumentStatus.RECEIVED: lazy_pgettext("document", "Reçu"),
    DocumentStatus.REFUSED: lazy_pgettext("document", "Refusé"),
}
MINOR_AGE = 18


def localized(texts: dict[str, str] | None, lang: str) -> tuple[str, str | None]:
    """A text kept per language: (the text in `lang`, else French, else any; the language shown)."""
    text, shown = pick({code: value for code, value in (texts or {}).items() if value}, lang)
    return text or "", shown


class Trip(db.Model):
    """What a study-trip session adds to a session. Created with the first save of its trip page."""

    __tablename__ = "trips"
    __table_args__ = (CheckConstraint("budget_per_participant IS NULL OR budget_per_participant >= 0",
                                      name="budget_not_negative"),)

    session_id: Mapped[int] = mapped_column(ForeignKey("course_sessions.id", ondelete="CASCADE"), primary_key=True)
    purpose: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)      # {"fr": …, "ar": …, "zgh": …}
    questions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)    # one learning question per line
    lodging: Mapped[str] = mapped_column(Text, default="")
    meals: Mapped[str] = mapped_column(Text, default="")
    budget_per_participant: Mapped[int | None] = mapped_column(Integer)      # dirhams
    # The seats of the vehicles bound the session's capacity (kept in step when vehicles change).
    seats_bound: Mapped[bool] = mapped_column(Boolean, default=True)
    # Confirmation waits for the required documents (the checklist) when set.
    documents_block: Mapped[bool] = mapped_column(Boolean, default=False)
    required_documents: Mapped[str] = mapped_column(String(120), default="identity,photo_consent")
    report_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    report_published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course_session: Mapped[CourseSession] = relationship(lazy="joined", innerjoin=True)
    stops: Mapped[list["TripStop"]] = relationship(
        back_populates="trip", cascade="all, delete-orphan", order_by="TripStop.position")
    vehicles: Mapped[list["Vehicle"]] = relationship(cascade="all, delete-orphan", order_by="Vehicle.id")
    funding: Mapped[list["TripFunding"]] = relationship(cascade="all, delete-orphan", order_by="TripFunding.id")
    contacts: Mapped[list["EmergencyContact"]] = relationship(cascade="all, delete-orphan", order_by="EmergencyContact.id")

    def __repr__(self) -> str:
        return f"<Trip {self.session_id}>"

    @property
    def id(self) -> int:  # the audit log's target id
        return self.session_id

    @property
    def required(self) -> list[DocumentKind]:
        return [DocumentKind(code) for code in (self.required_documents or "").split(",") if code in set(DocumentKind)]

    @property
    def is_published(self) -> bool:
        return self.report_published_at is not None

    @property
    def seats(self) -> int:
        return sum(vehicle.seats for vehicle in self.vehicles)


class TripStop(db.Model):
    """A stop of the itinerary: its meeting (day, times, register) and its host."""

    __tablename__ = "trip_stops"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("trips.session_id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    commune: Mapped[str] = mapped_column(String(120), default="")
    place: Mapped[str] = mapped_column(String(160), default="")
    host_organisation: Mapped[str] = mapped_column(String(200), default="")
    host_contact: Mapped[str] = mapped_column(String(160), default="")
    host_phone: Mapped[str] = mapped_column(String(32), default="")
    program: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what will be seen and learnt, per language

    trip: Mapped[Trip] = relationship(back_populates="stops")
    meeting: Mapped[Meeting] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<TripStop {self.id} {self.place}>"


class Vehicle(db.Model):
    __tablename__ = "trip_vehicles"
    __table_args__ = (CheckConstraint("seats >= 1", name="seats_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("trips.session_id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    driver: Mapped[str] = mapped_column(String(160), default="")
    driver_phone: Mapped[str] = mapped_column(String(32), default="")
    seats: Mapped[int] = mapped_column(Integer)  # seats for participants (the driver's is not counted)

    def __repr__(self) -> str:
        return f"<Vehicle {self.id} {self.label} {self.seats}>"


class TripFunding(db.Model):
    __tablename__ = "trip_funding"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("trips.session_id", ondelete="CASCADE"), index=True)
    funder: Mapped[str] = mapped_column(String(160))
    amount: Mapped[int] = mapped_column(Integer)  # dirhams

    def __repr__(self) -> str:
        return f"<TripFunding {self.funder} {self.amount}>"


class EmergencyContact(db.Model):
    __tablename__ = "trip_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("trips.session_id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    role: Mapped[str] = mapped_column(String(160), default="")
    phone: Mapped[str] = mapped_column(String(32))

    def __repr__(self) -> str:
        return f"<EmergencyContact {self.name}>"


class TripApplication(db.Model):
    """An application: the enrolment's motivation (typed by the person, or by staff for them), and
    the vehicle the participant rides in."""

    __tablename__ = "trip_applications"

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True)
    motivation: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("trip_vehicles.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(lazy="joined", innerjoin=True)
    recorded_by: Mapped[User | None] = relationship()
    vehicle: Mapped[Vehicle | None] = relationship()


class TripDocument(db.Model):
    """One item of a participant's checklist, with an optional file kept through core/storage.py."""

    __tablename__ = "trip_documents"
    __table_args__ = (UniqueConstraint("enrolment_id", "kind", name="uq_trip_documents_enrolment_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.MISSING.value)
    storage_key: Mapped[str] = mapped_column(String(300), default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(60), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<TripDocument {self.enrolment_id} {self.kind} {self.status}>"

    @property
    def status_title(self):
        return DOCUMENT_STATUS_TITLES[DocumentStatus(self.status)]


class ReportEntry(db.Model):
    """What one person learnt at one stop and would replicate at home, in the language they chose."""

    __tablename__ = "trip_report_entries"
    __table_args__ = (UniqueConstraint("stop_id", "author_id", name="uq_trip_report_entries_stop_author"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("trip_stops.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    learnt: Mapped[str] = mapped_column(Text, default="")
    replicate: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stop: Mapped[TripStop] = relationship()
    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)


report_photo_people = Table(
    "trip_photo_people", db.metadata,
    Column("photo_id", ForeignKey("trip_photos.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ReportPhoto(db.Model):
    """A photo of the trip; it lists who appears in it, and is published only when each of them
    agreed to photos."""

    __tablename__ = "trip_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("trip_stops.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(300), default="")
    caption: Mapped[str] = mapped_column(String(300), default="")
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stop: Mapped[TripStop] = relationship()
    people: Mapped[list[User]] = relationship(secondary=report_photo_people, order_by=User.name_latin)

    def __repr__(self) -> str:
        return f"<ReportPhoto {self.id} stop={self.stop_id}>"
