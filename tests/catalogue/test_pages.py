"""The catalogue as a reader uses it: search in three languages, filters, fallbacks, progress."""
import pytest

from ecole.catalogue.models import LessonProgress
from ecole.extensions import db
from tests.helpers import count_queries, login, post


def titles(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["emonder", "ÉMONDER", "safran", "زعفران", "الغرس", "ⴰⵣⵄⴼⵔⴰⵏ", "taliouine bulbes"])
def test_search_finds_a_course_in_every_language(client, catalogue, query):
    body = titles(client.get("/courses", query_string={"q": query}))
    assert "Le safran de Taliouine" in body, query


def test_search_without_a_match_says_so(client, catalogue):
    body = titles(client.get("/courses?q=hélicoptère"))
    assert "Aucune formation ne correspond" in body and "safran" not in body.lower().split("<main")[1]


def test_arabic_search_ignores_hamza_and_vowel_marks(client, catalogue):
    assert "Gérer une coopérative" in titles(client.get("/courses", query_string={"q": "للاركان"}))
    assert "Le safran" in titles(client.get("/courses", query_string={"q": "زَعْفَرَان"}))


@pytest.mark.parametrize("args,present,absent", [
    ({"audience": "womens_association"}, "argan", "safran de Taliouine"),
    ({"theme": "farming_water"}, "safran de Taliouine", "argan"),
    ({"format": "classroom"}, "argan", "safran de Taliouine"),
    ({"language": "zgh"}, "safran de Taliouine", "argan"),
    ({"language": "fr", "audience": "farmer"}, "Aucune formation", "safran de Taliouine"),
])
def test_filters(client, catalogue, args, present, absent):
    body = titles(client.get("/courses", query_string=args)).split("<main", 1)[1]
    assert present in body and absent not in body


@pytest.mark.parametrize("args", [{"audience": "pirates"}, {"page": "x"}, {"page": "-1"}, {"theme": "x" * 500},
                                  {"q": "%"}, {"q": "_"}, {"q": "' OR 1=1 --"}, {"language": "klingon"}])
def test_odd_parameters_never_fail(client, catalogue, args):
    assert client.get("/courses", query_string=args).status_code == 200


def test_drafts_are_hidden_from_readers_but_shown_to_staff(client, as_role, catalogue):
    assert "Formation en préparation" not in titles(client.get("/courses"))
    assert client.get("/courses/draft-course").status_code == 404
    assert as_role("trainer").get("/courses/draft-course").status_code == 200


def test_course_page_shows_audiences_objectives_lessons_prerequisites(client, catalogue):
    body = titles(client.get("/courses/argan-coop?lang=fr"))
    for expected in ("Membre de coopérative", "L’assemblée générale", "Le safran de Taliouine", "20 heures"):
        assert expected in body, expected


def test_fallback_is_said_and_marked_with_its_language(client, catalogue):
    body = titles(client.get("/courses/argan-coop/lessons/assemblee?lang=ar"))
    assert 'lang="fr" dir="ltr"' in body  # French text on an Arabic page keeps its own direction
    assert "Français" in body.split("<main", 1)[1]


def test_markdown_is_sanitised(client, catalogue):
    body = titles(client.get("/courses/saffron-basics?lang=fr"))
    assert "<strong>pratique</strong>" in body
    assert "<script>alert" not in body and "javascript:" not in body


def test_unknown_course_or_lesson_is_404(client, catalogue):
    assert client.get("/courses/nowhere").status_code == 404
    assert client.get("/courses/saffron-basics/lessons/nowhere").status_code == 404


def test_a_trainee_marks_lessons_done_and_sees_progress(client, catalogue, people):
    login(client, people.trainee)
    response = post(client, "/courses/saffron-basics/lessons/bulbes/done", {"done": "1"})
    assert response.status_code == 302
    post(client, "/courses/saffron-basics/lessons/bulbes/done", {"done": "1"})  # twice: still one row
    assert db.session.scalar(db.select(db.func.count(LessonProgress.id))) == 1
    assert "1 sur 2 leçons faites" in titles(client.get("/courses/saffron-basics?lang=fr"))
    post(client, "/courses/saffron-basics/lessons/bulbes/done", {"done": "0"})
    assert db.session.scalar(db.select(db.func.count(LessonProgress.id))) == 0



def seed(n: int) -> None:
    from ecole.catalogue.models import (
        Course,
        CourseAudience,
        CourseLanguage,
        CourseText,
        Lesson,
        LessonText,
        Theme,
    )

    theme = db.session.scalar(db.select(Theme))
    for i in range(n):
        course = Course(slug=f"scale-{n}-{i}", theme=theme, format="mixed", level="introductory", duration_hours=10,
                        published=True, search_text="scale")
        course.text_rows = [CourseText(locale=lang, title=f"Course {i} {lang}", summary="s") for lang in ("fr", "ar", "zgh")]
        course.audience_rows = [CourseAudience(audience="farmer"), CourseAudience(audience="youth")]
        course.language_rows = [CourseLanguage(language="ar")]
        course.lessons = [Lesson(key=f"l{j}", position=j, text_rows=[LessonText(locale="fr", title=f"L{j}", body="b")])
                          for j in range(1, 5)]
        db.session.add(course)
    db.session.commit()



@pytest.mark.parametrize("role", ["anonymous", "trainee"])
def test_catalogue_and_course_pages_run_a_fixed_number_of_queries(as_role, catalogue, role):
    client = as_role(role)
    seed(3)
    small = [count_queries(client, url) for url in ("/courses", "/courses?q=scale&audience=farmer",
                                                     "/courses/scale-3-0", "/courses/scale-3-0/lessons/l1")]
    seed(40)
    large = [count_queries(client, url.replace("scale-3-0", "scale-40-7"))
             for url in ("/courses", "/courses?q=scale&audience=farmer", "/courses/scale-3-0", "/courses/scale-3-0/lessons/l1")]
    assert small == large, (small, large)
    assert max(large) <= 16  # on a cache miss; a hit costs 2 to 6


def test_cached_pages_follow_changes_and_stay_anonymous(client, as_role, catalogue, people):
    from ecole.catalogue.models import Course, CourseText

    assert "Le safran de Taliouine" in titles(client.get("/courses?lang=fr"))
    assert "Le safran de Taliouine" in titles(client.get("/courses/saffron-basics/lessons/bulbes?lang=fr"))
    # A change anywhere in the catalogue shows at once (the cache key carries the catalogue's version).
    text = db.session.scalar(db.select(CourseText).join(Course).where(Course.slug == "saffron-basics",
                                                                      CourseText.locale == "fr"))
    text.title = "Le safran de Taliouine, nouvelle édition"
    db.session.get(Course, text.course_id).updated_at = __import__("ecole.core.models", fromlist=["utcnow"]).utcnow()
    db.session.commit()
    assert "nouvelle édition" in titles(client.get("/courses?lang=fr"))
    assert "nouvelle édition" in titles(client.get("/courses/saffron-basics/lessons/bulbes?lang=fr"))
    # A signed-in reader never gets the anonymous page, nor an anonymous reader a personal one.
    signed_in = as_role("trainee")
    assert "Se déconnecter" in titles(signed_in.get("/courses?lang=fr"))
    assert "Se déconnecter" not in titles(client.get("/courses?lang=fr"))
    assert "J’ai fait cette leçon" in titles(signed_in.get("/courses/saffron-basics/lessons/bulbes?lang=fr"))


def test_a_waiting_message_is_never_cached_for_others(app, people, catalogue):
    from tests.helpers import login, post

    reader = app.test_client()
    login(reader, people.trainee)
    post(reader, "/logout")  # flashes "Vous êtes déconnecté."
    assert "Vous êtes déconnecté" in titles(reader.get("/courses?lang=fr"))
    assert "Vous êtes déconnecté" not in titles(app.test_client().get("/courses?lang=fr"))


def test_the_cached_course_page_shows_new_sessions_and_seats(client, catalogue, people):
    from ecole.enrolment import services
    from tests.factories import make_session, make_user

    assert "Maison du safran" not in titles(client.get("/courses/saffron-basics?lang=fr"))
    session = make_session(people.trainer, capacity=2)
    assert "2 places libres" in titles(client.get("/courses/saffron-basics?lang=fr"))
    person = make_user("trainee", email="seat@example.org")
    services.enrol(session, person, actor=person)
    db.session.commit()
    assert "1 place libre" in titles(client.get("/courses/saffron-basics?lang=fr"))
