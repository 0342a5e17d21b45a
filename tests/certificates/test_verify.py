"""Public verification: every printed field and the status, a 404 that says what to check, the stored
PDF byte for byte, "check a file" that tells an edited copy from the original, a tiny page, a rate limit."""
import io
from html import escape

import pytest

from config import ProductionConfig
from ecole.certificates import services
from ecole.certificates.codes import new_code
from ecole.core.storage import get_storage
from ecole.extensions import db, limiter
from tests.helpers import csrf_token


@pytest.fixture
def certificate(held, people):
    issued = services.issue(held[1][0], actor=people.admin)
    db.session.commit()
    return issued


def test_the_page_shows_every_printed_field_and_the_status(client, certificate):
    page = client.get(f"/verify/{certificate.code}?lang=fr").get_data(as_text=True)
    for printed in (certificate.code, "Fatima Aït Ali", "فاطمة آيت علي", *certificate.course_titles.values(),
                    "Attestation de participation", "École Pratique de Développement Rural", "Brahim Oubella"):
        assert escape(printed, quote=False) in page, printed
    assert "est valide" in page
    # A code typed in lower case, with spaces: sent on to the certificate's one address (one cached page).
    lowered = client.get(f"/verify/{certificate.code.lower().replace('-', ' ')}?lang=ar")
    assert lowered.status_code == 301
    assert lowered.headers["Location"] == f"/verify/{certificate.code}?lang=ar"
    assert "est valide" in client.get(lowered.headers["Location"].replace("ar", "fr")).get_data(as_text=True)


def test_a_revocation_shows_at_once_on_a_page_already_kept(app, client, certificate, people):
    """The page is kept per code, language and status: the next request after a revocation reads the
    new status (one row) and shows it, in every language."""
    from ecole.certificates import services as certificate_services

    for lang in ("fr", "ar", "zgh"):
        assert 'class="status valid"' in client.get(f"/verify/{certificate.code}?lang={lang}").get_data(as_text=True)
    certificate_services.revoke(certificate, "Présence comptée deux fois", actor=people.admin)
    db.session.commit()
    for lang in ("fr", "ar", "zgh"):
        page = client.get(f"/verify/{certificate.code}?lang={lang}").get_data(as_text=True)
        assert 'class="status revoked"' in page and "Présence comptée deux fois" in page, lang


def test_the_page_is_tiny(client, certificate):
    import re

    page = client.get(f"/verify/{certificate.code}?lang=ar")
    html = page.get_data()
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
    total = len(html) + sum(len(client.get(asset.decode()).get_data()) for asset in assets)
    assert total <= 15 * 1024, total
    assert b'dir="rtl"' in html


def test_revoked_and_superseded_say_so(client, certificate, people):
    services.revoke(certificate, "Délivré par erreur", actor=people.admin)
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "révoqué" in page and "Délivré par erreur" in page


def test_an_unknown_code_is_a_404_that_says_what_to_check(client):
    for code in (new_code(2026), "EPDR-2026", "../etc/passwd", "x" * 300):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404 and "EPDR" in response.get_data(as_text=True), code


def test_ten_thousand_random_codes_hit_nothing(certificate):
    assert all(services.by_code(new_code(2026)) is None for _ in range(10_000))


def test_the_pdf_is_served_byte_for_byte(client, certificate):
    response = client.get(f"/verify/{certificate.code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data() == get_storage().get(certificate.storage_key)


def _check(client, data: bytes, name: str = "certificat.pdf"):
    return client.post("/verify/file", data={"csrf_token": csrf_token(client, "/verify"),
                                             "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_check_a_file_tells_the_original_from_an_edited_copy(client, certificate):
    original = get_storage().get(certificate.storage_key)
    genuine = _check(client, original).get_data(as_text=True)
    assert "octet pour octet" in genuine and certificate.code in genuine
    edited = original.replace(b"Fatima", b"Fatimb", 1) if b"Fatima" in original else original[:-10] + b"0" * 10
    assert "pas un certificat" in _check(client, edited).get_data(as_text=True)
    assert "pas un certificat" in _check(client, original + b"\n").get_data(as_text=True)
    for hostile in (b"", b"MZ\x90", b"%PDF-" + b"A" * 10):
        assert _check(client, hostile).status_code < 500


def test_check_a_file_needs_its_csrf_token_and_a_file(client, certificate):
    assert client.post("/verify/file", data={}).status_code == 400
    response = client.post("/verify/file", data={"csrf_token": csrf_token(client, "/verify")})
    assert response.status_code == 400 and "Choisissez" in response.get_data(as_text=True)


@pytest.fixture
def verify_limited(app):
    saved = app.config["VERIFY_RATE_LIMIT"]
    app.config["VERIFY_RATE_LIMIT"] = ProductionConfig.VERIFY_RATE_LIMIT
    limiter.reset()
    yield
    app.config["VERIFY_RATE_LIMIT"] = saved
    limiter.reset()


def test_the_verify_route_is_rate_limited(app, verify_limited):
    client = app.test_client()
    statuses = [client.get(f"/verify/{new_code(2026)}").status_code for _ in range(62)]
    assert statuses[:60] == [404] * 60 and statuses[60:] == [429, 429]


def test_the_signed_credential_is_embedded_served_and_verifies_with_the_published_key(client, certificate, tmp_path):
    import json
    import subprocess

    from ecole.certificates import credential

    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(get_storage().get(certificate.storage_key))
    listing = subprocess.run(["pdfdetach", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "credential.json" in listing
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(tmp_path / "credential.json"), str(pdf)], check=True)
    embedded = json.loads((tmp_path / "credential.json").read_text("utf-8"))
    served = client.get(f"/verify/{certificate.code}.json").get_json()
    assert embedded == served == certificate.credential
    profile = client.get("/issuer.json").get_json()
    keys = [credential.public_key_from_multikey(m["publicKeyMultibase"]) for m in profile["verificationMethod"]]
    method = served["proof"]["verificationMethod"]
    key = next(k for k, m in zip(keys, profile["verificationMethod"]) if m["id"] == method)
    assert credential.verify(served, key)
    assert served["credentialSubject"]["achievement"]["name"] == certificate.course_titles["fr"]
    assert "fatima@example.org" not in json.dumps(served)  # the holder is a salted hash
    tampered = json.loads(json.dumps(served).replace("Fatima", "Fatimb", 1))
    assert not credential.verify(tampered, key)


def test_a_rotated_key_signs_new_certificates_and_old_ones_still_verify(app, held, people, client):
    from ecole.certificates import credential, keys

    old = services.issue(held[1][0], actor=people.admin)
    db.session.commit()
    new_key = keys.create_key()
    try:
        new = services.issue(held[1][1], actor=people.admin)
        db.session.commit()
        profile = client.get("/issuer.json").get_json()
        published = [credential.public_key_from_multikey(m["publicKeyMultibase"]) for m in profile["verificationMethod"]]
        assert published[0] == new_key.public and len(published) >= 2
        assert credential.verify(new.credential, new_key.public)
        assert any(credential.verify(old.credential, key) for key in published[1:])
    finally:
        new_key.path.unlink()
        new_key.path.with_suffix(".pub").unlink()


def test_the_verification_routes_share_one_budget_and_say_when_to_come_back(app, verify_limited, certificate):
    client = app.test_client()
    statuses = [client.get(f"/verify/{certificate.code}.json").status_code for _ in range(30)]
    statuses += [client.get(f"/verify/{new_code(2026)}").status_code for _ in range(30)]
    assert statuses == [200] * 30 + [404] * 30
    refused = client.get(f"/verify/{certificate.code}.pdf")
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Attendez une minute" in refused.get_data(as_text=True)
    # Another address has its own budget.
    assert client.get(f"/verify/{certificate.code}", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200


def test_a_certificate_seen_again_is_answered_without_counting_and_guesses_always_count(app, verify_limited, certificate):
    """The limit is against guessing codes: a page already seen is given again from the kept page (it
    tells nothing more), while every unknown code is counted, whatever was seen before."""
    client = app.test_client()
    first = client.get(f"/verify/{certificate.code}")
    assert all(client.get(f"/verify/{certificate.code}").data == first.data for _ in range(70))
    statuses = [client.get(f"/verify/{new_code(2026)}").status_code for _ in range(60)]
    # The first visit of the page counted, its 70 repeats did not (but a new minute renders it again, once).
    assert statuses[-1] == 429 and statuses[:58] == [404] * 58
