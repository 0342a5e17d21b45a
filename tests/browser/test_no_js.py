"""Old phones and data savers: with JavaScript off, signing in and registering still work."""
import pytest
from playwright.sync_api import expect

from tests.browser.pages import assert_language, path_of, shoot, submit
from tests.factories import PASSWORD

LOGOUT_BUTTON = 'header form[action="/logout"] button[type=submit]'


@pytest.fixture
def page(new_context):
    context = new_context(java_script_enabled=False)
    return context.new_page()


def test_sign_in_without_javascript(page, people):
    page.goto("/login")
    assert_language(page, "fr")
    page.fill("#identifier", "0612345678")  # people.trainee's phone
    page.fill("#password", PASSWORD)
    submit(page)
    assert path_of(page) == "/", page.url
    expect(page.locator(LOGOUT_BUTTON)).to_be_visible()
    page.locator('nav.menu a[href="/account"]').click()
    page.wait_for_url("**/account")
    expect(page.locator("#name_latin")).to_have_value(people.trainee.name_latin)

    with page.expect_navigation():
        page.locator(LOGOUT_BUTTON).click()
    expect(page.locator(LOGOUT_BUTTON)).to_have_count(0)


def test_wrong_password_without_javascript(page, people):
    page.goto("/login")
    page.fill("#identifier", "0612345678")
    page.fill("#password", "not the password")
    submit(page)
    assert path_of(page) == "/login"
    expect(page.locator("main .errors")).to_be_visible()  # server-side message, no script needed


def test_register_without_javascript(page):
    page.goto("/register?lang=ar")
    assert_language(page, "ar")
    page.fill("#name_latin", "Youssef Amellal")
    page.fill("#name_arabic", "يوسف أملال")
    page.fill("#phone", "0700112233")
    page.select_option("#audience", "farmer")
    page.fill("#commune", "Tafraout")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    shoot(page, "nojs-ar-register-filled")
    submit(page)
    assert path_of(page) == "/login", page.url  # "your account is ready, sign in"
    assert_language(page, "ar")
    expect(page.locator(".flash-success")).to_be_visible()
    page.fill("#identifier", "07 00 11 22 33")
    page.fill("#password", PASSWORD)
    submit(page)
    page.goto("/account")
    assert_language(page, "ar")
    expect(page.locator("#phone")).to_have_value("+212700112233")
    expect(page.locator("#locale")).to_have_value("ar")
    expect(page.locator(LOGOUT_BUTTON)).to_be_visible()


def test_register_errors_without_javascript(page):
    """The form is `novalidate`: the server answers, and the typed values come back."""
    page.goto("/register")
    page.fill("#name_latin", "Hassan Id Belaid")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD + "x")
    submit(page)
    assert path_of(page) == "/register"
    expect(page.locator("main .errors")).to_be_visible()
    expect(page.locator("#name_latin")).to_have_value("Hassan Id Belaid")
    expect(page.locator("#confirm")).to_have_attribute("aria-invalid", "true")
