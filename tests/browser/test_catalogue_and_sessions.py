"""The school's real catalogue and a session, as trainees and trainers see them, in each language."""
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ecole.catalogue.services import import_catalogue
from ecole.enrolment import services as enrolment_services
from ecole.extensions import db
from tests.browser.pages import LANGS, assert_fonts_render, assert_language, shoot
from tests.factories import PASSWORD, make_session, make_user

COURSES = Path(__file__).resolve().parents[2] / "courses"
SEARCHES = {"fr": "safran", "ar": "زعفران", "zgh": "ⴰⵣⵄⴼⵔⴰⵏ"}


@pytest.fixture
def school(app_context):
    report = import_catalogue(COURSES, actor=None)
    assert not report.problems
    db.session.commit()
    trainer = make_user("trainer", name="Brahim Oubella", email="trainer@example.org")
    trainee = make_user("trainee", name="Fatima Aït Ali", phone="0612345678", email="fatima@example.org",
                        name_arabic="فاطمة آيت علي")
    session = make_session(trainer, course_slug="safran-taliouine", capacity=20, commune="Taliouine",
                           place="Maison du safran")
    enrolment_services.enrol(session, trainee, actor=trainee)
    db.session.commit()
    return {"trainer": trainer, "trainee": trainee, "session": session.id}


def no_overflow(page: Page, what: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{what} is {overflow}px wider than the screen"


def sign_in(page: Page, identifier: str) -> None:
    page.goto("/login")
    page.fill("#identifier", identifier)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()


def test_catalogue_and_course_page_in_each_language(page: Page, school):
    for lang in LANGS:
        page.goto(f"/courses?lang={lang}")
        assert_language(page, lang)
        expect(page.locator(".course-card")).to_have_count(12)  # first page of 15
        assert_fonts_render(page)
        no_overflow(page, f"catalogue in {lang}")
        shoot(page, f"catalogue-{lang}")
        page.fill("#q", SEARCHES[lang])
        with page.expect_navigation():
            page.locator("form.filters button[type=submit]").click()
        expect(page.locator(".course-card a[href='/courses/safran-taliouine']")).to_be_visible()
        shoot(page, f"catalogue-{lang}-search")
        page.goto("/courses/safran-taliouine")
        assert_language(page, lang)
        expect(page.locator("#sessions .session-card")).to_have_count(1)
        no_overflow(page, f"course page in {lang}")
        shoot(page, f"course-{lang}")
        page.locator("ol.lessons a").first.click()
        page.wait_for_load_state()
        expect(page.locator("article.lesson h1")).to_be_visible()
        shoot(page, f"lesson-{lang}")


def test_trainee_and_trainer_pages_in_each_language(new_context, school):
    trainee = new_context().new_page()
    sign_in(trainee, "0612345678")
    trainer = new_context().new_page()
    sign_in(trainer, "trainer@example.org")
    for lang in LANGS:
        trainee.goto(f"/me/training?lang={lang}")
        assert_language(trainee, lang)
        expect(trainee.locator("main article.card")).to_have_count(1)
        no_overflow(trainee, f"my training in {lang}")
        shoot(trainee, f"my-training-{lang}")
        trainee.goto(f"/sessions/{school['session']}")
        shoot(trainee, f"session-{lang}")
        trainer.goto(f"/sessions/{school['session']}/manage?lang={lang}")
        assert_language(trainer, lang)
        no_overflow(trainer, f"session management in {lang}")
        shoot(trainer, f"manage-{lang}")
        trainer.goto(f"/sessions/{school['session']}/roster")
        expect(trainer.locator("main table")).to_contain_text("+212612345678")
        shoot(trainer, f"roster-{lang}")
