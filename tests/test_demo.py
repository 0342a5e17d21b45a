"""`flask ecole demo`: the demo world of CONTRACT.md, idempotent, its printed accounts sign in."""
import hashlib
import re

from flask_babel import force_locale
from sqlalchemy import inspect, text

from ecole.accounts.models import User
from ecole.accounts.services import authenticate, set_password
from ecole.core.models import utcnow
from ecole.demo import CANCEL_REASON, DEMO_PASSWORD, PEOPLE
from ecole.enrolment import services as enrolment_services
from ecole.enrolment.models import Enrolment, EnrolmentStatus
from ecole.extensions import db
from ecole.notifications.models import Notification
from ecole.notifications.services import MESSAGES, render
from ecole.sessions.models import CourseSession, SessionStatus
from tests.factories import make_user
from tests.helpers import csrf_token

ARABIC = re.compile(r"[\u0600-\u06FF]")
TIFINAGH = re.compile(r"[\u2D30-\u2D7F]")


def digest() -> dict[str, str]:
    """Every table of the database (alembic_version included), every column, as one hash per table."""
    db.session.commit()  # read what is committed, from a fresh snapshot
    tables = {}
    for name in sorted(inspect(db.engine).get_table_names()):
        rows = sorted(repr(tuple(row)) for row in db.session.execute(text(f'SELECT * FROM "{name}"')))
        tables[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest() + f" ({len(rows)} rows)"
    return tables


def demo(runner, *args):
    return runner.invoke(args=["ecole", "demo", *args])


def accounts_table(output: str) -> list[list[str]]:
    """The printed rows (role, name, login, language, password), header left out."""
    start = next(i for i, line in enumerate(output.splitlines()) if line.strip().startswith("Rôle"))
    rows = []
    for line in output.splitlines()[start + 1:]:
        if not line.startswith("  "):
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_demo_twice_leaves_the_same_rows_and_every_printed_account_signs_in(runner, app):
    before = digest()
    first = demo(runner)
    assert first.exit_code == 0, first.output
    assert "Catalogue de l’école importé." in first.output  # a fresh database: the demo brought the courses
    after_first = digest()
    assert after_first != before
    for table in ("users", "course_sessions", "meetings", "enrolments", "enrolment_events", "notifications",
                  "audit_entries", "courses"):
        assert not after_first[table].endswith("(0 rows)"), table

    second = demo(runner)
    assert second.exit_code == 0, second.output
    assert digest() == after_first  # nothing added, changed or removed, in any table
    assert "importé" not in second.output and "0 session" in second.output

    rows = accounts_table(second.output)
    assert [row[2] for row in rows] == [person.identifier for person in PEOPLE]
    assert {row[4] for row in rows} == {DEMO_PASSWORD}
    assert {row[0] for row in rows} == {"Administrateur", "Formateur", "Stagiaire"}
    for role, name, login_id, lang, password in rows:
        client = app.test_client()
        response = client.post("/login", data={"identifier": login_id, "password": password,
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 302, (login_id, response.get_data(as_text=True)[:300])
        assert client.get("/account").status_code == 200, login_id  # signed in, no forced password change
        assert client.get("/notifications").status_code == 200, login_id
        if role == "Administrateur":
            calls = client.get("/calls").get_data(as_text=True)
            assert "Hassan Amzil" in calls and "Aicha Id Brahim" in calls  # phone-only people with notices
        user = db.session.scalar(db.select(User).where((User.email == login_id) | (User.phone == login_id)))
        assert user.name_latin == name and user.locale == lang


def test_the_demo_world_has_sessions_in_every_state_and_a_waitlist_with_an_offer(runner):
    assert demo(runner).exit_code == 0
    sessions = db.session.scalars(db.select(CourseSession)).all()
    assert {s.status for s in sessions} == {status.value for status in SessionStatus}
    assert {e.status for e in db.session.scalars(db.select(Enrolment))} == {status.value for status in EnrolmentStatus}
    now = utcnow()

    full = next(s for s in sessions if s.course.slug == "safran-taliouine" and not s.is_trip)
    assert full.seats_taken == full.capacity and full.status == SessionStatus.PUBLISHED
    assert len(enrolment_services.waitlist(full)) == 2
    offered = db.session.scalars(db.select(Enrolment).where(Enrolment.session_id == full.id,
                                                            Enrolment.status == EnrolmentStatus.OFFERED)).all()
    assert len(offered) == 1 and now < offered[0].offer_expires_at < full.starts_at
    offer_notice = db.session.scalar(db.select(Notification).where(Notification.kind == "enrolment.offered"))
    assert offer_notice.user_id == offered[0].user_id and offer_notice.params["deadline"]

    approval = next(s for s in sessions if s.requires_approval)
    assert any(e.status == EnrolmentStatus.REQUESTED for e in db.session.scalars(
        db.select(Enrolment).where(Enrolment.session_id == approval.id)))
    cancelled = next(s for s in sessions if s.status == SessionStatus.CANCELLED)
    assert cancelled.cancel_reason == CANCEL_REASON
    completed = next(s for s in sessions if s.status == SessionStatus.COMPLETED)
    assert completed.meetings and all(m.ends_at < now for m in completed.meetings)
    trip = next(s for s in sessions if s.is_trip)
    assert all(m.ends_at < now for m in trip.meetings)  # the study trip was held last week
    for session in sessions:
        if session not in (completed, trip):
            assert session.meetings and all(m.starts_at > now for m in session.meetings), session

    trainees = [u for u in db.session.scalars(db.select(User)) if u.roles == {"trainee"}]
    assert len(trainees) >= 8
    assert {u.locale for u in trainees} == {"fr", "ar", "zgh"}
    assert any(u.email is None and u.phone for u in trainees) and any(u.email for u in trainees)
    assert all(u.name_arabic for u in trainees) and {u.gender for u in trainees} == {"f", "m"}
    assert len({u.audience for u in trainees}) >= 5 and len({u.commune for u in trainees}) >= 5
    admins = [u for u in db.session.scalars(db.select(User)) if u.is_admin]
    assert len(admins) == 1 and admins[0].email != "admin@ecole.local"


def test_notices_are_written_in_each_recipients_language(runner):
    assert demo(runner).exit_code == 0
    notices = db.session.scalars(db.select(Notification)).all()
    assert {n.user.locale for n in notices} == {"fr", "ar", "zgh"}
    kinds = {n.kind for n in notices}
    assert {"enrolment.confirmed", "enrolment.waitlisted", "enrolment.offered", "enrolment.requested",
            "enrolment.rejected", "session.cancelled"} <= kinds
    for notice in notices:
        lang = notice.user.locale
        shown = render([notice], lang)[notice.id]
        with force_locale(lang):
            template = str(MESSAGES[notice.kind])
        wording = max(re.split(r"%\(\w+\)s", template), key=len).strip()
        assert wording in shown, (lang, shown)
        script = ARABIC if lang == "ar" else TIFINAGH if lang == "zgh" else None
        if script is not None:
            assert script.search(wording), (lang, wording)
        else:
            assert not ARABIC.search(wording) and not TIFINAGH.search(wording)
        if notice.kind.startswith("attendance.trainer_"):  # a warning to staff: nobody phones them
            assert not notice.needs_call
        elif notice.kind.startswith("attendance."):  # repeated absences: phoned whatever the address
            assert notice.needs_call
        else:
            assert notice.needs_call is (notice.user.email is None)  # phone-only people are on the call list


def test_production_is_refused_unless_forced(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "ECOLE_ENV", "production")
    before = digest()
    for lang, script in (("fr", None), ("zgh", TIFINAGH), ("ar", ARABIC)):
        refused = demo(runner, "--lang", lang)
        assert refused.exit_code == 1
        assert refused.output.count("\n") == 1 and "--force" in refused.output, refused.output
        assert script is None or script.search(refused.output), refused.output
    assert digest() == before
    forced = demo(runner, "--force")
    assert forced.exit_code == 0, forced.output
    assert count(User) == len(PEOPLE)


def test_a_failure_leaves_nothing_half_written(runner):
    # A trainee already holds the demo trainer's address: the demo refuses to take it over.
    make_user("trainee", name="Lahcen Homonyme", email="lahcen.idbelaid@example.org")
    before = digest()
    result = demo(runner)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("Erreur")
    assert "lahcen.idbelaid@example.org" in result.output
    assert digest() == before  # the catalogue imported and the accounts made before the refusal are gone too


def test_passwords_people_changed_are_kept(runner):
    assert demo(runner).exit_code == 0
    zahra = db.session.scalar(db.select(User).where(User.email == "zahra.aitahmed@example.org"))
    set_password(zahra, "ⵜⴰⵙⴰⵔⵓⵜ ⵜⴰⵎⴰⵢⵏⵓⵜ")
    db.session.commit()
    again = demo(runner)
    assert again.exit_code == 0, again.output
    shown = {row[2]: row[4] for row in accounts_table(again.output)}
    assert shown["zahra.aitahmed@example.org"] == "(modifié depuis, non affiché)"
    assert shown["omar.akhiat@example.org"] == DEMO_PASSWORD
    assert authenticate("zahra.aitahmed@example.org", "ⵜⴰⵙⴰⵔⵓⵜ ⵜⴰⵎⴰⵢⵏⵓⵜ") is not None
    assert authenticate("zahra.aitahmed@example.org", DEMO_PASSWORD) is None


def test_the_closed_session_has_its_attendance(runner):
    from ecole.attendance.models import Assessment, Register, Result, ScanPage, SurveyAnswer

    assert demo(runner).exit_code == 0
    closed = db.session.scalar(db.select(CourseSession).where(CourseSession.status == SessionStatus.COMPLETED))
    from ecole.sessions.models import Meeting

    registers = db.session.scalars(db.select(Register).join(Meeting, Meeting.id == Register.meeting_id)
                                   .where(Meeting.session_id == closed.id)).all()
    assert len(registers) == len(closed.meetings) and all(r.is_locked for r in registers)
    pages = db.session.scalars(db.select(ScanPage)).all()
    assert pages and {(p.filed_by, p.meeting_id) for p in pages} == {("code", closed.meetings[0].id)}
    assert len(db.session.scalars(db.select(Assessment)).all()) == 3
    assert len(db.session.scalars(db.select(SurveyAnswer)).all()) == 2
    results = db.session.scalars(db.select(Result).join(Enrolment, Enrolment.id == Result.enrolment_id)
                                 .where(Enrolment.session_id == closed.id)).all()
    assert sorted(r.completed for r in results) == [False, True, True] and all(r.is_locked for r in results)
    assert demo(runner).exit_code == 0  # a second run writes nothing more
    assert len(db.session.scalars(db.select(ScanPage)).all()) == len(pages)


def test_the_demo_trip_goes_from_applications_to_a_published_report(runner, client):
    from ecole.attendance.models import AttendanceMark, Register
    from ecole.trips import queries
    from ecole.trips.models import ReportEntry, Trip

    assert demo(runner).exit_code == 0
    trip = db.session.scalar(db.select(Trip))
    course_session = trip.course_session
    assert course_session.is_trip and course_session.venue.commune == "Taliouine"
    assert len(trip.stops) == 2 and all(s.host_organisation and s.host_phone for s in trip.stops)
    assert [v.seats for v in trip.vehicles] == [4] and course_session.capacity == 4
    statuses = sorted(e.status for e in db.session.scalars(db.select(Enrolment).where(Enrolment.session_id == trip.session_id)))
    assert statuses == ["confirmed"] * 4 + ["waitlisted"] * 2
    for stop in trip.stops:
        register = db.session.scalar(db.select(Register).where(Register.meeting_id == stop.meeting_id))
        assert register.is_locked
        assert db.session.scalar(db.select(db.func.count(AttendanceMark.id)).where(
            AttendanceMark.meeting_id == stop.meeting_id)) == 4
    assert {e.language for e in db.session.scalars(db.select(ReportEntry))} == {"fr", "ar", "zgh"}
    assert trip.is_published
    published = [p for item in queries.report(trip, published_only=True) for p in item.photos]
    every = [p for item in queries.report(trip, published_only=False) for p in item.photos]
    assert len(every) == 3 and len(published) == 2  # the photo of someone who refused stays out
    page = client.get(f"/trips/{trip.session_id}?lang=ar")
    assert page.status_code == 200 and "Souktana" in page.get_data(as_text=True)
    assert demo(runner).exit_code == 0  # a second run writes nothing more
    assert db.session.scalar(db.select(db.func.count(ReportEntry.id))) == 5


def test_the_demo_has_issued_superseded_and_revoked_certificates(runner, client):
    from ecole.certificates.models import Certificate

    assert demo(runner).exit_code == 0
    certificates = db.session.scalars(db.select(Certificate).order_by(Certificate.id)).all()
    assert sorted(c.status for c in certificates) == ["revoked", "superseded", "valid"]
    superseded = next(c for c in certificates if c.status == "superseded")
    assert superseded.holder_arabic == "عمر اخيات" and superseded.superseded_by.holder_arabic == "عمر أخيات"
    for certificate in certificates:
        assert client.get(f"/verify/{certificate.code}").status_code == 200
    assert demo(runner).exit_code == 0
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 3


def test_the_demo_has_a_funders_programme_whose_report_shows_real_figures(runner, app):
    from ecole.reports import indicators
    from ecole.reports.models import Programme
    from tests.helpers import login

    assert demo(runner).exit_code == 0
    programme = db.session.scalar(db.select(Programme))
    assert programme.code == "PAFR-SOUSS" and programme.targets["trained"] == 30 and programme.funder
    assert all(programme.titles[lang] for lang in ("fr", "ar", "zgh"))
    assert len(programme.sessions) == count(CourseSession)
    report = indicators.compute(indicators.Filters(programme.starts_on, programme.ends_on, programme.id))
    # The closed session's people who came (Aicha, Hassan, Omar, Rachid, Mbark…) and the trip's riders.
    assert report.totals["trained"] >= 4 and report.totals["person_hours"] > 0 and report.totals["completed"] >= 2
    assert report.totals["trips"] == 1
    latifa = db.session.scalar(db.select(User).where(User.email == "latifa.oubaha@example.org"))
    client = app.test_client()
    login(client, latifa, DEMO_PASSWORD)
    page = client.get(f"/reports?programme={programme.id}")
    assert page.status_code == 200 and "PAFR-SOUSS" in page.get_data(as_text=True)
    assert demo(runner).exit_code == 0
    assert count(Programme) == 1
