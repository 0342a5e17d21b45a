"""Issuing: only eligible enrolments get a certificate, one each however often and however many
workers ask; the PDF is stored once with its SHA-256; revocation and correction keep the old one."""
import hashlib

import pytest

from ecole.certificates import services
from ecole.certificates.codes import ALPHABET, new_code, normalize
from ecole.certificates.models import Certificate
from ecole.certificates.services import CertificateError
from ecole.core.audit import AuditEntry
from ecole.core.storage import get_storage
from ecole.extensions import db


def count(**where) -> int:
    query = db.select(db.func.count(Certificate.id))
    for key, value in where.items():
        query = query.where(getattr(Certificate, key) == value)
    return db.session.scalar(query)


def test_codes_carry_sixty_random_bits_without_ambiguous_characters():
    code = new_code(2026)
    prefix, year, *groups = code.split("-")
    assert (prefix, year) == ("EPDR", "2026") and [len(g) for g in groups] == [4, 4, 4]
    assert len(ALPHABET) == 32 and not set("01OI") & set(ALPHABET)  # 12 × 5 bits
    assert normalize(code.lower().replace("-", " ")) == code
    assert normalize("EPDR-2026-0000-0000-0000") is None and normalize("x" * 500) is None
    assert len({new_code(2026) for _ in range(2000)}) == 2000


def test_only_eligible_enrolments_get_one_and_the_others_are_told_why(held, people):
    course_session, (done, other, away) = held
    answer = services.eligibility(course_session)
    assert [e.id for e in answer.eligible] == [done.id, other.id]
    [(refused, reasons)] = answer.refused
    assert refused.id == away.id and reasons
    with pytest.raises(CertificateError):
        services.issue(away, actor=people.admin)


def test_issuing_twice_gives_the_same_certificate_and_the_pdf_is_stored_once(held, people):
    course_session, (done, *_rest) = held
    first = services.issue(done, actor=people.admin)
    db.session.commit()
    again = services.issue(done, actor=people.admin)
    assert again.id == first.id and count() == 1
    stored = get_storage().get(first.storage_key)
    assert stored.startswith(b"%PDF-") and hashlib.sha256(stored).hexdigest() == first.sha256
    assert first.holder_latin == "Fatima Aït Ali" and first.holder_arabic == "فاطمة آيت علي"
    assert set(first.course_titles) == {"fr", "ar", "zgh"} and first.minutes_attended == 360
    assert services.by_file(stored).id == first.id
    assert services.by_file(stored[:-1] + b" ") is None


def test_a_whole_session_is_issued_once_whatever_runs_it_twice(held, people):
    course_session, enrolments = held
    assert services.issue_all(course_session, actor=people.admin, checkpoint=lambda *_: db.session.commit()) == 2
    assert services.issue_all(course_session, actor=people.admin, checkpoint=lambda *_: db.session.commit()) == 0
    assert count(status="valid") == 2


def test_a_revocation_keeps_the_certificate_with_its_reason(held, people):
    course_session, (done, *_rest) = held
    certificate = services.issue(done, actor=people.admin)
    with pytest.raises(CertificateError):
        services.revoke(certificate, "  ", actor=people.admin)
    services.revoke(certificate, "Délivré par erreur", actor=people.admin)
    db.session.commit()
    assert certificate.status == "revoked" and certificate.revoke_reason == "Délivré par erreur"
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "certificate.revoke")) is not None
    with pytest.raises(CertificateError):
        services.revoke(certificate, "Encore", actor=people.admin)


def test_a_correction_supersedes_the_old_certificate_with_a_new_code(held, people):
    from ecole.accounts import services as accounts

    course_session, (done, *_rest) = held
    old = services.issue(done, actor=people.admin)
    db.session.commit()
    accounts.update_profile(done.user, {"name_latin": "Fatima Ait Ali"}, actor=people.admin)
    new = services.reissue(old, "Nom corrigé", actor=people.admin)
    db.session.commit()
    assert (old.status, old.superseded_by_id, new.status) == ("superseded", new.id, "valid")
    assert new.code != old.code and new.holder_latin == "Fatima Ait Ali" and old.holder_latin == "Fatima Aït Ali"
    assert get_storage().get(old.storage_key)  # the old PDF stays, byte for byte
    assert count(status="valid") == 1
