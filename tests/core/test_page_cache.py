"""Kept pages (core/cache.py `cached_page`) and the tables' versions (core/versions.py): a page is
answered again without running its view only for the same session, language and URL, and only while
nothing in the database has changed; any write, whatever makes it, gives the next request a fresh page."""
import pytest
from sqlalchemy import event, text

from ecole.core import versions
from ecole.enrolment import services
from ecole.extensions import db
from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.factories import make_session, make_user
from tests.helpers import count_queries, login

pytestmark = pytest.mark.usefixtures("catalogue")


def statements(client, url: str) -> tuple[int, bytes]:
    """SQL statements through SQLAlchemy for one GET (the versions' read goes around it), and the body."""
    seen = []

    def listener(*args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200, url
    return len(seen), response.data


@pytest.fixture
def course_session(people):
    made = make_session(people.trainer, capacity=5)
    db.session.commit()
    return made


PAGES = ["/", "/me/training", "/courses", "/courses/saffron-basics", "/sessions/{id}"]


@pytest.mark.parametrize("url", PAGES)
def test_second_visit_runs_no_statement_and_gets_the_same_page(app, people, course_session, url):
    client = app.test_client()
    login(client, people.trainee)
    url = url.format(id=course_session.id)
    # The sign-in's answer carries the whole session (its CSRF secret too): the first page is kept.
    first, page = statements(client, url)
    again, kept = statements(client, url)
    assert first > 0 and again == 0
    assert kept == page


def test_a_write_anywhere_gives_a_fresh_page(app, people, course_session):
    client = app.test_client()
    login(client, people.trainee)
    before = client.get("/me/training").data
    services.enrol(course_session, people.trainee, actor=people.trainee)
    db.session.commit()
    after = client.get("/me/training").data
    assert after != before and count_queries(client, "/me/training") == 0
    # Raw SQL counts too: the versions change with the statement, not with the ORM.
    db.session.execute(text("UPDATE venues SET commune = 'Tafraout' WHERE id = :id"), {"id": course_session.venue_id})
    db.session.commit()
    assert "Tafraout" in client.get(f"/sessions/{course_session.id}").get_data(as_text=True)


def test_a_rolled_back_write_keeps_the_versions(app, people, course_session):
    before = versions.current()
    db.session.execute(text("UPDATE course_sessions SET notes = 'Ailleurs'"))
    db.session.rollback()
    assert versions.current() == before
    db.session.execute(text("UPDATE course_sessions SET notes = 'Ailleurs'"))
    db.session.commit()
    changed = dict(versions.current())
    assert changed["course_sessions"] != dict(before).get("course_sessions")
    assert {name: token for name, token in changed.items() if name != "course_sessions"} == \
        {name: token for name, token in before if name != "course_sessions"}


def test_pages_are_kept_per_person_and_per_language(app, people, course_session):
    trainee, other = app.test_client(), app.test_client()
    login(trainee, people.trainee)
    login(other, make_user("trainee", name="Autre Personne", email="autre@example.org"))
    services.enrol(course_session, people.trainee, actor=people.trainee)
    db.session.commit()
    mine = trainee.get("/me/training").get_data(as_text=True)
    theirs = other.get("/me/training").get_data(as_text=True)
    assert mine != theirs and "Autre Personne" not in mine
    visitor = app.test_client().get("/").get_data(as_text=True)
    assert people.trainee.name_latin not in visitor
    french, arabic = trainee.get("/?lang=fr"), trainee.get("/?lang=ar")
    assert 'lang="fr"' in french.get_data(as_text=True) and 'lang="ar"' in arabic.get_data(as_text=True)
    # A kept page asked with ?lang= still remembers the language in the cookie.
    app.test_client().get("/courses?lang=zgh")
    again = app.test_client().get("/courses?lang=zgh")
    assert "lang=zgh" in again.headers.get("Set-Cookie", "")


def test_a_deactivated_person_is_not_answered_from_the_kept_page(app, people):
    client = app.test_client()
    login(client, people.trainee)
    assert client.get("/me/training").status_code == 200
    people.trainee.active = False
    db.session.commit()
    assert client.get("/me/training").status_code == 302


def test_another_browser_with_the_same_cookie_is_not_answered(app, people):
    client = app.test_client()
    login(client, people.trainee)
    assert client.get("/me/training").status_code == 200
    # Session protection "strong": the cookie replayed by another browser signs it out, kept page or not.
    assert client.get("/me/training", headers={"User-Agent": "another browser"}).status_code == 302


def test_a_waiting_message_is_shown_once_and_never_kept(app, people, course_session):
    client = app.test_client()
    login(client, people.trainee)
    client.get(f"/sessions/{course_session.id}")
    with client.session_transaction() as cookie:
        cookie["_flashes"] = [("info", "Un message pour une fois")]
    assert "Un message pour une fois" in client.get(f"/sessions/{course_session.id}").get_data(as_text=True)
    assert "Un message pour une fois" not in client.get(f"/sessions/{course_session.id}").get_data(as_text=True)


def test_personal_pages_stay_no_store_when_kept(app, people):
    client = app.test_client()
    login(client, people.trainee)
    assert [client.get("/me/training").headers["Cache-Control"] for _ in range(2)] == ["no-store", "no-store"]
    visitor = app.test_client()
    assert [visitor.get("/courses").headers["Cache-Control"] for _ in range(2)] == ["no-cache", "no-cache"]



def test_visitors_pages_are_kept_and_set_no_cookie(app):
    from ecole.catalogue.models import Lesson

    key = db.session.scalar(db.select(Lesson.key).limit(1))
    course = db.session.scalar(db.select(Lesson.course_id).limit(1))
    from ecole.catalogue.models import Course

    slug = db.session.get(Course, course).slug
    for url in ("/", "/courses", f"/courses/{slug}", f"/courses/{slug}/lessons/{key}"):
        visitor = app.test_client()
        first = visitor.get(url)
        assert first.status_code == 200 and "Set-Cookie" not in first.headers, url
        again, page = statements(app.test_client(), url)
        assert again == 0 and page == first.data, url


def test_a_connection_that_found_no_versions_table_finds_it_again(app):
    """A migration test's older revision has no `data_versions`: a connection that wrote then must
    renew the tokens again once another connection has put the table back."""
    with db.engine.connect() as away, db.engine.connect() as writer:
        away.execute(text("ALTER TABLE data_versions RENAME TO data_versions_away"))
        away.commit()
        writer.execute(text("UPDATE venues SET commune = commune WHERE 1 = 0"))
        writer.commit()  # finds no table
        away.execute(text("ALTER TABLE data_versions_away RENAME TO data_versions"))
        away.commit()
        before = dict(versions.current()).get("venues")
        writer.execute(text("UPDATE venues SET commune = commune WHERE 1 = 0"))
        writer.commit()
        assert dict(versions.current()).get("venues") not in (None, before)
