"""A trainee saves a course's lessons on a 390 × 844 phone before going to the fields: the course
page tells what it weighs, "Enregistrer" stores the course page, its lessons and their files;
offline, they open from the service worker in the trainee's language, "Mes leçons hors ligne"
lists them and "Retirer" takes them away. Signing out forgets them, and another person signed
in on the same phone never reads them."""
import re
import time

import pytest
from playwright.sync_api import Page, expect

from ecole.extensions import db
from tests.browser.pages import LANGS, assert_language, shoot
from tests.browser.test_homes import sign_in
from tests.catalogue.conftest import catalogue  # noqa: F401

PHONE = {"width": 390, "height": 844}
READY_MS = 30_000  # the service worker's first install and a course stored, on a shared 2-core machine
COURSE = "/courses/saffron-basics"
LESSON = "/courses/saffron-basics/lessons/bulbes"
COURSE_TITLE = {"fr": "Le safran de Taliouine", "ar": "زعفران تالوين", "zgh": "ⴰⵣⵄⴼⵔⴰⵏ ⵏ ⵜⴰⵍⵉⵡⵉⵏ"}
# The lesson has no Tamazight text yet: the Tamazight reader gets the French one, marked as such.
LESSON_TITLE = {"fr": "Les bulbes et la plantation", "ar": "البصيلات والغرس", "zgh": "Les bulbes et la plantation"}
KB = {"fr": "Ko", "ar": "كيلوبايت", "zgh": "ⴽⵉⵍⵓⴱⴰⵢⵜ"}

LESSON_CACHES = "async () => (await caches.keys()).filter(name => name.startsWith('lessons-')).sort()"


def controlled(page: Page) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("!!navigator.serviceWorker.controller", timeout=READY_MS)


def save_course(page: Page, lang: str) -> None:
    """Open the course page with the network and save its lessons from the "Lire hors ligne" box."""
    page.goto(COURSE)
    controlled(page)
    box = page.locator("[data-lessons-box]")
    expect(box).to_be_visible()
    save = box.locator("[data-lessons-save]")
    expect(save).to_be_enabled(timeout=READY_MS)
    expect(save).to_contain_text("≈")
    expect(save).to_contain_text(KB[lang])  # the size, computed by the server, before saving
    save.click()
    expect(box.locator("[data-lessons-remove]")).to_be_visible(timeout=READY_MS)
    expect(save).to_be_hidden()
    expect(box.locator("[data-lessons-status]")).to_contain_text(KB[lang])


def wait_for_caches(page: Page, expected: list[str]) -> None:
    deadline = time.monotonic() + READY_MS / 1000
    while (found := page.evaluate(LESSON_CACHES)) != expected:
        assert time.monotonic() < deadline, f"lesson caches {found}, not {expected}"
        page.wait_for_timeout(100)


@pytest.mark.parametrize("lang", LANGS)
def test_saved_lessons_are_read_offline_and_can_be_removed(new_context, people, catalogue, lang):  # noqa: F811
    context = new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, people.trainee, lang)
    save_course(page, lang)
    mine = f"lessons-{people.trainee.id}-saffron-basics"
    assert page.evaluate(LESSON_CACHES) == [mine]
    page.locator("[data-lessons-box]").scroll_into_view_if_needed()
    shoot(page, f"lessons-box-{lang}")

    context.set_offline(True)
    response = page.goto(COURSE)
    assert response.from_service_worker, "the course page did not come from the service worker"
    assert_language(page, lang)
    expect(page.locator("main h1")).to_contain_text(COURSE_TITLE[lang])
    expect(page.locator("[data-lessons-remove]")).to_be_visible()  # the box knows the course is saved

    response = page.goto(LESSON)
    assert response.from_service_worker, "the lesson did not come from the service worker"
    assert_language(page, lang)
    expect(page.locator("article.lesson h1")).to_have_text(LESSON_TITLE[lang])
    note = page.locator("[data-offline-note]")  # the page says it is the phone's copy, and since when
    expect(note).to_be_visible()
    expect(note).to_contain_text(re.compile(r"\d{1,2}\D{1,3}\d{1,2}\D{1,3}\d{2,4}"))
    if lang == "zgh":
        expect(page.locator("article.lesson .fallback")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the offline lesson is {overflow}px wider than the phone in {lang}"
    shoot(page, f"offline-lesson-{lang}")

    # A course that was not saved: the offline page, as before.
    page.goto("/courses/argan-coop")
    expect(page.locator("main.offline-page h1")).to_be_visible()

    response = page.goto("/offline/lessons")
    assert response.from_service_worker
    expect(page.locator("html")).to_have_attribute("lang", lang)
    saved = page.locator("[data-saved-lessons] li")
    expect(saved).to_have_count(1)
    expect(saved.locator("a")).to_contain_text(COURSE_TITLE[lang])
    expect(saved).to_contain_text(KB[lang])
    shoot(page, f"offline-lessons-list-{lang}")
    saved.locator("button").click()
    expect(saved).to_have_count(0)
    wait_for_caches(page, [])

    response = page.goto(LESSON)  # removed: no longer on the phone
    expect(page.locator("main.offline-page h1")).to_be_visible()


def test_my_training_links_to_the_saved_lessons(new_context, people, catalogue):  # noqa: F811
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, people.trainee, "fr")
    page.goto("/me/training")
    page.locator('main a[href="/offline/lessons"]').click()
    expect(page.locator("main h1")).to_have_text("Mes leçons hors ligne")


def test_signing_out_forgets_the_saved_lessons(new_context, people, catalogue):  # noqa: F811
    context = new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, people.trainee, "fr")
    save_course(page, "fr")
    with page.expect_navigation():
        page.locator("form[data-logout] button").click()
    expect(page.locator("form[data-logout]")).to_have_count(0)
    assert page.evaluate(LESSON_CACHES) == []
    context.set_offline(True)
    page.goto(LESSON)
    expect(page.locator("main.offline-page h1")).to_be_visible()


def test_another_person_on_the_same_phone_never_reads_them(new_context, people, catalogue):  # noqa: F811
    context = new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, people.trainee, "fr")
    save_course(page, "fr")
    context.clear_cookies()  # the trainee's session ended without signing out; someone else signs in
    db.session.rollback()  # end the test's read snapshot before it writes the trainer's language
    sign_in(page, people.trainer, "fr")
    wait_for_caches(page, [])  # the trainee's lessons are gone from the phone

    context.set_offline(True)
    page.goto(COURSE)
    expect(page.locator("main.offline-page h1")).to_be_visible()
    page.goto("/offline/lessons")
    expect(page.locator("[data-saved-lessons] li")).to_have_count(0)
