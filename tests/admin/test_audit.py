"""The audit log as an administrator reads it: what each entry is about by name and with a link,
details in the reader's language, filters from an allow-list, pages, and a fixed number of queries."""
import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from ecole.accounts import services as accounts
from ecole.accounts.models import ROLE_TITLES, Role
from ecole.core import audit
from ecole.enrolment import services as enrolment
from ecole.enrolment.models import STATUS_TITLES, EnrolmentStatus
from ecole.extensions import db
from tests.factories import make_session, make_user
from tests.helpers import count_queries

# What the log stores and a reader must never see: "User 3", "CourseSession 1", "before=trainee".
RAW = re.compile(r"\b(User|CourseSession|Enrolment|Course|Theme) \d+\b|\b\w+=|\[|'")
ENTRY = re.compile(r"<li>(.*?)</li>", re.S)


def entries_of(body: str) -> list[str]:
    """The entries of the page's audit list (the HTML of each <li>)."""
    listing = body.split('<ol class="audit">', 1)[1].split("</ol>", 1)[0]
    return ENTRY.findall(listing)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def audit_page(client, query: str = "") -> tuple[int, list[str], str]:
    response = client.get(f"/admin/audit{query}")
    body = response.get_data(as_text=True)
    return response.status_code, entries_of(body), body


def test_every_entry_says_by_name_what_it_is_about_with_a_link(as_role, people, history):
    status, entries, _body = audit_page(as_role("admin"))
    assert status == 200
    assert len(entries) == db.session.scalar(db.select(db.func.count()).select_from(audit.AuditEntry))
    for entry in entries:
        assert not RAW.search(text_of(entry)), text_of(entry)
        what = entry.split("</strong>", 1)[1].split("</p>", 1)[0]
        assert " — " in what and "<a href=" in what, text_of(entry)  # every entry names its subject, linked
    listing = "".join(entries)
    # A person by name, linked to their page; the actor too.
    assert f'<a href="/admin/users/{people.trainee.id}"><bdi>Fatima Aït Ali</bdi></a>' in listing
    assert f'<a href="/admin/users/{people.admin.id}"><bdi>Amina Idrissi</bdi></a>' in listing
    # A session by its course, commune and date, linked to its page.
    session = history["session"]
    assert f'<a href="/sessions/{session.id}/manage"><bdi>Le safran de Taliouine, de la plantation à la vente — Askaoun, ' \
        in listing
    # A course by its title, linked to its editor; a theme by its title.
    assert '<a href="/admin/courses/draft-course/edit"><bdi>Formation en préparation</bdi></a>' in listing
    assert "<bdi>Comités de l’eau</bdi>" in listing
    # Details as values a person reads: role titles, a status, a count, the fields changed.
    roles = next(text_of(entry) for entry in entries if "Changement de rôles" in entry)
    assert "Rôles avant Stagiaire Rôles après Stagiaire et Formateur" in roles
    listing = text_of(listing)
    assert "Résultat Inscription confirmée" in listing
    assert "1 inscription annulée" in listing and "Raison Route coupée par la neige" in listing
    assert "Champs modifiés Nom en caractères arabes" in listing
    assert "Fait par Système" in listing  # the catalogue import at installation


@pytest.mark.parametrize("lang", ["ar", "zgh"])
def test_details_and_names_are_in_the_readers_language(as_role, people, history, lang):
    status, entries, _body = audit_page(as_role("admin"), f"?lang={lang}")
    assert status == 200
    listing = text_of("".join(entries))
    with force_locale(lang):
        trainee, trainer = str(ROLE_TITLES[Role.TRAINEE]), str(ROLE_TITLES[Role.TRAINER])
        confirmed = str(STATUS_TITLES[EnrolmentStatus.CONFIRMED])
    assert trainee != "Stagiaire" and confirmed != "Inscription confirmée"  # the catalogue translates them
    assert trainee in listing and trainer in listing and confirmed in listing
    assert "Stagiaire" not in listing and "Inscription confirmée" not in listing
    course_title = {"ar": "زعفران تالوين من الغرس إلى البيع", "zgh": "ⴰⵣⵄⴼⵔⴰⵏ ⵏ ⵜⴰⵍⵉⵡⵉⵏ"}[lang]
    assert f"{course_title} — Askaoun" in listing
    if lang == "ar":  # a person's name in the reader's script when they gave it
        assert "لحسن آيت باها" in listing


def _kinds(entries: list[str]) -> set[str]:
    return {text_of(entry.split("</strong>", 1)[0]) for entry in entries}


def test_filters_by_action_actor_subject_and_dates(as_role, people, history):
    admin = as_role("admin")
    _status, entries, body = audit_page(admin, "?action=user.roles")
    assert _kinds(entries) == {"Changement de rôles"} and len(entries) == 1
    assert '<option value="user.roles" selected>' in body

    _status, entries, _body = audit_page(admin, f"?actor={people.trainer.id}")
    assert entries and all(f"/admin/users/{people.trainer.id}\"><bdi>Brahim Oubella" in e.split('class="meta"')[1]
                           for e in entries)
    _status, entries, _body = audit_page(admin, "?actor=system")
    assert _kinds(entries) == {"Import du catalogue"}

    # About a commune, a course, a person (by name or from their page).
    _status, entries, _body = audit_page(admin, "?q=askaoun")
    assert entries and all("Askaoun" in entry for entry in entries)
    assert "Inscription sur place" in _kinds(entries)  # an enrolment in that session
    _status, entries, _body = audit_page(admin, "?q=Lahcen")
    assert _kinds(entries) >= {"Inscription d’une personne", "Code de mot de passe remis", "Inscription sur place"}
    assert all("Lahcen" in entry for entry in entries)
    _status, by_id, body = audit_page(admin, f"?person={history['registered'].id}")
    assert _kinds(by_id) == _kinds(entries) and "Entrées concernant Lahcen Ait Baha." in body
    _status, entries, _body = audit_page(admin, "?q=pr%C3%A9paration")  # a course title
    assert _kinds(entries) == {"Publication d’une formation"}
    _status, entries, _body = audit_page(admin, "?q=%25")  # a LIKE wildcard is a character like any other
    assert entries == ["Aucune entrée."]

    today = date.today()
    _status, entries, _body = audit_page(admin, f"?from={today - timedelta(days=1)}&to={today + timedelta(days=1)}")
    assert len(entries) > 10
    _status, entries, _body = audit_page(admin, f"?from={today + timedelta(days=2)}")
    assert entries == ["Aucune entrée."]


@pytest.mark.parametrize("query, message", [
    ("?from=2026-13-45", "Date invalide : 2026-13-45"),
    ("?to=demain", "Date invalide : demain"),
    ("?from=0001-01-01", "Date invalide"),
    ("?to=9999-12-31", "Date invalide"),
    ("?from=2026-03-02&to=2026-03-01", "La date de début est après la date de fin"),
])
def test_a_malformed_date_is_explained_and_ignored(as_role, history, query, message):
    status, entries, body = audit_page(as_role("admin"), query)
    assert status == 200 and message in body
    assert len(entries) > 10  # the filter is dropped, not the page


@pytest.mark.parametrize("query", [
    "?action=emperor", "?actor=-1", "?actor=99999999999999999999", "?person=abc", "?person=4294967296",
    "?q=" + "x" * 5000, "?q=%00", "?endpoint=x&_external=1&_anchor=pwn&_method=POST", "?page=99999999999999999999",
])
def test_unknown_or_malformed_parameters_are_dropped(as_role, history, query):
    status, _entries, body = audit_page(as_role("admin"), query)
    assert status == 200
    main = body.split("<main", 1)[1].split("</main>", 1)[0]  # (the header's language links are not this page's)
    assert "pwn" not in main and "_external" not in main


def test_pages_keep_the_filters_and_nothing_else(as_role, people, history):
    for _ in range(60):
        audit.record("user.reset_code", history["registered"], actor=people.admin)
    db.session.commit()
    admin = as_role("admin")
    status, entries, body = audit_page(admin, "?action=user.reset_code&q=lahcen&endpoint=x&_anchor=pwn")
    assert status == 200 and len(entries) == 50 and "Page 1 sur 2" in body
    next_link = re.search(r'<a href="([^"]+)" rel="next">', body).group(1).replace("&amp;", "&")
    assert sorted(next_link.split("?")[1].split("&")) == ["action=user.reset_code", "page=2", "q=lahcen"]
    status, entries, body = audit_page(admin, "?" + next_link.split("?")[1])
    assert status == 200 and len(entries) == 11 and "Page 2 sur 2" in body


def _more_history(people, count: int) -> None:
    """Many more entries of every kind that names something: people, sessions, enrolments."""
    for number in range(count):
        person = accounts.register_user({"name_latin": f"Personne {number}", "phone": f"06000000{number:02d}"},
                                        actor=people.admin).user
        accounts.set_roles(person, {"trainee", "trainer"}, actor=people.admin)
        db.session.commit()
        session = make_session(people.trainer, commune=f"Commune {number}")
        enrolment.enrol(session, person, actor=people.trainer, walk_in=True)
        db.session.commit()


def test_a_page_costs_the_same_number_of_queries_whatever_it_shows(as_role, people, history):
    admin = as_role("admin")
    person = f"/admin/users/{history['registered'].id}"
    few = count_queries(admin, "/admin/audit"), count_queries(admin, person)
    _more_history(people, 12)
    accounts.update_profile(history["registered"], {"commune": "Tafraout"}, actor=people.admin)
    db.session.commit()
    many = count_queries(admin, "/admin/audit"), count_queries(admin, person)
    assert len(entries_of(admin.get("/admin/audit").get_data(as_text=True))) == 50
    assert many[0] <= few[0] and many[1] <= few[1], (few, many)
    assert few[0] <= 16, few  # one per kind of thing named, not one per entry


def test_an_entry_about_something_deleted_says_so(as_role, people):
    ghost = make_user("trainee", name="Partie Ailleurs", email="ghost@example.org")
    accounts.set_roles(ghost, {"trainee", "trainer"}, actor=people.admin)
    db.session.commit()
    ghost_id = ghost.id
    db.session.delete(ghost)
    db.session.commit()
    _status, entries, _body = audit_page(as_role("admin"))
    assert f"Compte n° {ghost_id} (supprimé·e)" in text_of(entries[0])
