"""The school's own courses as readers meet them: formulas that read right in Arabic, words of lessons that search finds."""
import re
from pathlib import Path

import pytest

from ecole.catalogue.loader import read_catalogue
from ecole.catalogue.models import Course
from ecole.catalogue.search import fold
from ecole.catalogue.services import import_catalogue
from ecole.core.markdown import render_markdown
from ecole.extensions import db

ROOT = Path(__file__).resolve().parents[2]
ISOLATED = re.compile(r'<bdi dir="ltr">.*?</bdi>')
OPERATOR_BETWEEN_NUMBERS = re.compile(r"\d[ \u00a0]*[×÷=][ \u00a0]*\d")


@pytest.fixture(scope="module")
def course_data():
    courses, problems = read_catalogue(ROOT / "courses")
    assert not problems
    return courses


@pytest.fixture
def school(app_context, course_data):
    report = import_catalogue(ROOT / "courses", actor=None)
    assert not report.problems, report.problems
    db.session.commit()
    return course_data


def test_a_formula_in_an_arabic_lesson_is_isolated_left_to_right(client, school):
    body = client.get("/courses/irrigation-goutte-a-goutte/lessons/dimensionner-un-petit-reseau?lang=ar")
    html = body.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in html
    assert '<bdi dir="ltr">40 ÷ 16</bdi>' in html and '<bdi dir="ltr">4 × 4 = 16</bdi>' in html


def test_every_formula_of_every_lesson_is_isolated(course_data):
    found = 0
    for course in course_data:
        for lesson in course.lessons:
            for lang, text in lesson.bodies.items():
                found += len(OPERATOR_BETWEEN_NUMBERS.findall(text))
                outside = ISOLATED.sub("", str(render_markdown(text)))
                assert not OPERATOR_BETWEEN_NUMBERS.search(outside), (course.slug, lesson.key, lang)
    assert found >= 6


def test_the_sanitiser_keeps_a_safe_direction_only():
    html = str(render_markdown('<bdi dir="ltr">a</bdi> <bdi dir="x" onclick="y">b</bdi> <span dir="rtl">c</span> '
                               "`1 × 2 = 2` et 3 × 4 = 12"))
    assert '<bdi dir="ltr">a</bdi>' in html and "<bdi>b</bdi>" in html and "onclick" not in html
    assert "<span" not in html and "<code>1 × 2 = 2</code>" in html  # code is shown as written
    assert '<bdi dir="ltr">3 × 4 = 12</bdi>' in html


def words_only_in_lessons(courses, lang: str) -> list[tuple[str, str]]:
    """(word, slug): words of one course's lesson texts that no title, summary or objective of any course has."""
    def words(text):
        return {w for w in re.findall(r"\w{6,}", fold(text)) if not any(ch.isdigit() for ch in w)}

    elsewhere, in_lessons = set(), {}
    for course in courses:
        for part in (course.titles, course.summaries, course.descriptions, course.objectives):
            elsewhere |= words(" ".join(part.values()))
        for lesson in course.lessons:
            elsewhere |= words(" ".join(lesson.titles.values()))
            for word in words(lesson.bodies.get(lang, "")):
                in_lessons.setdefault(word, set()).add(course.slug)
    return sorted((word, slugs.pop()) for word, slugs in in_lessons.items()
                  if len(slugs) == 1 and word not in elsewhere)


@pytest.mark.parametrize("lang", ["zgh", "ar", "fr"])
def test_search_finds_words_that_only_lessons_have(client, school, lang):
    samples = words_only_in_lessons(school, lang)
    assert len(samples) >= 20
    for word, slug in samples[:: len(samples) // 5][:5]:
        html = client.get("/courses", query_string={"q": word, "lang": lang}).get_data(as_text=True)
        assert f'/courses/{slug}"' in html or f"/courses/{slug}?" in html, (word, slug)


def test_an_index_built_before_lessons_were_searched_is_refreshed_on_import(school):
    course = db.session.scalar(db.select(Course).where(Course.slug == "safran-taliouine"))
    course.search_text = "safran"
    db.session.commit()
    report = import_catalogue(ROOT / "courses", actor=None)
    db.session.commit()
    assert "safran-taliouine" in report.unchanged  # the texts did not change, only the index
    assert len(db.session.get(Course, course.id).search_text) > 1000


@pytest.mark.parametrize("lang,joined", [
    ("zgh", '<span lang="ar">العربية</span> ⴷ <span lang="zgh">ⵜⴰⵎⴰⵣⵉⵖⵜ</span>'),
    ("fr", '<span lang="ar">العربية</span> et <span lang="zgh">ⵜⴰⵎⴰⵣⵉⵖⵜ</span>'),
    ("ar", '<span lang="ar">العربية</span> و<span lang="zgh">ⵜⴰⵎⴰⵣⵉⵖⵜ</span>'),
])
def test_lists_of_linked_or_marked_items_get_their_conjunction(client, school, lang, joined):
    html = client.get(f"/courses/safran-taliouine?lang={lang}").get_data(as_text=True)
    assert joined in html
