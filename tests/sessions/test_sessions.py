"""Scheduling sessions as a trainer: creation, meetings and double bookings, publishing, ownership."""
from datetime import date, time, timedelta

from ecole.catalogue.models import Course
from ecole.core.timezone import school_zone
from ecole.enrolment import services
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from ecole.sessions import services as session_services
from ecole.sessions.models import CourseSession, Meeting
from tests.factories import make_session, make_user
from tests.helpers import post, signed_in, submit

DAY = (date.today() + timedelta(days=60)).isoformat()


def new_session_form(client, **extra):
    course = db.session.scalar(db.select(Course).where(Course.slug == "saffron-basics"))
    data = {"course_id": str(course.id), "commune": "Askaoun", "place": "Foyer féminin", "capacity": "12",
            "languages": ["zgh"], "offer_hours": "48", **extra}
    return submit(client, "/sessions/new", data)


def test_a_trainer_schedules_and_publishes_their_own_session(as_role, people, catalogue, client):
    trainer = as_role("trainer")
    response = new_session_form(trainer, trainer_ids=[])
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    session = db.session.scalar(db.select(CourseSession))
    assert [t.id for t in session.trainers] == [people.trainer.id]  # a trainer always teaches what they schedule
    assert post(trainer, f"/sessions/{session.id}/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(CourseSession, session.id).status == "draft"  # no meeting yet: refused
    response = post(trainer, f"/sessions/{session.id}/meetings", {"day": DAY, "start": "09:00", "end": "12:00",
                                                                   "topic": "Découverte"})
    assert response.status_code == 302
    post(trainer, f"/sessions/{session.id}/publish")
    db.session.expire_all()
    assert db.session.get(CourseSession, session.id).status == "published"
    assert "Askaoun" in client.get("/courses/saffron-basics").get_data(as_text=True)
    assert "saffron" in client.get("/courses?upcoming=1").get_data(as_text=True)


def test_bad_session_input_is_refused_and_changes_nothing(as_role, catalogue):
    trainer = as_role("trainer")
    for bad in ({"capacity": "0"}, {"capacity": "abc"}, {"commune": ""},
                {"women_seats": "20"}, {"course_id": "999999"}, {"latitude": "200"}):
        response = new_session_form(trainer, **bad)
        assert response.status_code == 400, bad
    assert db.session.scalar(db.select(db.func.count(CourseSession.id))) == 0


def test_a_double_booking_is_flagged_before_saving(as_role, people, catalogue):
    first = make_session(people.trainer, commune="Taliouine")
    second = make_session(people.trainer, commune="Tafraout", days_ahead=90)
    day = first.meetings[0].starts_at.astimezone(school_zone()).date().isoformat()
    trainer = as_role("trainer")
    clash = {"day": day, "start": "10:00", "end": "11:00"}
    response = post(trainer, f"/sessions/{second.id}/meetings", clash)
    assert response.status_code == 400 and "Conflit" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Meeting.id)).where(Meeting.session_id == second.id)) == 1
    response = post(trainer, f"/sessions/{second.id}/meetings", {**clash, "force": "y"})
    assert response.status_code == 302  # saved once the trainer confirms
    assert db.session.scalar(db.select(db.func.count(Meeting.id)).where(Meeting.session_id == second.id)) == 2


def test_the_same_venue_is_a_conflict_for_another_trainer_too(people, catalogue, other_trainer):
    other = other_trainer
    first = make_session(people.trainer, commune="Taliouine", place="Maison du safran")
    second = make_session(other, commune="Taliouine", place="Maison du safran", days_ahead=90)
    meeting = first.meetings[0]
    assert session_services.conflicts(second, meeting.starts_at, meeting.ends_at) == [meeting]
    third = make_session(other, commune="Igherm", place="École", days_ahead=120)
    assert session_services.conflicts(third, meeting.starts_at, meeting.ends_at) == []


def test_meetings_are_entered_on_moroccos_clock(people, catalogue):
    session = make_session(people.trainer)
    # 9:00 in Taliouine: 8:00 UTC in June 2026 (UTC+1), 9:00 UTC in Ramadan 2026 and from 21 Sep 2026
    # (UTC+0), as the pinned tzdata says, whatever the machine's own zoneinfo says.
    june = session_services.to_utc(date(2026, 7, 1), time(9))
    ramadan = session_services.to_utc(date(2026, 3, 1), time(9))
    winter = session_services.to_utc(date(2027, 1, 15), time(9))
    assert (june.hour, ramadan.hour, winter.hour) == (8, 9, 9)
    assert session.meetings[0].ends_at > session.meetings[0].starts_at


def test_only_its_trainers_and_administrators_manage_a_session(as_role, people, catalogue, app, other_trainer):
    session = make_session(people.trainer)
    outsider = signed_in(app, other_trainer)
    for url in (f"/sessions/{session.id}/edit", f"/sessions/{session.id}/manage", f"/sessions/{session.id}/events"):
        assert outsider.get(url).status_code == 403, url
        assert as_role("admin").get(url).status_code == 200, url
    assert post(outsider, f"/sessions/{session.id}/cancel", {"reason": "x"}).status_code == 403


def test_more_seats_move_the_waitlist_up(as_role, people, catalogue):
    session = make_session(people.trainer, capacity=1)
    a, b = (make_user("trainee", name=n, email=f"{n}@example.org") for n in ("aicha", "brahim"))
    services.enrol(session, a, actor=a)
    waiting = services.enrol(session, b, actor=b)
    db.session.commit()
    response = submit(as_role("trainer"), f"/sessions/{session.id}/edit", {"capacity": "2"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).status == "offered"


def test_import_trainees_into_a_session(runner, tmp_path, people, catalogue):
    session = make_session(people.trainer, capacity=2)
    csv_file = tmp_path / "douar.csv"
    csv_file.write_text("name_latin;phone;gender\nFadma Ait Lahcen;0661000001;f\nMina Oubaha;0661000002;f\n"
                        "Hassan Id Ali;0661000003;m\n", encoding="utf-8")
    result = runner.invoke(args=["ecole", "import-trainees", str(csv_file), "--session", str(session.id)])
    assert result.exit_code == 0, result.output
    statuses = sorted(db.session.scalars(db.select(Enrolment.status).where(Enrolment.session_id == session.id)))
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    again = runner.invoke(args=["ecole", "import-trainees", str(csv_file), "--session", str(session.id)])
    assert again.exit_code == 0  # people already enrolled are left as they are
    assert db.session.scalar(db.select(db.func.count(Enrolment.id))) == 3
    missing = runner.invoke(args=["ecole", "import-trainees", str(csv_file), "--session", "99999"])
    assert missing.exit_code == 1


def test_bad_csv_with_a_session_enrols_nobody(runner, tmp_path, people, catalogue):
    session = make_session(people.trainer, capacity=5)
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("name_latin;phone\nFadma;0661000001\nSans numéro;\n", encoding="utf-8")
    result = runner.invoke(args=["ecole", "import-trainees", str(csv_file), "--session", str(session.id)])
    assert result.exit_code == 1 and "Ligne 3" in result.output
    assert db.session.scalar(db.select(db.func.count(Enrolment.id))) == 0


def test_administrators_may_teach_so_a_new_school_can_schedule(as_role, people, catalogue):
    # On a fresh install the first administrator is the only staff: the form offers them, as the service allows.
    page = as_role("admin").get("/sessions/new").get_data(as_text=True)
    assert f'value="{people.admin.id}"' in page and f'value="{people.trainer.id}"' in page
    assert f'value="{people.trainee.id}"' not in page.split('name="trainer_ids"', 1)[-1].split("</fieldset>")[0]
