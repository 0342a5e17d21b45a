"""Marks sent later by a phone that was offline: the same outbox twice, two phones disagreeing, a
locked register, someone else's meeting, bad bodies, CSRF, and two copies racing."""
import uuid

import pytest

from ecole.attendance import services, sync
from ecole.attendance.models import AttendanceMark, MarkReview, RegisterEvent
from ecole.enrolment import services as enrolment_services
from ecole.extensions import db
from tests.enrolment.test_concurrency import run_together
from tests.factories import make_held_session, make_user
from tests.helpers import csrf_token, signed_in


@pytest.fixture
def held(app, people, catalogue):
    trainees = [make_user("trainee", name=f"Stagiaire {n}", email=f"s{n}@example.org") for n in range(4)]
    return make_held_session(people.trainer, trainees, meetings=((1, 9, 12),))


def mark(meeting, enrolment, status, at="2026-12-03T09:15:00+01:00", client_id=None):
    return {"client_id": client_id or uuid.uuid4().hex, "meeting": meeting.id, "enrolment": enrolment.id,
            "status": status, "marked_at": at}


def send(client, marks, token=None):
    token = token if token is not None else client.get("/csrf-token").get_json()["token"]
    return client.post("/attendance/sync", json={"marks": marks}, headers={"X-CSRFToken": token,
                                                                           "Accept": "application/json"})


def final_marks(meeting):
    db.session.rollback()
    return {m.enrolment_id: m.status for m in db.session.scalars(
        db.select(AttendanceMark).where(AttendanceMark.meeting_id == meeting.id))}


def outcomes(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["outcome"] for r in response.get_json()["results"]]


def test_the_same_outbox_sent_twice_is_stored_once(app, held, people):
    course_session, enrolments = held
    meeting = course_session.meetings[0]
    phone = signed_in(app, people.trainer)
    outbox = [mark(meeting, e, "present") for e in enrolments] + [mark(meeting, enrolments[1], "absent",
                                                                       at="2026-12-03T09:40:00+01:00")]
    assert outcomes(send(phone, outbox)) == ["stored"] * 5
    assert outcomes(send(phone, outbox)) == ["duplicate"] * 5
    assert final_marks(meeting) == {enrolments[0].id: "present", enrolments[1].id: "absent",
                                    enrolments[2].id: "present", enrolments[3].id: "present"}
    events = db.session.scalars(db.select(RegisterEvent).where(RegisterEvent.client_id.is_not(None))).all()
    assert sorted(e.client_id for e in events) == sorted(m["client_id"] for m in outbox)


def test_two_phones_disagree_and_the_latest_by_device_time_wins(app, held, people):
    course_session, enrolments = held
    meeting, person = course_session.meetings[0], enrolments[0]
    phone_a, phone_b = signed_in(app, people.trainer), signed_in(app, people.trainer)
    later = mark(meeting, person, "absent", at="2026-12-03T09:10:00+01:00")
    earlier = mark(meeting, person, "present", at="2026-12-03T09:05:00+01:00")
    assert outcomes(send(phone_a, [later])) == ["stored"]
    assert outcomes(send(phone_b, [earlier])) == ["superseded"]
    assert final_marks(meeting)[person.id] == "absent"
    # The other order ends the same way.
    other = enrolments[1]
    assert outcomes(send(phone_b, [mark(meeting, other, "present", at="2026-12-03T09:05:00+01:00")])) == ["stored"]
    assert outcomes(send(phone_a, [mark(meeting, other, "late", at="2026-12-03T09:10:00+01:00")])) == ["stored"]
    assert final_marks(meeting)[other.id] == "late"
    history = db.session.scalars(db.select(RegisterEvent).where(RegisterEvent.enrolment_id == person.id)).all()
    assert sorted(e.kind for e in history) == ["mark", "superseded"]  # every received mark is kept


def test_an_online_mark_after_the_phones_mark_wins_over_an_older_phone_mark(app, held, people):
    course_session, enrolments = held
    meeting, person = course_session.meetings[0], enrolments[0]
    services.save_marks(meeting, {person.id: "present"}, actor=people.trainer)  # now, on the screen
    db.session.commit()
    phone = signed_in(app, people.trainer)
    assert outcomes(send(phone, [mark(meeting, person, "absent", at="2026-12-03T09:00:00+01:00")])) == ["superseded"]
    assert final_marks(meeting)[person.id] == "present"


def test_marks_for_a_locked_register_wait_for_a_decision(app, held, people):
    course_session, enrolments = held
    meeting, person = course_session.meetings[0], enrolments[0]
    services.everyone_present(meeting, actor=people.trainer)
    services.lock_register(meeting, actor=people.trainer)
    db.session.commit()
    phone = signed_in(app, people.trainer)
    late = mark(meeting, person, "late")
    assert outcomes(send(phone, [late])) == ["needs_review"]
    assert outcomes(send(phone, [late])) == ["duplicate"]
    assert final_marks(meeting)[person.id] == "present"  # never an overwrite
    page = phone.get(f"/meetings/{meeting.id}/register").get_data(as_text=True)
    assert "après le verrouillage" in page
    review = db.session.scalar(db.select(MarkReview))
    response = phone.post(f"/mark-reviews/{review.id}/accept", data={"csrf_token": csrf_token(phone)})
    assert response.status_code == 302
    assert final_marks(meeting)[person.id] == "late"
    second = mark(meeting, enrolments[1], "absent")
    assert outcomes(send(phone, [second])) == ["needs_review"]
    review = db.session.scalar(db.select(MarkReview).where(MarkReview.client_id == second["client_id"]))
    phone.post(f"/mark-reviews/{review.id}/reject", data={"csrf_token": csrf_token(phone)})
    assert final_marks(meeting)[enrolments[1].id] == "present"
    db.session.rollback()
    assert {r.decision for r in db.session.scalars(db.select(MarkReview))} == {"accepted", "rejected"}


def test_refused_with_a_reason(app, held, people, other_trainer):
    course_session, enrolments = held
    meeting = course_session.meetings[0]
    enrolment_services.cancel(enrolments[3], actor=people.trainer, reason="Parti à Agadir")
    db.session.commit()
    phone = signed_in(app, people.trainer)
    response = send(phone, [mark(meeting, enrolments[3], "present"), {"client_id": "x"},
                            {**mark(meeting, enrolments[0], "present"), "marked_at": "hier"},
                            {**mark(meeting, enrolments[0], "present"), "marked_at": "2026-12-03T09:00:00"},
                            {**mark(meeting, enrolments[0], "présent")},
                            {**mark(meeting, enrolments[0], "present"), "meeting": 2**40}, "texte"])
    results = response.get_json()["results"]
    assert [r["outcome"] for r in results] == ["refused"] * 7
    assert "plus inscrite" in results[0]["message"]
    other_session, (stranger,) = make_held_session(other_trainer, [make_user("trainee", name="Autre", email="o@example.org")],
                                                   commune="Tata", meetings=((1, 9, 12),))
    refused = send(phone, [mark(other_session.meetings[0], stranger, "present")]).get_json()["results"][0]
    assert refused["outcome"] == "refused" and "pas formateur" in refused["message"]
    assert final_marks(meeting) == {} and final_marks(other_session.meetings[0]) == {}


@pytest.mark.parametrize("body", [None, "", "[]", '{"marks": {}}', '{"marks": "x"}', '{"nope": []}', "{" * 10])
def test_a_body_that_is_not_an_outbox_is_a_clear_400(app, held, people, body):
    phone = signed_in(app, people.trainer)
    token = phone.get("/csrf-token").get_json()["token"]
    response = phone.post("/attendance/sync", data=body, content_type="application/json",
                          headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 400 and "liste de présences" in response.get_json()["error"]


def test_csrf_and_roles_on_the_sync_endpoint(app, held, people):
    course_session, enrolments = held
    meeting = course_session.meetings[0]
    phone = signed_in(app, people.trainer)
    assert send(phone, [mark(meeting, enrolments[0], "present")], token="").status_code == 400
    assert send(phone, [mark(meeting, enrolments[0], "present")], token="forged").status_code == 400
    assert final_marks(meeting) == {}
    trainee = signed_in(app, people.trainee)
    assert send(trainee, [mark(meeting, enrolments[0], "present")]).status_code == 403
    anonymous = app.test_client()
    assert anonymous.post("/attendance/sync", json={"marks": []}, headers={"Accept": "application/json"}).status_code == 400
    assert anonymous.post("/attendance/sync", json={"marks": []}, headers={
        "Accept": "application/json", "X-CSRFToken": csrf_token(anonymous)}).status_code == 401
    assert anonymous.get("/csrf-token", headers={"Accept": "application/json"}).status_code == 401
    admin = signed_in(app, people.admin)
    assert outcomes(send(admin, [mark(meeting, enrolments[0], "present")])) == ["stored"]


def test_too_many_marks_at_once_are_refused_whole(app, held, people):
    course_session, enrolments = held
    phone = signed_in(app, people.trainer)
    response = send(phone, [mark(course_session.meetings[0], enrolments[0], "present")] * (sync.MAX_MARKS + 1))
    assert response.status_code == 400 and final_marks(course_session.meetings[0]) == {}


def test_two_copies_of_an_outbox_racing_store_each_mark_once(app, held, people):
    course_session, enrolments = held
    meeting = course_session.meetings[0]
    outbox = [mark(meeting, e, "present") for e in enrolments]
    phones = [signed_in(app, people.trainer) for _ in range(4)]
    tokens = [p.get("/csrf-token").get_json()["token"] for p in phones]
    answers = run_together([lambda p=p, t=t: send(p, outbox, token=t) for p, t in zip(phones, tokens)])
    assert all(not isinstance(a, Exception) and a.status_code == 200 for a in answers), answers
    stored = sum(o == "stored" for a in answers for o in outcomes(a))
    assert stored == len(outbox)
    db.session.rollback()
    assert len(db.session.scalars(db.select(RegisterEvent).where(RegisterEvent.client_id.is_not(None))).all()) == len(outbox)
    assert final_marks(meeting) == {e.id: "present" for e in enrolments}


def test_the_phones_registers_of_the_week(app, held, people, other_trainer):
    course_session, enrolments = held
    from datetime import timedelta

    from ecole.core.models import utcnow
    from ecole.sessions import services as session_services

    soon = utcnow() + timedelta(days=2)
    session_services.add_meeting(course_session, soon, soon + timedelta(hours=2), actor=people.trainer, force=True)
    far = utcnow() + timedelta(days=20)
    session_services.add_meeting(course_session, far, far + timedelta(hours=2), actor=people.trainer, force=True)
    db.session.commit()
    phone = signed_in(app, people.trainer)
    body = phone.get("/meetings/mine/registers.json").get_json()
    assert body["trainer"] == people.trainer.id
    assert len(body["meetings"]) == 1 and len(body["meetings"][0]["trainees"]) == 4
    assert signed_in(app, other_trainer).get("/meetings/mine/registers.json").get_json()["meetings"] == []
    page = phone.get("/meetings/mine").get_data(as_text=True)
    assert f"/meetings/{body['meetings'][0]['id']}/register" in page


HOSTILE = ["x" * 10000, "NaN", "\x00", "a\r\nb", "", None, 1e308, -1, 2**63, [], {}, True, "٣", "9" * 400]


def test_hostile_values_in_every_field_of_a_mark_never_fail(app, held, people):
    """Each field of a mark, and the body itself, holding what a broken or hostile phone could send:
    a clear answer (refused, or 400), never a 500, and nothing stored from it."""
    import json

    course_session, enrolments = held
    meeting = course_session.meetings[0]
    phone = signed_in(app, people.trainer)
    token = phone.get("/csrf-token").get_json()["token"]
    base = mark(meeting, enrolments[0], "present")
    bodies = [json.dumps({"marks": [{**base, key: value}]}) for key in base for value in HOSTILE]
    bodies += ['{"marks": [NaN]}', '{"marks": [{"client_id": "abcdefgh", "meeting": NaN}]}', "\x00", "{" * 5000,
               json.dumps({"marks": [[]]}), json.dumps({"marks": ["x" * 10000]})]
    for body in bodies:
        response = phone.post("/attendance/sync", data=body, content_type="application/json",
                              headers={"X-CSRFToken": token, "Accept": "application/json"})
        assert response.status_code in (200, 400), (body[:80], response.status_code)
        if response.status_code == 200:
            assert {r["outcome"] for r in response.get_json()["results"]} <= {"refused"}, body[:80]
    assert final_marks(meeting) == {}
