"""The staff's and trainees' certificate pages: a session's certificates issued in bulk through the job
(the request only asks), one by one, the register with filters and CSV (audited), revoke and correct
with a reason, and a trainee's own certificates with a download and a share link."""
from ecole.certificates.models import Certificate
from ecole.core.audit import AuditEntry
from ecole.extensions import db
from tests.helpers import post


def test_a_session_is_issued_in_bulk_and_the_page_lists_who_has_no_right(held, as_role):
    course_session, (done, other, away) = held
    admin = as_role("admin")
    page = admin.get(f"/sessions/{course_session.id}/certificates").get_data(as_text=True)
    assert "Said Absent" in page and "Fatima Aït Ali" in page
    response = post(admin, f"/sessions/{course_session.id}/certificates", {})
    assert response.status_code == 302
    db.session.expire_all()
    codes = db.session.scalars(db.select(Certificate.enrolment_id).where(Certificate.status == "valid")).all()
    assert sorted(codes) == sorted([done.id, other.id])  # the job ran after the commit (JOBS_IMMEDIATE)
    again = post(admin, f"/sessions/{course_session.id}/certificates", {})
    assert again.status_code == 302 and db.session.scalar(db.select(db.func.count(Certificate.id))) == 2


def test_one_certificate_and_the_register_with_its_csv(held, as_role):
    course_session, (done, *_rest) = held
    admin = as_role("admin")
    assert post(admin, f"/enrolments/{done.id}/certificate", {}).status_code == 302
    certificate = db.session.scalar(db.select(Certificate))
    assert certificate.enrolment_id == done.id
    listing = admin.get("/admin/certificates?q=fatima").get_data(as_text=True)
    assert certificate.code in listing
    assert certificate.code not in admin.get("/admin/certificates?status=revoked").get_data(as_text=True)
    csv = admin.get("/admin/certificates?format=csv")
    assert csv.mimetype == "text/csv" and certificate.code in csv.get_data(as_text=True)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "certificate.export")) is not None


def test_revoke_and_correct_need_a_reason(held, as_role):
    course_session, (done, *_rest) = held
    admin = as_role("admin")
    post(admin, f"/enrolments/{done.id}/certificate", {})
    certificate = db.session.scalar(db.select(Certificate))
    refused = post(admin, f"/certificates/{certificate.id}/revoke", {"revoke-reason": ""})
    assert refused.status_code == 400
    assert post(admin, f"/certificates/{certificate.id}/reissue", {"reissue-reason": "Nom corrigé"}).status_code == 302
    db.session.expire_all()
    old, new = db.session.scalars(db.select(Certificate).order_by(Certificate.id)).all()
    assert (old.status, new.status, old.superseded_by_id) == ("superseded", "valid", new.id)
    assert post(admin, f"/certificates/{new.id}/revoke", {"revoke-reason": "Erreur"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, new.id).status == "revoked"


def test_a_trainee_sees_only_their_own_certificates(app, held, people, as_role):
    from ecole.certificates import services
    from tests.helpers import login

    course_session, (done, other, _away) = held
    mine = services.issue(done, actor=people.admin)
    theirs = services.issue(other, actor=people.admin)
    db.session.commit()
    client = app.test_client()
    login(client, done.user)
    page = client.get("/me/certificates").get_data(as_text=True)
    assert f"/verify/{mine.code}.pdf" in page and f"/verify/{mine.code}" in page and theirs.code not in page
    assert as_role("trainee").get("/me/certificates").status_code == 200


def test_the_logo_and_signatures_are_printed_on_the_next_certificates(held, people, as_role, tmp_path):
    import io
    import subprocess

    from PIL import Image

    from ecole.certificates import services
    from ecole.core.storage import get_storage
    from tests.pdf import pdf_text

    course_session, (done, other, _away) = held
    before = services.issue(done, actor=people.admin)
    db.session.commit()
    admin = as_role("admin")

    def image(color, size=(120, 60), mode="RGB"):
        data = io.BytesIO()
        Image.new(mode, size, color).save(data, "PNG")
        data.seek(0)
        return data

    for kind, name in (("logo", ""), ("signature", "Latifa Oubaha")):
        response = post(admin, "/admin/certificates/design", {"kind": kind, "name": name, "title": "Directrice",
                                                              "file": (image("navy"), f"{kind}.png")})
        assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    refused = post(admin, "/admin/certificates/design", {"kind": "signature", "name": "X",
                                                         "file": (io.BytesIO(b"%PDF-1.4"), "x.png")})
    assert refused.status_code == 400
    assert post(admin, "/admin/certificates/design", {"kind": "signature", "name": "",
                                                      "file": (image("red"), "s.png")}).status_code == 400
    after = services.issue(other, actor=people.admin)
    db.session.commit()

    def images(certificate) -> int:
        path = tmp_path / f"{certificate.code}.pdf"
        path.write_bytes(get_storage().get(certificate.storage_key))
        listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
        return len(listing.splitlines()) - 2

    assert images(after) == images(before) + 2  # the logo and the signature
    assert "Latifa Oubaha" in pdf_text(get_storage().get(after.storage_key), tmp_path)
    assert "Latifa Oubaha" not in pdf_text(get_storage().get(before.storage_key), tmp_path)  # issued: unchanged
    assert as_role("trainer").get("/admin/certificates/design").status_code == 403
