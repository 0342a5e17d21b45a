"""Each role's home on a phone, in French, Arabic (right to left) and Tamazight: what a trainee, a
trainer and an administrator find after signing in, nothing wider than the screen, a screenshot each."""
import pytest
from playwright.sync_api import Page, expect

from ecole.extensions import db
from tests.browser.pages import LANGS, assert_fonts_render, assert_language, path_of, shoot
from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.enrolment.conftest import other_trainer  # noqa: F401
from tests.factories import PASSWORD
from tests.main.factories import grow


@pytest.fixture
def school(people, other_trainer, catalogue):  # noqa: F811
    built = grow(people, other_trainer, 1, "Tata")
    db.session.commit()
    return built


def sign_in(page: Page, person, lang: str) -> None:
    """Sign in from the sign-in page in `lang`; the person lands on their home."""
    person.locale = lang  # their profile's language, which a signed-in page follows
    db.session.commit()
    page.goto(f"/login?lang={lang}")
    page.fill("#identifier", person.email or person.phone)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()
    assert path_of(page) == "/", page.url


def check_phone_layout(page: Page, lang: str) -> None:
    assert_language(page, lang)
    expect(page.locator("main h1")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the home is {overflow}px wider than the phone in {lang}"
    assert_fonts_render(page)


@pytest.mark.parametrize("lang", LANGS)
def test_trainee_home_on_a_phone(new_context, people, school, lang):
    page = new_context().new_page()
    sign_in(page, people.trainee, lang)
    check_phone_layout(page, lang)
    # The seat offered first, with its deadline and the button that confirms it.
    offers = page.locator("main section.offers")
    expect(offers).to_be_visible()
    expect(offers.locator(f'form[action="/enrolments/{school.offered[0]}/accept"] button')).to_be_visible()
    expect(page.locator("#home-next")).to_be_visible()
    expect(page.locator("main section[aria-labelledby=home-next] .nowrap").first).to_contain_text("09:00")
    expect(page.locator("main ul.enrolments > li")).to_have_count(3)
    expect(page.locator("main ul.progress-list progress")).to_have_count(1)
    # The menu says how many notices are unread, and a screen reader hears it in words.
    notices = page.locator('nav.menu a[href="/notifications"]')
    expect(notices.locator(".count")).to_be_visible()
    expect(notices.locator(".visually-hidden")).to_have_count(1)
    shoot(page, f"home-trainee-{lang}")

    # Confirming the seat from the home.
    with page.expect_navigation():
        offers.locator("button.primary").first.click()
    page.goto("/")
    expect(page.locator("main section.offers")).to_have_count(0)
    shoot(page, f"home-trainee-{lang}-after-accepting")


@pytest.mark.parametrize("lang", LANGS)
def test_trainer_home_on_a_phone(new_context, people, school, lang):
    page = new_context().new_page()
    sign_in(page, people.trainer, lang)
    check_phone_layout(page, lang)
    teaching = page.locator("main section[aria-labelledby=home-teaching]")
    expect(teaching.locator(f'a[href="/sessions/{school.confirmed[0]}/roster"]')).to_be_visible()
    todo = page.locator("main section[aria-labelledby=home-todo]")
    expect(todo.locator('a[href="/admin/enrolments"]')).to_be_visible()
    expect(todo.locator('a[href="/calls"]')).to_be_visible()
    expect(todo.locator(f'a[href="/sessions/{school.to_close[0]}/manage"]')).to_be_visible()
    expect(page.locator(f'main a[href^="/sessions/{school.others[0]}/"]')).to_have_count(0)
    shoot(page, f"home-trainer-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_admin_home_on_a_phone(new_context, people, school, lang):
    page = new_context().new_page()
    sign_in(page, people.admin, lang)
    check_phone_layout(page, lang)
    decide = page.locator("main section[aria-labelledby=home-decide]")
    expect(decide.locator('a[href="/admin/enrolments"]')).to_be_visible()
    expect(decide.locator('a[href="/calls"]')).to_be_visible()
    expect(decide.locator(f'a[href="/sessions/{school.no_trainer[0]}/edit"]')).to_be_visible()
    expect(decide.locator(f'a[href="/sessions/{school.drafts[0]}/manage"]')).to_be_visible()
    shoot(page, f"home-admin-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_a_new_trainee_is_shown_where_to_start(new_context, people, catalogue, lang):  # noqa: F811
    page = new_context().new_page()
    sign_in(page, people.trainee, lang)
    check_phone_layout(page, lang)
    expect(page.locator('main a.button[href="/courses"]')).to_be_visible()
    expect(page.locator('nav.menu a[href="/notifications"] .count')).to_have_count(0)
    shoot(page, f"home-trainee-new-{lang}")
