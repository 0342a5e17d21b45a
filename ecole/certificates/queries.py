"""Reads of certificates that pages, exports and commands share."""
from sqlalchemy import bindparam, select

from ecole.certificates.models import Certificate
from ecole.enrolment.models import Enrolment
from ecole.extensions import db


def certificates_query(*, session_id: int | None = None, status: str | None = None, text: str | None = None):
    from ecole.core.sql import contains

    query = select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id).order_by(
        Certificate.issued_at.desc(), Certificate.id.desc())
    if session_id is not None:
        query = query.where(Enrolment.session_id == session_id)
    if status:
        query = query.where(Certificate.status == status)
    if text:
        query = query.where(contains(Certificate.holder_latin, text, ignore_case=True)
                            | contains(Certificate.holder_arabic, text) | contains(Certificate.code, text.upper()))
    return query


def issued_on(certificate: Certificate) -> str:
    """The day of issue as printed: on the school's clock, not UTC's."""
    from ecole.core.timezone import school_zone

    return certificate.issued_at.astimezone(school_zone()).date().isoformat()


def certificate_rows(*, session_id: int | None = None) -> list[list[str]]:
    return [[c.code, c.holder_latin, c.course_titles.get("fr", ""), issued_on(c), c.status]
            for c in db.session.scalars(certificates_query(session_id=session_id))]


def certificates_of(user_id: int) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
                                   .where(Enrolment.user_id == user_id).order_by(Certificate.issued_at.desc())))


def verify_state(code: str | None):
    """(code, status, superseded_by_id, revoked_at, holder_erased_at) of the certificate a typed code names, or None:
    what can change on the verification page, read the cheapest way there is (no ORM, no SQLAlchemy
    Connection) for a public page a QR code sends anyone to."""
    from ecole.certificates.codes import normalize

    normal = normalize(code or "")
    if normal is None:
        return None
    from ecole.core.sql import first_raw_row

    return first_raw_row(db.engine, _VERIFY_STATE, code=normal)


_VERIFY_STATE = select(Certificate.code, Certificate.status, Certificate.superseded_by_id,
                       Certificate.revoked_at, Certificate.holder_erased_at).where(Certificate.code == bindparam("code"))
