"""Certificates: what was printed, frozen. A certificate is never edited: its PDF bytes are stored once
and their SHA-256 kept; a correction issues a new certificate that supersedes it, a revocation records
a reason and a date. At most one valid certificate per enrolment (a partial unique index: the
enrolment is the idempotency key of issuing, so two workers, a retry or a double click make one)."""
import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecole.accounts.models import User
from ecole.core.models import UTCDateTime, utcnow
from ecole.enrolment.models import Enrolment
from ecole.extensions import db


class CertificateKind(enum.StrEnum):
    PARTICIPATION = "participation"  # attendance only
    ACHIEVEMENT = "achievement"      # the course asks for a passed assessment

    @property
    def title(self):
        return KIND_TITLES[self]


KIND_TITLES = {
    CertificateKind.PARTICIPATION: _l("Attestation de participation"),
    CertificateKind.ACHIEVEMENT: _l("Certificat de réussite"),
}


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"

    @property
    def title(self):
        return STATUS_TITLES[self]


STATUS_TITLES = {
    CertificateStatus.VALID: lazy_pgettext("certificate", "Valide"),
    CertificateStatus.REVOKED: lazy_pgettext("certificate", "Révoqué"),
    CertificateStatus.SUPERSEDED: lazy_pgettext("certificate", "Remplacé"),
}


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        Index("uq_certificates_valid_enrolment", "enrolment_id", unique=True,
              sqlite_where=text("status = 'valid'"), postgresql_where=text("status = 'valid'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=CertificateStatus.VALID.value, index=True)
    # What was printed, as it was printed (a later change of profile or course changes no certificate).
    holder_latin: Mapped[str] = mapped_column(String(160))
    holder_arabic: Mapped[str] = mapped_column(String(160), default="")
    # The holder was erased on request (ecole/privacy/): the names above are "", the stored PDF (which
    # printed them) is deleted, the code, course, dates, hours and SHA-256 stay, and the verification
    # page says the holder's data was erased.
    holder_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    course_titles: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"fr": …, "ar": …, "zgh": …}
    minutes_attended: Mapped[int] = mapped_column(Integer, default=0)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(300), default="")
    trainers: Mapped[str] = mapped_column(String(500), default="")
    issuer: Mapped[str] = mapped_column(String(300), default="")
    # The stored PDF: written once, served byte for byte.
    storage_key: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="", index=True)
    # The signed Open Badges 3.0 credential, also embedded in the PDF (served at /verify/<code>.json).
    credential: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"))
    supersede_reason: Mapped[str] = mapped_column(Text, default="")

    enrolment: Mapped[Enrolment] = relationship(lazy="joined", innerjoin=True)
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    superseded_by: Mapped["Certificate | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Certificate {self.code} {self.status}>"

    @property
    def status_title(self):
        return STATUS_TITLES[CertificateStatus(self.status)]

    @property
    def kind_title(self):
        return KIND_TITLES[CertificateKind(self.kind)]

    @property
    def hours(self) -> float:
        return round(self.minutes_attended / 60, 1)


class CertificateAsset(db.Model):
    """The school's logo and the signatures printed on certificates, uploaded by administrators. A
    certificate already issued keeps what was printed on it (its PDF is stored); the assets only
    shape the ones issued next."""

    __tablename__ = "certificate_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "logo" or "signature"
    name: Mapped[str] = mapped_column(String(160), default="")   # the signatory, as printed
    title: Mapped[str] = mapped_column(String(160), default="")  # their role, as printed
    storage_key: Mapped[str] = mapped_column(String(300), default="")
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<CertificateAsset {self.kind} {self.name}>"
