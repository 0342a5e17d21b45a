"""Kept pages (core/cache.py `cached_page`) and the tables' versions (core/versions.py): a page is
answered again without running its view only for the same session, language and URL, and only while
none of the tables it read has changed; any write to one of them, whatever makes it, gives the next
request a fresh page, and a write to another table leaves the kept page be."""
import pytest
from sqlalchemy import event, text

from ecole.core import cache, versions
from ecole.enrolment import services
from ecole.extensions import db
from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.factories import make_session, make_user
from tests.helpers import count_queries, login

pytestmark = pytest.mark.usefixtures("catalogue", "still_clock")


@pytest.fixture
def still_clock(monkeypatch):
    """Kept pages are keyed by the minute too (core/cache.py `current_minute`): a test that crosses a
    minute's boundary would see a page rendered again for the clock, not for the tables it counts."""
    minute = cache.current_minute()
    monkeypatch.setattr(cache, "current_minute", lambda: minute)


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


def test_a_new_minute_gives_a_fresh_page(app, people, course_session, monkeypatch):
    """What a page shows of the clock (a deadline, "in 3 days") is at most a minute old."""
    client = app.test_client()
    login(client, people.trainee)
    url = f"/sessions/{course_session.id}"
    statements(client, url)
    assert statements(client, url)[0] == 0
    monkeypatch.setattr(cache, "current_minute", lambda: cache.time.time() // 60 + 1)
    assert statements(client, url)[0] > 0


def test_a_write_to_what_the_page_read_gives_a_fresh_page(app, people, course_session):
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


@pytest.mark.parametrize("url", PAGES)
def test_a_page_is_kept_through_writes_to_tables_it_did_not_read_and_only_those(app, people, course_session, url):
    """Every table a page's rendering named is one whose write renders it again; any other table's
    write (here: each of them in turn) leaves it kept. The signed-in person's own row is among those read."""
    cache.pages.clear()  # (the process's kept pages: earlier tests' too)
    client = app.test_client()
    login(client, people.trainee)
    url = url.format(id=course_session.id)
    statements(client, url)
    [key] = [key for key in cache.pages._entries if key[2] == url]
    read = {name for name, _token in cache.pages.get(key)[0]}
    assert {"users", "user_roles"} <= read  # the person and their roles, loaded after the key was made
    for table in sorted(set(db.metadata.tables) - versions.IGNORED):
        column = next(iter(db.metadata.tables[table].columns)).name
        # No row changed: the token is renewed all the same.
        db.session.execute(text(f"UPDATE {table} SET {column} = {column} WHERE 1 = 0"))
        db.session.commit()
        ran, _page = statements(client, url)
        assert (ran > 0) == (table in read), (url, table)


def test_a_kept_fragment_counts_the_tables_it_was_made_from(app, people, course_session):
    """A fragment answered from its cache runs no statement: the page around it still depends on what
    the fragment read when it was rendered."""
    def render() -> str:
        return str(db.session.scalar(text("SELECT commune FROM venues WHERE id = :id"), {"id": course_session.venue_id}))

    for _ in range(2):  # rendered, then kept
        with app.test_request_context("/"):
            versions.start_recording()
            cache.fragments.get_or_render(("test-fragment", course_session.id), render)
            assert "venues" in versions.recorded()
    with app.test_request_context("/"), versions.recording() as outer:
        with versions.recording() as inner:
            cache.fragments.get_or_render(("test-fragment", course_session.id), render)
        assert "venues" in inner and "venues" in outer


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


# --- a visitor's whole answer, kept before Flask (core/cache.py KeptForVisitors) ---------------------

def dispatched(client, url: str, **kwargs):
    """The answer to one GET, and whether Flask dispatched it (False: answered whole by KeptForVisitors)."""
    from flask import request_started

    seen = []

    def started(_sender, **_extra):
        seen.append(1)

    request_started.connect(started)
    try:
        response = client.get(url, **kwargs)
    finally:
        request_started.disconnect(started)
    return response, bool(seen)


def test_a_visitors_answer_is_given_again_whole_with_a_new_request_id(app):
    first, ran = dispatched(app.test_client(), "/courses")
    again, ran_again = dispatched(app.test_client(), "/courses")
    assert ran and not ran_again
    assert again.data == first.data and again.status == first.status
    without_id = [(name, value) for name, value in first.headers if name != "X-Request-ID"]
    assert [(name, value) for name, value in again.headers if name != "X-Request-ID"] == without_id
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    given, _ran = dispatched(app.test_client(), "/courses", headers={"X-Request-ID": "from-nginx-1234"})
    assert given.headers["X-Request-ID"] == "from-nginx-1234" and given.data == first.data


def test_a_visitors_kept_answer_follows_every_write(app, people):
    first, _ran = dispatched(app.test_client(), "/courses?lang=fr")
    db.session.execute(text("UPDATE themes SET title_fr = 'Thème revu'"))
    db.session.commit()
    after, ran = dispatched(app.test_client(), "/courses?lang=fr")
    assert ran and "Thème revu" in after.get_data(as_text=True) and after.data != first.data


@pytest.mark.parametrize("headers, expect", [
    ({"Accept-Language": "ar"}, 'lang="ar"'),
    ({"Accept-Language": "fr"}, 'lang="fr"'),
    ({"Cookie": "lang=zgh"}, 'lang="zgh"'),
])
def test_a_visitors_kept_answer_is_per_language_header_and_cookie(app, headers, expect):
    for _ in range(2):
        for other in ({"Accept-Language": "ar"}, {"Accept-Language": "fr"}, {"Cookie": "lang=zgh"}):
            app.test_client(use_cookies=False).get("/courses", headers=other)
        response, ran = dispatched(app.test_client(use_cookies=False), "/courses", headers=headers)
        assert expect in response.get_data(as_text=True)[:300]
    assert not ran


def test_a_visitors_kept_answer_is_gzipped_only_for_who_asked(app):
    for _ in range(2):
        zipped, _ran = dispatched(app.test_client(), "/courses", headers={"Accept-Encoding": "gzip"})
        plain, ran = dispatched(app.test_client(), "/courses")
    assert not ran
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert zipped.data[:2] == b"\x1f\x8b" and plain.data.startswith(b"<!doctype html>")


def test_a_link_with_a_language_sets_the_cookie_at_each_kept_answer(app):
    for _ in range(3):
        response, ran = dispatched(app.test_client(), "/?lang=ar")
        assert response.headers["Set-Cookie"].startswith("lang=ar;")
    assert not ran
    chosen, ran = dispatched(app.test_client(use_cookies=False), "/?lang=ar", headers={"Cookie": "lang=ar"})
    assert ran and "Set-Cookie" not in chosen.headers  # another request: its own entry, and no cookie to set


def test_only_visitors_kept_pages_are_answered_before_flask(app, people, course_session):
    signed_in = app.test_client()
    login(signed_in, people.trainee)
    for url, client in [("/me/training", signed_in), ("/", signed_in), ("/courses/no-such-course", app.test_client()),
                        ("/login", app.test_client())]:
        client.get(url)
        _response, ran = dispatched(client, url)
        assert ran, url
    head = app.test_client().head("/courses")
    assert head.status_code == 200 and head.data == b""
    for _ in range(2):  # Flask-Login would sign this visitor in: never answered before it
        _response, ran = dispatched(app.test_client(use_cookies=False), "/courses", headers={"Cookie": "remember_token=1|abc"})
        assert ran


def test_a_visitors_kept_answer_is_counted_in_the_metrics(app):
    from ecole.core.metrics import REQUESTS

    app.test_client().get("/courses")
    counted = REQUESTS.labels("catalogue.index", "GET", 200)
    before = counted._value.get()
    for _ in range(3):
        _response, ran = dispatched(app.test_client(), "/courses")
        assert not ran
    assert counted._value.get() == before + 3


def test_a_visitor_gets_the_apps_error_page_when_the_versions_cannot_be_read(app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def down(_engine):
        raise OperationalError("SELECT", {}, Exception("the database is not answering"))

    app.test_client().get("/courses")  # kept: its next request reads the versions before Flask
    monkeypatch.setattr(versions, "read", down)
    response = app.test_client().get("/courses")
    assert response.status_code in (500, 503) and b'<html lang="fr"' in response.data


@pytest.mark.parametrize("query, headers", [
    ("", {"Accept-Language": "ar," * 3000}),
    ("", {"Cookie": "lang=" + "a" * 10000}),
    ("", {"Cookie": "lang=ar\x00"}),
    ("?lang=ar%0d%0aSet-Cookie:%20x=1", {}),
    ("?lang=%00", {}),
    ("?q=" + "x" * 10000 + "&page=NaN", {}),
    ("", {"Accept-Encoding": "gzip;q=NaN", "X-Request-ID": "y" * 10000}),
])
def test_hostile_requests_for_a_visitors_kept_page_get_the_same_answer_twice(app, query, headers):
    answers = [app.test_client(use_cookies=False).get("/courses" + query, headers=headers) for _ in range(2)]
    assert [answer.status_code for answer in answers] in ([200, 200], [400, 400], [404, 404])
    assert answers[0].data == answers[1].data and "x=1" not in answers[1].headers.get("Set-Cookie", "")
    assert len(answers[1].headers["X-Request-ID"]) <= 128


def test_the_caches_hold_a_bounded_weight_and_drop_the_least_recently_used():
    kept = cache.LRUCache(max_bytes=100)
    for number in range(5):
        kept.put(("page", number), "x" * 30)
    assert kept.bytes == 90 and kept.get(("page", 0)) is None and kept.get(("page", 2)) is not None
    kept.put(("page", 5), "y" * 30)  # ("page", 3) is now the least recently used
    assert kept.get(("page", 3)) is None and kept.get(("page", 2)) is not None
    kept.put(("page", 2), "z" * 10)  # a new value of a kept key replaces its weight
    assert kept.bytes == 70 and kept.get(("page", 2)) == "z" * 10
    kept.put(("big",), "w" * 500)  # heavier than the whole: kept alone, the others dropped
    assert kept.bytes == 500 and len(kept._entries) == 1
    # 300 courses in three languages, with their lessons, fit in a process's fragments (7 MB measured).
    assert cache.fragments.max_bytes >= 32 << 20
