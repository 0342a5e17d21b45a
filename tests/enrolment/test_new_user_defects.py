"""Sessions and enrolment as a new user met them on a fresh `make run` (issue 7, section 8): one test
per defect, on the rule (service) and on what the page says."""
import csv
import io
import os
import re
import subprocess
import sys
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext

from config import base_url
from ecole.accounts.models import User
from ecole.catalogue.models import Course
from ecole.core.models import utcnow
from ecole.enrolment import services
from ecole.enrolment.models import Enrolment, EnrolmentEvent
from ecole.enrolment.services import EnrolmentError
from ecole.extensions import db
from ecole.notifications.models import Notification
from ecole.sessions import services as session_services
from ecole.sessions.models import CourseSession, Meeting
from ecole.sessions.services import SessionData, SessionError, to_utc
from tests.factories import make_past_session, make_session, make_user
from tests.helpers import post, signed_in, submit

ROOT = Path(__file__).resolve().parents[2]
YESTERDAY = date.today() - timedelta(days=1)


def text(response) -> str:
    return response.get_data(as_text=True)


def translated(lang: str, message: str, **values) -> str:
    """The message as a reader of `lang` gets it; it must differ from the French (it is translated)."""
    with force_locale(lang):
        result = gettext(message, **values)
    if lang != "fr":
        assert result != gettext(message, **values), f"not translated in {lang}: {message}"
    return result


def flashes(client) -> str:
    """The page after a redirect, where flashed messages are shown."""
    return text(client.get("/me/training"))


def session_data(course_slug="saffron-basics", **extra) -> SessionData:
    course = db.session.scalar(db.select(Course).where(Course.slug == course_slug))
    return SessionData(**{"course_id": course.id, "trainer_ids": [], "commune": "Askaoun", "place": "Foyer",
                          "languages": ["ar"], "capacity": 5, **extra})


# --- 1. dates in the past ----------------------------------------------------------------------

def test_a_meeting_in_the_past_is_refused_by_the_service_and_the_page(people, catalogue, app):
    session = make_session(people.trainer, publish=False)
    with pytest.raises(SessionError) as refused:
        session_services.add_meeting(session, to_utc(YESTERDAY, time(9)), to_utc(YESTERDAY, time(12)),
                                     actor=people.trainer)
    assert "passé" in str(refused.value)
    db.session.rollback()
    client = signed_in(app, people.trainer)
    post(client, "/account/language", {"lang": "ar", "next": "/"})
    response = post(client, f"/sessions/{session.id}/meetings",
                    {"day": YESTERDAY.isoformat(), "start": "09:00", "end": "12:00"})
    assert response.status_code == 400
    assert translated("ar", "Une séance ne peut pas être programmée dans le passé.") in text(response)
    assert db.session.scalar(db.select(db.func.count(Meeting.id))) == 1  # only the factory's future one


def test_an_enrolment_window_closed_in_the_past_is_refused(people, catalogue, app):
    past = utcnow() - timedelta(days=2)
    with pytest.raises(SessionError) as refused:
        session_services.save_session(None, session_data(enrolment_closes_at=past), actor=people.trainer)
    assert refused.value.problems[0][0] == "enrolment_closes_at"
    db.session.rollback()
    # Through the page, in Tamazight: refused, said, nothing created.
    client = signed_in(app, people.trainer)
    post(client, "/account/language", {"lang": "zgh", "next": "/"})
    course = db.session.scalar(db.select(Course).where(Course.slug == "saffron-basics"))
    local_past = (past + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = submit(client, "/sessions/new", {"course_id": str(course.id), "commune": "Askaoun", "capacity": "5",
                                                "languages": ["ar"], "enrolment_closes_at": local_past})
    assert response.status_code == 400
    assert translated("zgh", "La clôture des inscriptions ne peut pas être dans le passé.") in text(response)
    assert db.session.scalar(db.select(db.func.count(CourseSession.id))) == 0
    # A session whose window closed since keeps it when its notes are edited; a new past date is refused.
    session = make_session(people.trainer, enrolment_closes_at=utcnow() + timedelta(days=1))
    session.enrolment_closes_at = past
    db.session.commit()
    data = session_data(enrolment_closes_at=session.enrolment_closes_at, trainer_ids=[people.trainer.id],
                        notes="Apporter un carnet")
    session_services.save_session(session, data, actor=people.trainer)
    db.session.rollback()
    with pytest.raises(SessionError):
        session_services.save_session(session, session_data(enrolment_closes_at=past - timedelta(days=1)),
                                      actor=people.trainer)


@pytest.mark.parametrize("opens,closes,expected", [
    (None, None, "Les inscriptions sont ouvertes."),
    (timedelta(days=3), None, "Les inscriptions ouvriront le"),
    (None, timedelta(days=-1), "Les inscriptions sont closes depuis le"),
])
def test_publish_says_what_the_public_page_says(people, catalogue, app, client, opens, closes, expected):
    session = make_session(people.trainer, publish=False,
                           enrolment_opens_at=utcnow() + opens if opens else None,
                           enrolment_closes_at=utcnow() + timedelta(days=2) if closes else None)
    if closes:  # the window closed while the session waited in draft
        session.enrolment_closes_at = utcnow() + closes
        db.session.commit()
    trainer = signed_in(app, people.trainer)
    post(trainer, f"/sessions/{session.id}/publish")
    flashed = text(trainer.get(f"/sessions/{session.id}/manage"))
    public = text(client.get(f"/sessions/{session.id}"))
    assert expected in flashed and expected in public
    enrol_button = f'action="/sessions/{session.id}/enrol"'
    assert (enrol_button in text(signed_in(app, people.trainee).get(f"/sessions/{session.id}"))) is (opens is None and
                                                                                                    closes is None)


# --- 2. closing a session ------------------------------------------------------------------------

def test_a_session_cannot_be_closed_before_its_last_meeting(people, catalogue, app):
    session = make_session(people.trainer, days_ahead=120)
    with pytest.raises(SessionError) as refused:
        session_services.complete(session, actor=people.trainer)
    assert "dernière séance" in str(refused.value)
    db.session.rollback()
    client = signed_in(app, people.trainer)
    page = text(client.get(f"/sessions/{session.id}/complete?lang=ar"))
    assert translated("ar", "Seule une session publiée peut être clôturée.") not in page
    assert "flash-error" in page and "<button" not in page.split("<main", 1)[1].split("</main>")[0]
    response = post(client, f"/sessions/{session.id}/complete")
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(CourseSession, session.id).status == "published"


def test_closing_asks_first_then_ends_the_session_for_its_trainees(people, catalogue, app, client):
    session, enrolment = make_past_session(people.trainer, people.trainee)
    trainer = signed_in(app, people.trainer)
    manage = text(trainer.get(f"/sessions/{session.id}/manage"))
    assert f'href="/sessions/{session.id}/complete"' in manage  # a link to a page that asks, not a one-tap form
    assert f'action="/sessions/{session.id}/complete"' not in manage
    confirm = text(trainer.get(f"/sessions/{session.id}/complete"))
    assert f'action="/sessions/{session.id}/complete"' in confirm and 'name="csrf_token"' in confirm
    db.session.expire_all()
    assert db.session.get(CourseSession, session.id).status == "published"  # asking changes nothing
    assert trainer.post(f"/sessions/{session.id}/complete").status_code == 400  # no CSRF token: refused
    assert post(trainer, f"/sessions/{session.id}/complete").status_code == 302
    db.session.expire_all()
    assert db.session.get(CourseSession, session.id).status == "completed"

    trainee = signed_in(app, people.trainee)
    mine = text(trainee.get("/me/training"))
    assert "Inscription confirmée" not in mine and "Session terminée" in mine
    assert f"/enrolments/{enrolment.id}/cancel" not in mine
    public = text(trainee.get(f"/sessions/{session.id}"))
    assert "Cette session est terminée." in public
    assert "place libre" not in public and "places libres" not in public and "/enrol" not in public
    assert "places libres" not in text(client.get(f"/sessions/{session.id}"))
    # The service refuses the cancel too, for the trainee and for staff.
    post(trainee, f"/enrolments/{enrolment.id}/cancel")
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolment.id)
    assert enrolment.status == "confirmed"
    for actor in (people.trainee, people.trainer):
        with pytest.raises(EnrolmentError, match="terminée"):
            services.cancel(enrolment, actor=actor, reason="x")
        db.session.rollback()


# --- 3. a trainee's cancellation: asked first, undone for a few minutes -----------------------------

def test_cancelling_my_enrolment_asks_first_and_can_be_undone(people, catalogue, app):
    session = make_session(people.trainer, capacity=1)
    enrolment = services.enrol(session, people.trainee, actor=people.trainee)
    db.session.commit()
    trainee = signed_in(app, people.trainee)
    post(trainee, "/account/language", {"lang": "ar", "next": "/"})
    mine = text(trainee.get("/me/training"))
    assert f'href="/enrolments/{enrolment.id}/cancel"' in mine  # a link (works without JavaScript)…
    assert f'action="/enrolments/{enrolment.id}/cancel"' not in mine  # …not a one-tap form
    confirm = text(trainee.get(f"/enrolments/{enrolment.id}/cancel"))
    assert translated("ar", "Votre place sera donnée à la personne suivante sur la liste d’attente.") in confirm
    assert f'action="/enrolments/{enrolment.id}/cancel"' in confirm
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == "confirmed"  # asking changes nothing

    assert post(trainee, f"/enrolments/{enrolment.id}/cancel").status_code == 302
    mine = text(trainee.get("/me/training"))
    assert translated("ar", "Reprendre mon inscription") in mine
    assert post(trainee, f"/enrolments/{enrolment.id}/restore").status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == "confirmed"
    assert db.session.get(CourseSession, session.id).seats_taken == 1
    reasons = db.session.scalars(db.select(EnrolmentEvent.reason).where(EnrolmentEvent.enrolment_id == enrolment.id))
    assert "undo" in list(reasons)


def test_an_undo_never_takes_a_seat_given_away_meanwhile(people, catalogue, app):
    session = make_session(people.trainer, capacity=1)
    mine = services.enrol(session, people.trainee, actor=people.trainee)
    waiting = make_user("trainee", name="Said Waiting", email="waiting@example.org")
    theirs = services.enrol(session, waiting, actor=waiting)
    db.session.commit()
    services.cancel(mine, actor=people.trainee)  # the seat is offered to the waitlist
    db.session.commit()
    assert db.session.get(Enrolment, theirs.id).status == "offered"
    services.restore(mine, actor=people.trainee)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Enrolment, mine.id).status == "waitlisted"
    assert db.session.get(Enrolment, theirs.id).status == "offered"
    assert db.session.get(CourseSession, session.id).seats_taken == 1


def test_an_undo_is_refused_late_or_after_a_staff_cancellation(people, catalogue, app):
    session = make_session(people.trainer)
    mine = services.enrol(session, people.trainee, actor=people.trainee)
    db.session.commit()
    services.cancel(mine, actor=people.trainee)
    db.session.commit()
    with pytest.raises(EnrolmentError):
        services.restore(mine, actor=people.trainee, now=utcnow() + timedelta(minutes=11))
    db.session.rollback()
    with pytest.raises(EnrolmentError):
        services.restore(mine, actor=people.trainer)  # only the person themselves
    db.session.rollback()
    other = make_user("trainee", name="Other Person", email="other.person@example.org")
    theirs = services.enrol(session, other, actor=other)
    services.cancel(theirs, actor=people.trainer, reason="Absent")
    db.session.commit()
    with pytest.raises(EnrolmentError):
        services.restore(theirs, actor=other)
    db.session.rollback()
    assert db.session.get(Enrolment, theirs.id).status == "cancelled"


# --- 4. walk-in ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_walk_in_with_no_phone_number_says_so(people, catalogue, app, lang):
    session = make_session(people.trainer)
    client = signed_in(app, people.trainer)
    post(client, "/account/language", {"lang": lang, "next": "/"})
    response = post(client, f"/sessions/{session.id}/walk-in", {"identifier": "abc"})
    assert response.status_code == 302 and "/people/new" not in response.headers["Location"]
    page = text(client.get(response.headers["Location"]))
    assert translated(lang, "Numéro de téléphone invalide : écrivez par exemple 0612345678 ou +212612345678.") in page
    assert db.session.scalar(db.select(db.func.count(Enrolment.id))) == 0


def test_walk_in_refuses_a_deactivated_account(people, catalogue, app):
    session = make_session(people.trainer)
    person = make_user("trainee", name="Compte Fermé", phone="0655555555", email=None)
    person.active = False
    db.session.commit()
    client = signed_in(app, people.trainer)
    response = post(client, f"/sessions/{session.id}/walk-in", {"identifier": "0655555555"})
    assert "désactivé" in text(client.get(response.headers["Location"]))
    assert db.session.scalar(db.select(db.func.count(Enrolment.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.user_id == person.id)) == 0
    with pytest.raises(EnrolmentError):
        services.enrol(session, db.session.get(User, person.id), actor=people.trainer, walk_in=True)


# --- 5. the session form -------------------------------------------------------------------------

def test_a_new_session_is_taught_in_its_courses_languages(people, catalogue, app):
    argan = db.session.scalar(db.select(Course).where(Course.slug == "argan-coop"))  # taught in fr and ar
    client = signed_in(app, people.trainer)
    page = text(client.get(f"/sessions/new?course={argan.id}&lang=zgh"))
    checked = set(re.findall(r'<input checked [^>]*name="languages"[^>]*value="(\w+)"', page))
    assert checked == {"fr", "ar"}, checked
    # Nothing ticked: the chosen course's languages, not the interface's.
    response = submit(client, "/sessions/new", {"course_id": str(argan.id), "commune": "Askaoun", "capacity": "5",
                                                "languages": []}, form_url="/sessions/new?lang=zgh")
    assert response.status_code == 302, text(response)[-1500:]
    assert db.session.scalar(db.select(CourseSession.languages)) == "fr,ar"


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_the_session_form_lists_courses_by_title_in_the_readers_language(people, catalogue, app, lang):
    argan = db.session.scalar(db.select(Course).where(Course.slug == "argan-coop"))
    for row in argan.text_rows:  # sorts after saffron by title, before it by slug
        row.title = {"fr": "Zones d’arganiers", "ar": "مناطق الأركان"}[row.locale]
    db.session.commit()
    client = signed_in(app, people.trainer)
    page = text(client.get(f"/sessions/new?lang={lang}"))
    select = page.split('id="course_id"', 1)[1].split("</select>", 1)[0]
    courses = db.session.scalars(db.select(Course).where(Course.published.is_(True))).all()
    titles = sorted((c.title(lang) for c in courses), key=str.casefold)
    positions = [select.index(f">{title}</option>") for title in titles]
    assert positions == sorted(positions), (titles, select)
    assert "argan-coop" not in select and "saffron-basics" not in select


# --- 6. the enrolment journal ----------------------------------------------------------------------

def test_the_journal_says_awaiting_approval_only_where_approval_is_needed(people, catalogue, app):
    plain = make_session(people.trainer)
    approved = make_session(people.trainer, commune="Tafraout", requires_approval=True)
    services.enrol(plain, people.trainee, actor=people.trainee)
    services.enrol(approved, people.trainee, actor=people.trainee)
    db.session.commit()
    client = signed_in(app, people.trainer)
    for lang in ("fr", "ar", "zgh"):
        awaiting = translated(lang, "Demande en attente d’accord")
        journal = text(client.get(f"/sessions/{plain.id}/events?lang={lang}"))
        assert awaiting not in journal
        assert translated(lang, "Inscription confirmée") in journal
        assert translated(lang, "Demande d’inscription") in journal
        assert awaiting in text(client.get(f"/sessions/{approved.id}/events?lang={lang}"))


# --- 7. the roster CSV -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_the_roster_csv_is_translated_throughout(people, catalogue, app, lang):
    session = make_session(people.trainer)
    person = make_user("trainee", name="=Itto Coop", phone="0677777777", email=None, audience="cooperative_member",
                       gender="f", commune="@Askaoun")
    services.enrol(session, person, actor=person)
    db.session.commit()
    client = signed_in(app, people.trainer)
    post(client, "/account/language", {"lang": lang, "next": "/"})
    response = client.get(f"/sessions/{session.id}/roster.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8")[1:]), delimiter=";"))
    row = [r for r in rows if any("Itto Coop" in cell for cell in r)][0]
    assert "cooperative_member" not in row and "f" not in row
    assert translated(lang, "Membre de coopérative") in row and translated(lang, "Femme") in row
    assert translated(lang, "Inscription confirmée") in row and translated(lang, "Public") in rows[0]
    assert row[0] == "'=Itto Coop" and "'@Askaoun" in row  # still no formula


# --- 8. the public address ---------------------------------------------------------------------------

def test_the_public_address_defaults_to_the_address_served(app):
    assert base_url({"PORT": "5077"}) == "http://127.0.0.1:5077"
    assert base_url({"HOST": "0.0.0.0", "PORT": "8000"}) == "http://127.0.0.1:8000"
    assert base_url({}) == "http://127.0.0.1:5000"
    assert base_url({"PORT": "5077", "ECOLE_BASE_URL": "https://ecole.example/"}) == "https://ecole.example"
    # The configuration read from a real environment, as `PORT=5077 make run` starts it.
    env = {key: value for key, value in os.environ.items() if key not in ("ECOLE_BASE_URL", "HOST")}
    env["PORT"] = "5077"
    printed = subprocess.run([sys.executable, "-c", "from config import config_from_env; print(config_from_env().BASE_URL)"],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert printed == "http://127.0.0.1:5077"
    # …and `make run` hands HOST and PORT to the server it starts.
    # (not as a sub-make of `make test`, which would print "Entering/Leaving directory" lines)
    plain = {key: value for key, value in os.environ.items() if key not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    plan = subprocess.run(["make", "-n", "run", "PORT=5077"], cwd=ROOT, env=plain, capture_output=True, text=True).stdout
    serve = [line for line in plan.splitlines() if " run --host" in line]
    assert serve and "PORT=5077" in serve[-1] and "--port 5077" in serve[-1], plan


def test_calendar_files_use_the_configured_address(people, catalogue, app, client):
    session = make_session(people.trainer)
    old = app.config["BASE_URL"]
    app.config["BASE_URL"] = base_url({"PORT": "5077"})
    try:
        ics = client.get(f"/sessions/{session.id}/calendar.ics").data.decode()
    finally:
        app.config["BASE_URL"] = old
    assert "http://127.0.0.1:5077/sessions/" in ics.replace("\r\n ", "") and ":5000" not in ics

