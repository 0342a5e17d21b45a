"""A home for each role at `/`: what a trainee, a trainer and an administrator find there after
signing in, that nobody sees another person's data, and that each home runs the same number of SQL
statements whatever the amount of data."""
import re
from datetime import timedelta

import pytest

from ecole.catalogue.models import Course
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from ecole.i18n import format_datetime
from ecole.notifications.services import notify
from ecole.sessions.models import CourseSession
from tests.factories import make_user
from tests.helpers import count_queries, post, signed_in
from tests.main.factories import grow

pytestmark = pytest.mark.usefixtures("catalogue")


def text_of(response) -> str:
    """The page's main content as a reader sees it: tags dropped, spaces squeezed."""
    html = response.get_data(as_text=True)
    main = html.split('<main id="content"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def home_of(app, person):
    response = signed_in(app, person).get("/?lang=fr")
    assert response.status_code == 200
    return response


# --- where people land ----------------------------------------------------------------------------

def test_visitors_keep_the_front_page_and_people_land_on_their_home(client, app, people):
    visitor = client.get("/?lang=fr")
    assert "Se former pour développer son territoire" in text_of(visitor)
    device = app.test_client()
    answer = post(device, "/login", {"identifier": "0612345678", "password": "correct horse battery"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    page = device.get("/?lang=fr")
    assert "Bonjour Fatima Aït Ali" in text_of(page)
    assert "Se former pour développer son territoire" not in text_of(page)


def test_a_safe_next_still_wins_after_sign_in(app, people):
    device = app.test_client()
    answer = post(device, "/login?next=/courses", {"identifier": "0612345678", "password": "correct horse battery"})
    assert answer.headers["Location"] == "/courses"
    device = app.test_client()
    answer = post(device, "/login?next=//evil.example/", {"identifier": "0612345678", "password": "correct horse battery"})
    assert answer.headers["Location"] == "/"


def test_no_cache_mixes_the_front_page_and_a_personal_home(client, app, people):
    visitor = client.get("/")
    assert "Cookie" in visitor.headers["Vary"] and visitor.headers["Cache-Control"] == "no-cache"
    personal = signed_in(app, people.trainee).get("/")
    assert "Cookie" in personal.headers["Vary"] and personal.headers["Cache-Control"] == "no-store"
    # Signed out on the same device: the front page again, not the person's home.
    device = signed_in(app, people.trainee)
    assert "Bonjour" in text_of(device.get("/?lang=fr"))
    post(device, "/logout")
    assert "Bonjour" not in text_of(device.get("/?lang=fr"))


# --- the trainee ------------------------------------------------------------------------------------

def test_trainee_home_shows_offer_deadline_next_meeting_enrolments_and_progress(app, people, other_trainer):
    school = grow(people, other_trainer, 1, "T")
    offer = db.session.get(Enrolment, school.offered[0])
    page = home_of(app, people.trainee)
    body, html = text_of(page), page.get_data(as_text=True)
    # The seat offered, its deadline on Morocco's clock, and a form that confirms it.
    assert "Une place vous attend" in body
    with app.test_request_context("/?lang=fr"):
        deadline = format_datetime(offer.offer_expires_at, "short")
    assert f"Confirmez avant le {deadline}" in body
    assert f'action="/enrolments/{offer.id}/accept"' in html
    # The next meeting: the confirmed session's, not the waitlisted one's.
    confirmed = db.session.get(CourseSession, school.confirmed[0])
    assert "Ma prochaine séance" in body and f'href="/sessions/{confirmed.id}"' in html.split('id="home-next"')[1]
    next_part = html.split('id="home-next"')[1].split("</section>")[0]
    assert "09:00 – 12:30" in next_part and "Maison du safran" in next_part
    # Enrolments with their state and waitlist position.
    assert "Inscription confirmée" in body
    assert "Sur liste d’attente — position 2 sur la liste d’attente" in body
    # Progress in the courses: one lesson done of the course's lessons, and a link to the next.
    saffron = db.session.scalar(db.select(Course).where(Course.slug == "saffron-basics"))
    total = len(saffron.lessons)
    assert f"Votre progression : 1 sur {total} leçons faites." in body
    assert 'href="/courses/saffron-basics/lessons/' in html.split('id="home-lessons"')[1]
    # No staff parts.
    assert "À décider" not in body and "Mes séances à animer" not in body


def test_accepting_the_offer_from_home_confirms_the_seat(app, people, other_trainer):
    school = grow(people, other_trainer, 1, "T")
    device = signed_in(app, people.trainee)
    answer = post(device, f"/enrolments/{school.offered[0]}/accept")
    assert answer.status_code == 302
    db.session.commit()
    assert db.session.get(Enrolment, school.offered[0]).status == "confirmed"
    assert "Une place vous attend" not in text_of(device.get("/?lang=fr"))


def test_a_new_trainee_is_told_what_to_do_next(app, people):
    page = home_of(app, people.trainee)
    body, html = text_of(page), page.get_data(as_text=True)
    assert "Ma prochaine séance" not in body  # nothing to show yet: the page starts with where to go
    assert "Vous n’êtes inscrit·e à aucune session." in body
    assert "Trouver une formation" in body and 'href="/courses"' in html
    assert "Une place vous attend" not in body


def test_a_trainee_who_only_waits_has_no_meeting_yet(app, people):
    from ecole.enrolment import services
    from tests.factories import make_session

    full = make_session(people.trainer, capacity=1)
    holder = make_user("trainee", name="Seat Holder", email="holder@example.org")
    services.enrol(full, holder, actor=holder)
    services.enrol(full, people.trainee, actor=people.trainee)
    db.session.commit()
    body = text_of(home_of(app, people.trainee))
    assert "Ma prochaine séance Aucune séance à venir." in body
    assert "Sur liste d’attente — position 1 sur la liste d’attente" in body


def test_a_trainee_never_sees_another_persons_data(app, people, other_trainer):
    grow(people, other_trainer, 1, "T")
    someone = make_user("trainee", name="Zahra Someone", email="zahra@example.org")
    page = home_of(app, someone)
    body = text_of(page)
    assert "Vous n’êtes inscrit·e à aucune session." in body
    assert "Une place vous attend" not in body and "Votre progression" not in body
    # Nor the people of the sessions, nor the staff's to-do lists.
    assert "Appel" not in body and "Demande" not in body and "À décider" not in body and "À faire" not in body


def test_expired_offers_are_not_offered_any_more(app, people, other_trainer):
    school = grow(people, other_trainer, 1, "T")
    offer = db.session.get(Enrolment, school.offered[0])
    offer.offer_expires_at = offer.offer_expires_at - timedelta(days=10)  # the deadline passed; cron not yet run
    db.session.commit()
    assert "Une place vous attend" not in text_of(home_of(app, people.trainee))


# --- the trainer ------------------------------------------------------------------------------------

def test_trainer_home_shows_next_meetings_and_what_to_do(app, people, other_trainer):
    school = grow(people, other_trainer, 1, "T")
    page = home_of(app, people.trainer)
    body, html = text_of(page), page.get_data(as_text=True)
    assert "Mes séances à animer" in body
    teaching = html.split('id="home-teaching"')[1].split("</section>")[0]
    assert f'href="/sessions/{school.confirmed[0]}/roster"' in teaching
    todo = text_of(page).split("À faire", 1)[1]
    assert "1 demande d’inscription à examiner" in todo
    assert "2 personnes à appeler" in todo  # in the full session: people without e-mail
    assert "1 session terminée à clôturer" in todo and "1 session en brouillon à publier" in todo
    assert 'href="/admin/enrolments"' in html and 'href="/calls"' in html
    assert f'href="/sessions/{school.to_close[0]}/manage"' in html
    # Only their own sessions: not the other trainer's request, nor the school-wide decisions.
    assert f"/sessions/{school.others[0]}/" not in html and f"/sessions/{school.no_trainer[0]}/" not in html
    assert "À décider" not in body and "Ma prochaine séance" not in body


def test_trainer_counts_are_their_own(app, people, other_trainer):
    grow(people, other_trainer, 2, "T")
    body = text_of(home_of(app, other_trainer))
    assert "2 demandes d’inscription à examiner" in body
    assert "2 personnes à appeler" in body  # those who asked for their sessions, without e-mail
    assert "clôturer" not in body and "brouillon" not in body


def test_a_trainer_is_told_when_there_is_nothing_to_do(app, people):
    body = text_of(home_of(app, people.trainer))
    assert "Aucune séance à venir." in body and "Rien à faire pour le moment." in body
    assert "Programmer une session" in body


def test_sessions_starting_this_week_ask_for_their_roster(app, people):
    from tests.factories import make_session

    soon = make_session(people.trainer, days_ahead=3, commune="Igherm")
    later = make_session(people.trainer, days_ahead=20, commune="Tata")
    html = home_of(app, people.trainer).get_data(as_text=True)
    todo = html.split('id="home-todo"')[1].split("</section>")[0]
    assert "Sessions qui commencent cette semaine" in todo
    assert f'href="/sessions/{soon.id}/roster"' in todo and f"/sessions/{later.id}/" not in todo


# --- the administrator ------------------------------------------------------------------------------

def test_admin_home_lists_what_waits_for_a_decision(app, people, other_trainer):
    school = grow(people, other_trainer, 2, "T")
    page = home_of(app, people.admin)
    body, html = text_of(page), page.get_data(as_text=True)
    decide = body.split("À décider", 1)[1]
    assert "4 demandes d’inscription à examiner" in decide  # every trainer's sessions
    assert "la plus ancienne depuis le" in decide
    assert "6 personnes à appeler" in decide
    assert "2 sessions terminées à clôturer" in decide
    assert "2 sessions sans formateur actif" in decide
    assert "2 sessions à venir avec une liste d’attente" in decide and "2 personnes en attente" in decide
    assert "2 sessions en brouillon à publier" in decide
    assert f'href="/sessions/{school.no_trainer[0]}/edit"' in html
    assert f'href="/sessions/{school.drafts[1]}/manage"' in html
    # An administrator who teaches nothing and follows no course sees only the school's decisions.
    assert "Mes séances à animer" not in body and "Mes inscriptions" not in body


def test_an_admin_with_nothing_to_decide_is_told_so(app, people):
    assert "Rien n’attend de décision pour le moment." in text_of(home_of(app, people.admin))


def test_a_person_with_several_roles_sees_the_parts_of_each(app, people, other_trainer):
    from ecole.accounts import services as accounts

    grow(people, other_trainer, 1, "T")
    both = make_user("admin", name="Hassan Both", email="both@example.org")
    accounts.set_roles(both, {"admin", "trainer", "trainee"}, actor=people.admin)
    db.session.commit()
    body = text_of(home_of(app, both))
    for part in ("À décider", "Mes séances à animer", "Mes inscriptions", "Mes leçons"):
        assert part in body, part
    # The school’s to-do list once, not again as the trainer’s ("À faire" only lists their rosters due).
    assert body.count("demandes d’inscription à examiner") + body.count("demande d’inscription à examiner") == 1


# --- the menu's unread count -------------------------------------------------------------------------

def test_the_menu_says_how_many_notices_are_unread(app, people):
    device = signed_in(app, people.trainee)
    html = device.get("/courses?lang=fr").get_data(as_text=True)
    assert "non lue" not in html
    for _ in range(3):
        notify(people.trainee, "enrolment.offer_expired")
    db.session.commit()
    html = device.get("/courses?lang=fr").get_data(as_text=True)
    link = re.search(r'<a href="/notifications"[^>]*>(.*?)</a>', html, re.S).group(1)
    assert '<span class="count" aria-hidden="true">(3)</span>' in link
    assert '<span class="visually-hidden">3 non lues</span>' in link
    post(device, "/notifications/read")
    assert "non lue" not in device.get("/courses?lang=fr").get_data(as_text=True)


def test_the_unread_count_costs_one_statement_and_nothing_for_visitors(app, client, people):
    from sqlalchemy import event

    statements: list[str] = []

    def listener(_conn, _cursor, statement, *args):
        statements.append(statement)

    device = signed_in(app, people.trainee)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        device.get("/courses")
        signed_in_counts = [s for s in statements if "notifications" in s]
        statements.clear()
        client.get("/")
        client.get("/courses")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(signed_in_counts) == 1, signed_in_counts
    assert not [s for s in statements if "notifications" in s]
    assert not statements or all("notifications" not in s and "users" not in s for s in statements)


# --- a fixed number of SQL statements ------------------------------------------------------------------

def test_each_home_runs_a_fixed_number_of_statements(app, people, other_trainer):
    from ecole.accounts import services as accounts

    both = make_user("admin", name="Hassan Both", email="both@example.org")
    accounts.set_roles(both, {"admin", "trainer", "trainee"}, actor=people.admin)
    db.session.commit()
    devices = {role: signed_in(app, people[role]) for role in ("trainee", "trainer", "admin")}
    devices["all roles"] = signed_in(app, both)
    devices["other trainer"] = signed_in(app, other_trainer)
    school = grow(people, other_trainer, 1, "Small")
    small = {role: count_queries(device, "/") for role, device in devices.items()}
    grow(people, other_trainer, 10, "Large", school)
    large = {role: count_queries(device, "/") for role, device in devices.items()}
    assert small == large, (small, large)
    assert max(large.values()) <= 20, large
    print("statements per home:", large)
