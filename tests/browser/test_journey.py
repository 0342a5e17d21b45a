"""A new trainee's journey on a phone: register, sign out, sign in, switch language in the header.

The Arabic and Tamazight catalogues are still being translated: these tests check structure, the
<html lang dir> attributes, URLs and state, never the wording in those languages."""
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    LANGS,
    assert_fonts_render,
    assert_language,
    cookie,
    path_of,
    shoot,
    submit,
)
from tests.factories import PASSWORD

NAME_LATIN = "Khadija Aït Baha"
NAME_ARABIC = "خديجة آيت باها"
PHONE = "0661234567"
PHONE_E164 = "+212661234567"
COMMUNE = "Aït Baha"
AUDIENCE = "cooperative_member"
LOGOUT_BUTTON = 'header form[action="/logout"] button[type=submit]'


def _register(page: Page) -> None:
    page.goto("/register")
    assert_language(page, "fr")
    assert_fonts_render(page)
    shoot(page, "journey-fr-register")
    page.fill("#name_latin", NAME_LATIN)
    page.fill("#name_arabic", NAME_ARABIC)
    page.fill("#phone", PHONE)
    page.select_option("#audience", AUDIENCE)
    page.fill("#commune", COMMUNE)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    submit(page)


def _assert_profile(page: Page) -> None:
    assert path_of(page).split("?")[0] == "/account", page.url
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("#name_latin")).to_have_value(NAME_LATIN)
    expect(page.locator("#name_arabic")).to_have_value(NAME_ARABIC)
    expect(page.locator("#phone")).to_have_value(PHONE_E164)
    expect(page.locator("#audience")).to_have_value(AUDIENCE)
    expect(page.locator("#commune")).to_have_value(COMMUNE)
    expect(page.locator(LOGOUT_BUTTON)).to_be_visible()


def _switch_language(page: Page, lang: str) -> None:
    """Click the header's button for `lang` (signed in: a form that saves the choice in the profile),
    then check the choice holds on pages without ?lang=."""
    with page.expect_navigation():
        page.locator(f'nav.langs button[value="{lang}"]').click()
    assert path_of(page) == "/account"
    assert_language(page, lang)
    _assert_profile(page)
    assert_fonts_render(page)
    shoot(page, f"journey-{lang}-profile")

    assert cookie(page, "lang") == lang
    page.goto("/")  # no ?lang=: remembered by the cookie and the profile
    assert_language(page, lang)
    assert_fonts_render(page)
    shoot(page, f"journey-{lang}-home")

    page.locator('nav.menu a[href="/account"]').click()
    page.wait_for_url("**/account")
    assert_language(page, lang)
    expect(page.locator("#locale")).to_have_value(lang)  # saved as the preferred language


def test_new_trainee_journey(page: Page):
    # 1. Registration in French, then the sign-in page says the account is ready (registering signs
    # nobody in: the answer is the same when the number already had an account), then the profile.
    _register(page)
    assert path_of(page) == "/login", page.url
    expect(page.locator(".flash-success")).to_be_visible()
    shoot(page, "journey-fr-register-ready")
    page.fill("#identifier", PHONE)
    page.fill("#password", PASSWORD)
    submit(page)
    page.goto("/account")
    _assert_profile(page)
    assert_language(page, "fr")
    expect(page.locator("#locale")).to_have_value("fr")
    shoot(page, "journey-fr-profile-new")

    # 2. Sign out with the header's button: back home, anonymous, the profile is closed.
    with page.expect_navigation():
        page.locator(LOGOUT_BUTTON).click()
    assert path_of(page) == "/"
    expect(page.locator(LOGOUT_BUTTON)).to_have_count(0)
    expect(page.locator('nav.menu a[href="/login"]')).to_be_visible()
    shoot(page, "journey-fr-signed-out")
    page.goto("/account")
    assert path_of(page).startswith("/login"), page.url

    # 3. Sign in again with the phone number as typed on a phone.
    page.goto("/login")
    assert_language(page, "fr")
    shoot(page, "journey-fr-login")
    page.fill("#identifier", PHONE)
    page.fill("#password", PASSWORD)
    submit(page)
    assert path_of(page) == "/", page.url
    expect(page.locator(LOGOUT_BUTTON)).to_be_visible()

    # 4. The profile, from the main menu.
    page.locator('nav.menu a[href="/account"]').click()
    page.wait_for_url("**/account")
    _assert_profile(page)
    assert_language(page, "fr")

    # 5. Language switch in the header: Arabic (right to left), Tamazight, back to French.
    for lang in ("ar", "zgh", "fr"):
        _switch_language(page, lang)

    # 6. Signed out, the cookie still holds the last choice.
    with page.expect_navigation():
        page.locator(LOGOUT_BUTTON).click()
    assert_language(page, "fr")


def test_anonymous_pages_in_each_language(page: Page):
    """Home, registration and sign-in in the three languages: lang/dir, fonts, and a screenshot each."""
    for lang in LANGS:
        page.goto(f"/?lang={lang}")
        assert_language(page, lang)
        for path, name in (("/", "home"), ("/register", "register"), ("/login", "login")):
            if path != "/":
                page.goto(path)  # without ?lang=: the cookie set by the first page
            assert_language(page, lang)
            expect(page.locator("main h1")).to_be_visible()
            assert_fonts_render(page)
            shoot(page, f"anonymous-{lang}-{name}")
            # Nothing sticks out of the 412 px screen (no horizontal scrolling).
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} in {lang} is {overflow}px wider than the screen"
