"""A person downloads everything Ecole holds about them (and an administrator, for them): every domain's
part is there, nobody else's personal data is, and each download is in the audit log."""
import json

from ecole.core.audit import AuditEntry
from ecole.extensions import db
from tests.helpers import login, post, signed_in
from tests.privacy.conftest import NAMES, OTHER


def download(client, url="/account/data/download", fmt="json"):
    response = post(client, url, {"format": fmt})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Cache-Control"] == "no-store"
    return response


def test_the_json_holds_her_data_from_every_domain(app, history):
    itto = history.itto
    response = download(signed_in(app, itto))
    assert response.mimetype == "application/json"
    assert f'filename="ecole-donnees-{itto.id}.json"' in response.headers["Content-Disposition"]
    data = json.loads(response.get_data())
    account = data["account"]
    assert (account["name_latin"], account["name_arabic"], account["name_tifinagh"]) == tuple(NAMES.values())
    assert (account["phone"], account["email"], account["birth_year"]) == ("+212612345670", "itto.ouhammou@example.org", 1990)
    assert account["organisation"] == "Coopérative Souktana du safran" and account["roles"] == ["trainee"]
    assert data["washington_group"]["answers"] == {"seeing": 1, "walking": 3}
    assert data["washington_group"]["consented_at"]
    assert [code["channel"] for code in data["one_time_codes"]] == ["staff"]
    assert data["calendar_feed"]["created_at"] and data["lessons_done"]

    sessions = {row["session"]["id"]: row for row in data["enrolments"]}
    completed = sessions[history.completed.id]
    assert completed["status"] == "completed" and len(completed["attendance"]) == 3
    assert {mark["mark"] for mark in completed["attendance"]} == {"present"}
    assert completed["result"]["completed"] is True and completed["result"]["validated_at"]
    assert completed["assessment"] == {**completed["assessment"], "passed": True, "score": 16.5}
    assert [event["to"] for event in completed["events"]][-1] == "completed"
    assert {event["by"] for event in completed["events"]} <= {"staff", "self", "system"}
    missed = sessions[history.missed.id]
    assert [mark["mark"] for mark in missed["attendance"]] == ["absent", "absent"]
    assert "streak" in {warning["kind"] for warning in missed["absence_warnings"]}
    trip = sessions[history.trip.session_id]["trip"]
    assert trip["motivation"] == "Je veux vendre notre safran sans intermédiaire."
    assert {(d["kind"], d["status"]) for d in trip["documents"]} == {("identity", "received"), ("photo_consent", "received")}
    assert [d["file_name"] for d in trip["documents"] if d["kind"] == "identity"] == ["cin.png"]
    assert sessions[history.upcoming.id]["status"] == "confirmed"

    assert [entry["learnt"] for entry in data["trip_report_entries"]] == ["تعلمت تحديد الثمن مع النساء."]
    assert [photo["caption"] for photo in data["photos"]] == [f"{NAMES['latin']} et Lahcen au séchage"]
    (certificate,) = data["certificates"]
    assert certificate["code"] == history.certificate.code and certificate["holder_latin"] == NAMES["latin"]
    assert certificate["verify_url"].endswith(f"/verify/{history.certificate.code}") and certificate["pdf_url"]
    kinds = {notice["kind"] for notice in data["notifications"]}
    assert {"enrolment.confirmed", "attendance.streak"} <= kinds
    assert all(notice["text"] for notice in data["notifications"])
    actions = {entry["action"] for entry in data["audit"]}
    assert {"user.update", "user.reset_code"} <= actions
    assert all(entry["by"] in ("staff", "self", "system") for entry in data["audit"])
    assert {tuple(entry["by_roles"]) for entry in data["audit"] if entry["by"] == "staff"} <= {("admin",), ("trainer",)}


def test_nobody_elses_data_is_in_it(app, history, people):
    """Lahcen shares her sessions, her trip and her photo; staff acted on her account: none of them is named."""
    text = download(signed_in(app, history.itto)).get_data(as_text=True)
    for other in (*OTHER.values(), "+212677001122", people.trainer.name_latin, people.trainer.email, people.admin.name_latin,
                  people.admin.email, "Said Waiting"):
        assert other not in text, other


def test_a_trainer_s_download_does_not_name_the_trainees_their_notices_speak_of(app, history, people):
    data = json.loads(download(signed_in(app, people.trainer)).get_data())
    assert data["sessions_taught"] and data["notifications"]
    text = json.dumps(data, ensure_ascii=False)
    assert NAMES["latin"] not in text and OTHER["latin"] not in text
    assert any("attendance.trainer_streak" == notice["kind"] for notice in data["notifications"])


def test_each_download_is_audited(app, history, people):
    itto = history.itto
    download(signed_in(app, itto), fmt="json")
    download(signed_in(app, people.admin), f"/admin/users/{itto.id}/data", fmt="json")
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "privacy.download")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.target_id, e.actor_id, e.details) for e in entries] == [
        (str(itto.id), itto.id, {"format": "json"}), (str(itto.id), people.admin.id, {"format": "json"})]


def test_an_administrator_downloads_the_persons_data_in_the_persons_language(app, history, people):
    response = download(signed_in(app, people.admin), f"/admin/users/{history.itto.id}/data")
    data = json.loads(response.get_data())
    assert data["account"]["id"] == history.itto.id and data["language"] == "ar"  # her language, not the admin's


def test_a_wrong_format_is_refused_and_writes_nothing(app, history):
    client = signed_in(app, history.itto)
    response = post(client, "/account/data/download?lang=ar", {"format": "xml"})
    assert response.status_code == 400
    assert "JSON" in response.get_data(as_text=True) and "الصيغة" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "privacy.download")) is None


def test_downloads_are_limited_per_account(app, history):
    client = app.test_client()
    login(client, history.itto)
    app.config["PERSONAL_DATA_RATE_LIMIT"] = "2 per hour"
    try:
        assert [post(client, "/account/data/download", {"format": "json"}).status_code for _ in range(3)] == [200, 200, 429]
    finally:
        app.config["PERSONAL_DATA_RATE_LIMIT"] = "10000 per minute"


def test_the_profile_links_to_the_page(app, history):
    client = signed_in(app, history.itto)
    assert 'href="/account/data"' in client.get("/account?lang=fr").get_data(as_text=True)
    page = client.get("/account/data?lang=fr").get_data(as_text=True)
    assert "Document PDF, à lire ou imprimer" in page and "Fichier JSON, pour un autre logiciel" in page
