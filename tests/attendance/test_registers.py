"""Registers through the web: marks, everyone present then the exceptions, the JSON answer for
scripts, all-or-nothing refusals, lock and unlock, walk-ins, history; warnings; fixed query counts."""

import pytest

from ecole.attendance import services
from ecole.attendance.models import AttendanceMark, RegisterEvent
from ecole.core.audit import AuditEntry
from ecole.extensions import db
from ecole.notifications.models import Notification
from ecole.notifications.queries import calls_for
from tests.factories import make_held_session, make_user
from tests.helpers import count_queries, count_statements, csrf_token, post, signed_in


@pytest.fixture
def held(app, people, catalogue):
    trainees = [make_user("trainee", name=f"Stagiaire {n}", email=f"s{n}@example.org") for n in range(4)]
    return make_held_session(people.trainer, trainees)


def marks_of(meeting):
    return {m.enrolment_id: m.status for m in db.session.scalars(
        db.select(AttendanceMark).where(AttendanceMark.meeting_id == meeting.id))}


def test_everyone_present_then_the_exceptions(app, held, people):
    course_session, enrolments = held
    meeting = course_session.meetings[0]
    client = signed_in(app, people.trainer)
    page = client.get(f"/meetings/{meeting.id}/register")
    assert page.status_code == 200 and "Tout le monde présent" in page.get_data(as_text=True)
    response = post(client, f"/meetings/{meeting.id}/register", {"action": "all_present"})
    assert response.status_code == 302
    assert set(marks_of(meeting).values()) == {"present"}
    response = post(client, f"/meetings/{meeting.id}/register", {f"mark-{enrolments[1].id}": "absent",
                                                                 f"mark-{enrolments[2].id}": "late"})
    assert response.status_code == 302
    assert sorted(marks_of(meeting).values()) == ["absent", "late", "present", "present"]
    change = db.session.scalar(db.select(RegisterEvent).where(RegisterEvent.enrolment_id == enrolments[1].id,
                                                              RegisterEvent.from_status.is_not(None)))
    assert (change.from_status, change.to_status, change.actor_id) == ("present", "absent", people.trainer.id)


def test_the_script_gets_json_and_the_counts(app, held, people):
    course_session, enrolments = held
    meeting = course_session.meetings[0]
    client = signed_in(app, people.trainer)
    response = post(client, f"/meetings/{meeting.id}/register", {f"mark-{enrolments[0].id}": "present"},
                    headers={"Accept": "application/json"})
    body = response.get_json()
    assert response.status_code == 200 and body["ok"] and body["counts"]["present"] == 1 and body["missing"] == 3
    refused = post(client, f"/meetings/{meeting.id}/register", {f"mark-{enrolments[0].id}": "maybe"},
                   headers={"Accept": "application/json"})
    assert refused.status_code == 400 and refused.get_json()["errors"] == ["Marque de présence inconnue."]


@pytest.mark.parametrize("bad", [{"mark-abc": "present"}, {"mark-99999999999": "present"}, {"mark-1": "présent"},
                                 {"mark-": "absent"}, {"mark-١": "present"}])
def test_bad_marks_change_nothing(app, held, people, bad):
    course_session, enrolments = held
    meeting = course_session.meetings[0]
    client = signed_in(app, people.trainer)
    response = post(client, f"/meetings/{meeting.id}/register", {f"mark-{enrolments[0].id}": "present", **bad})
    assert response.status_code == 400 and "Rien n’a été enregistré" in response.get_data(as_text=True)
    assert marks_of(meeting) == {}


def test_a_trainee_of_another_session_cannot_be_marked(app, held, people, other_trainer):
    course_session, enrolments = held
    other_session, (stranger,) = make_held_session(other_trainer, [make_user("trainee", name="Autre", email="o@example.org")],
                                                   commune="Tata")
    client = signed_in(app, people.trainer)
    response = post(client, f"/meetings/{course_session.meetings[0].id}/register",
                    {f"mark-{enrolments[0].id}": "present", f"mark-{stranger.id}": "present"})
    assert response.status_code == 400 and marks_of(course_session.meetings[0]) == {}
    other = signed_in(app, other_trainer)
    assert other.get(f"/meetings/{course_session.meetings[0].id}/register").status_code == 403
    assert post(other, f"/meetings/{course_session.meetings[0].id}/register",
                {f"mark-{enrolments[0].id}": "present"}).status_code == 403


def test_future_meetings_are_not_marked(app, people, catalogue):
    from tests.factories import make_session

    course_session = make_session(people.trainer, days_ahead=3)
    client = signed_in(app, people.trainer)
    response = post(client, f"/meetings/{course_session.meetings[0].id}/register", {"action": "all_present"})
    assert response.status_code == 400 and "pas encore eu lieu" in response.get_data(as_text=True)


def test_lock_needs_a_complete_register_and_unlock_an_administrator_with_a_reason(app, held, people):
    course_session, enrolments = held
    meeting = course_session.meetings[0]
    trainer = signed_in(app, people.trainer)
    post(trainer, f"/meetings/{meeting.id}/register", {f"mark-{enrolments[0].id}": "present"})
    response = post(trainer, f"/meetings/{meeting.id}/register/lock", follow_redirects=True)
    assert "3 sans marque" in response.get_data(as_text=True)
    post(trainer, f"/meetings/{meeting.id}/register", {"action": "all_present"})
    post(trainer, f"/meetings/{meeting.id}/register/lock")
    refused = post(trainer, f"/meetings/{meeting.id}/register", {f"mark-{enrolments[0].id}": "absent"})
    assert refused.status_code == 400 and "verrouillée" in refused.get_data(as_text=True)
    assert post(trainer, f"/meetings/{meeting.id}/register/unlock", {"reason": "x"}).status_code == 403
    admin = signed_in(app, people.admin)
    post(admin, f"/meetings/{meeting.id}/register/unlock", {"reason": ""})
    assert marks_of(meeting)[enrolments[0].id] == "present"
    assert services.register_of(meeting).is_locked
    post(admin, f"/meetings/{meeting.id}/register/unlock", {"reason": "Feuille papier relue"})
    db.session.expire_all()
    assert not services.register_of(meeting).is_locked
    post(trainer, f"/meetings/{meeting.id}/register", {f"mark-{enrolments[0].id}": "absent"})
    kinds = [e.kind for e in db.session.scalars(db.select(RegisterEvent).where(RegisterEvent.meeting_id == meeting.id)
                                                .order_by(RegisterEvent.id))]
    assert kinds[-3:] == ["lock", "unlock", "mark"]
    audit = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert "register.lock" in audit and "register.unlock" in audit
    history = trainer.get(f"/meetings/{meeting.id}/register/history").get_data(as_text=True)
    assert "Feuille papier relue" in history and "Réouverture" in history


def test_a_walk_in_is_enrolled_and_marked_present_from_the_register(app, held, people):
    course_session, _ = held
    meeting = course_session.meetings[-1]
    newcomer = make_user("trainee", name="Fatima Venue", phone="0677001122", email=None)
    client = signed_in(app, people.trainer)
    response = post(client, f"/sessions/{course_session.id}/walk-in", {"identifier": "0677001122", "meeting": meeting.id})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/meetings/{meeting.id}/register")
    from ecole.enrolment.models import Enrolment

    enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == newcomer.id))
    assert enrolment.status == "confirmed" and marks_of(meeting) == {enrolment.id: "present"}
    assert "Fatima Venue" in client.get(f"/meetings/{meeting.id}/register").get_data(as_text=True)


def test_two_absences_in_a_row_warn_the_trainee_and_the_trainer_once(app, held, people):
    course_session, enrolments = held
    first, second, third = course_session.meetings
    absent = enrolments[0]
    for meeting in (first, second):
        services.save_marks(meeting, {e.id: ("absent" if e is absent else "present") for e in enrolments},
                            actor=people.trainer)
        db.session.commit()
    notices = db.session.scalars(db.select(Notification).where(Notification.kind.like("attendance.%"))).all()
    kinds = sorted((n.user_id, n.kind) for n in notices)
    assert (absent.user_id, "attendance.streak") in kinds and (people.trainer.id, "attendance.trainer_streak") in kinds
    to_trainee = next(n for n in notices if n.user_id == absent.user_id and n.kind == "attendance.streak")
    assert to_trainee.needs_call  # on the call list even with an e-mail address
    assert to_trainee.id in {n.id for n in db.session.scalars(calls_for(people.trainer))}
    services.save_marks(third, {absent.id: "absent"}, actor=people.trainer)
    db.session.commit()
    again = db.session.scalars(db.select(Notification).where(Notification.kind == "attendance.streak")).all()
    assert len(again) == 1
    out_of_reach = db.session.scalars(db.select(Notification).where(Notification.kind == "attendance.out_of_reach")).all()
    assert [n.user_id for n in out_of_reach] == [absent.user_id]


def test_the_trainee_sees_their_own_attendance_and_nobody_elses(app, held, people):
    course_session, enrolments = held
    services.everyone_present(course_session.meetings[0], actor=people.trainer)
    db.session.commit()
    owner = db.session.get(type(enrolments[0].user), enrolments[0].user_id)
    page = signed_in(app, owner).get(f"/training/{enrolments[0].id}/attendance")
    assert page.status_code == 200 and "Présent" in page.get_data(as_text=True)
    assert signed_in(app, people.trainee).get(f"/training/{enrolments[0].id}/attendance").status_code == 403


def test_the_register_costs_the_same_queries_for_5_or_40_trainees(app, people, catalogue):
    few = [make_user("trainee", name=f"Peu {n}", email=f"p{n}@example.org") for n in range(5)]
    many = [make_user("trainee", name=f"Beaucoup {n}", email=f"b{n}@example.org") for n in range(40)]
    small, small_enrolments = make_held_session(people.trainer, few, commune="Tata")
    large, large_enrolments = make_held_session(people.trainer, many, commune="Akka")
    for course_session in (small, large):
        services.everyone_present(course_session.meetings[0], actor=people.trainer)
    db.session.commit()
    client = signed_in(app, people.trainer)
    assert count_queries(client, f"/meetings/{small.meetings[0].id}/register") == \
        count_queries(client, f"/meetings/{large.meetings[0].id}/register")
    assert count_queries(client, f"/sessions/{small.id}/results") == count_queries(client, f"/sessions/{large.id}/results")


def test_saving_marks_runs_a_fixed_number_of_statements(app, people, catalogue, queued_jobs):
    """A trainer changes two marks of a register of 5 or of 40: the same few statements (the save used
    to lock the session by loading it all again, and build the whole register page after the commit
    only to redirect: 40 statements)."""
    counts = []
    for tag, size in (("Tata", 5), ("Akka", 40)):
        trainees = [make_user("trainee", name=f"{tag} {n}", email=f"{tag.lower()}{n}@example.org") for n in range(size)]
        course_session, enrolments = make_held_session(people.trainer, trainees, commune=tag)
        meeting_id = course_session.meetings[-1].id
        services.everyone_present(course_session.meetings[-1], actor=people.trainer)
        db.session.commit()
        client = signed_in(app, people.trainer)
        path = f"/meetings/{meeting_id}/register"
        fields = {f"mark-{e.id}": "present" for e in enrolments}
        fields.update({f"mark-{enrolments[0].id}": "late", f"mark-{enrolments[1].id}": "excused"})
        fields.update(action="save", csrf_token=csrf_token(client, path))
        count, answer = count_statements(lambda: client.post(path, data=fields))
        assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
        assert marks_of(db.session.get(type(course_session.meetings[-1]), meeting_id))[enrolments[0].id] == "late"
        counts.append(count)
    assert counts[0] == counts[1] and counts[1] <= 36, counts


def test_validated_results_refuse_every_change_a_trainer_can_send(app, held, people):
    """The authorization matrix once results are validated: every write a trainer has is refused and
    changes nothing; the administrator's reopening is the only way, and it is in the history."""
    from ecole.attendance.models import Assessment, Result

    course_session, enrolments = held
    for meeting in course_session.meetings:
        services.everyone_present(meeting, actor=people.trainer)
    services.validate_results(course_session, actor=people.trainer)
    db.session.commit()
    meeting, first = course_session.meetings[0], enrolments[0]
    trainer, admin = signed_in(app, people.trainer), signed_in(app, people.admin)
    attempts = [
        (f"/meetings/{meeting.id}/register", {f"mark-{first.id}": "absent"}),
        (f"/meetings/{meeting.id}/register", {"action": "all_present"}),
        (f"/meetings/{meeting.id}/register/lock", {}),
        (f"/meetings/{meeting.id}/register/unlock", {"reason": "je corrige"}),
        (f"/sessions/{course_session.id}/results/validate", {}),
        (f"/sessions/{course_session.id}/results/unlock", {"reason": "je corrige"}),
        (f"/sessions/{course_session.id}/assessments", {f"passed_{first.id}": "0", f"score_{first.id}": "3"}),
    ]
    before = (marks_of(meeting), [(r.enrolment_id, r.completed, r.validated_at) for r in db.session.scalars(db.select(Result))],
              db.session.scalars(db.select(Assessment)).all())
    for url, data in attempts:
        response = post(trainer, url, data)
        assert response.status_code in (302, 400, 403), (url, response.status_code)
    db.session.expire_all()
    after = (marks_of(meeting), [(r.enrolment_id, r.completed, r.validated_at) for r in db.session.scalars(db.select(Result))],
             db.session.scalars(db.select(Assessment)).all())
    assert after == before
    assert post(trainer, f"/sessions/{course_session.id}/results/unlock", {"reason": "x"}).status_code == 403
    assert post(admin, f"/sessions/{course_session.id}/results/unlock", {"reason": "Présence oubliée"}).status_code == 302
    db.session.expire_all()
    assert not any(r.is_locked for r in db.session.scalars(db.select(Result)))
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.count("results.validate") == 1 and actions[-1] == "results.unlock"


def test_four_phones_saving_the_same_register_at_once(app, held, people):
    """The first save creates the register row: four at once meet its unique key and its lock, and
    each person ends with one mark, with no error."""
    from tests.enrolment.test_concurrency import run_together
    from tests.helpers import csrf_token

    course_session, enrolments = held
    meeting = course_session.meetings[0]
    phones = [signed_in(app, people.trainer) for _ in range(4)]
    tokens = [csrf_token(phone) for phone in phones]
    url = f"/meetings/{meeting.id}/register"  # read here: the threads have no application context
    statuses = run_together([lambda p=p, t=t: p.post(url, data={"csrf_token": t, "action": "all_present"}).status_code
                             for p, t in zip(phones, tokens)])
    assert statuses == [302] * 4, statuses
    db.session.rollback()
    assert marks_of(meeting) == {e.id: "present" for e in enrolments}
    events = db.session.scalars(db.select(RegisterEvent).where(RegisterEvent.meeting_id == meeting.id)).all()
    assert len(events) == len(enrolments)  # marked once each: the later saves found nothing to change


def test_two_registers_of_one_session_saved_at_once(app, held, people):
    """Each save stores the whole session's standings (results): two registers of one session saved at
    the same moment (two trainers, or a phone and a laptop) both found no result yet and both inserted
    one per person; the second met the unique key and answered 500 (seen in the soak test). Now they go
    one after the other, and the results count both registers' marks."""
    from ecole.attendance.models import Result
    from tests.enrolment.test_concurrency import run_together
    from tests.helpers import csrf_token

    course_session, enrolments = held
    meetings = course_session.meetings[:2]
    phones = [signed_in(app, people.trainer) for _ in meetings]
    tokens = [csrf_token(phone) for phone in phones]
    urls = [f"/meetings/{meeting.id}/register" for meeting in meetings]  # read here: the threads have no context
    statuses = run_together([lambda p=p, t=t, u=u: p.post(u, data={"csrf_token": t, "action": "all_present"}).status_code
                             for p, t, u in zip(phones, tokens, urls)])
    assert statuses == [302, 302], statuses
    db.session.rollback()
    for meeting in meetings:
        assert marks_of(meeting) == {e.id: "present" for e in enrolments}
    results = db.session.scalars(db.select(Result).where(Result.enrolment_id.in_([e.id for e in enrolments]))).all()
    assert sorted(r.enrolment_id for r in results) == sorted(e.id for e in enrolments)
    assert {r.minutes_attended for r in results} == {2 * 120}  # both registers' two hours, whoever saved last
