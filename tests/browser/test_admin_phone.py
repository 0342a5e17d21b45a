"""Administration on a 390×844 phone in each language: menus that leave the screen to the page, a
code slip that holds a long name, and the audit log without sideways scrolling."""
import pytest
from playwright.sync_api import Page, expect

from ecole.accounts import services as accounts
from ecole.extensions import db
from tests.browser.pages import DIRECTION, LANGS, assert_language, shoot
from tests.factories import PASSWORD, make_user

PHONE = {"width": 390, "height": 844}
# One word of 90 letters, as a name typed without spaces or pasted from a list.
LONG_NAME = "Tagmoutzaouiatsidiabdellahouhmadtaznakhtibenomaraitouaddarhassanouboulahcenelfaqihtafraout"


@pytest.fixture
def admin_page(new_context, people) -> Page:
    page = new_context(viewport=PHONE).new_page()
    page.goto("/login")
    page.fill("#identifier", people.admin.email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()
    assert "/login" not in page.url, "the administrator could not sign in"
    return page


def overflow(page: Page, selector: str = "html") -> int:
    """How many pixels the element is wider than its box (0 when nothing sticks out)."""
    return page.eval_on_selector(selector, "el => el.scrollWidth - el.clientWidth")


@pytest.mark.parametrize("lang", LANGS)
def test_menus_take_little_of_a_phone_screen_and_reach_every_page(admin_page: Page, lang):
    page = admin_page
    page.goto(f"/admin/users?lang={lang}")
    assert_language(page, lang)
    menu, subnav = page.locator("nav.menu"), page.locator("nav.subnav")
    # The header, the main menu and the administration menu end in the top third of the screen (they
    # took half of it when they wrapped).
    assert subnav.bounding_box()["y"] + subnav.bounding_box()["height"] <= PHONE["height"] / 3, subnav.bounding_box()
    for nav in (menu, subnav):
        assert nav.evaluate("el => getComputedStyle(el).flexWrap") == "nowrap"
        box = nav.bounding_box()
        assert box["height"] <= 64, box  # one line
    assert overflow(page) <= 0, "the page scrolls sideways"
    # The strip starts where reading starts: on the right in Arabic.
    first = menu.locator("a").first.bounding_box()
    if DIRECTION[lang] == "rtl":
        assert first["x"] + first["width"] >= PHONE["width"] - 40, first
    else:
        assert first["x"] <= 40, first
    shoot(page, f"admin-menu-{lang}")
    # The last link of each strip (the audit log) is reached by scrolling the strip, without JavaScript.
    last = subnav.locator("a").last
    expect(last).to_have_attribute("href", "/admin/audit")
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], box
    expect(subnav.locator('a[href="/admin/enrolments"]')).to_have_count(1)
    expect(subnav.locator('a[href="/calls"]')).to_have_count(1)
    shoot(page, f"admin-menu-{lang}-scrolled")


@pytest.mark.parametrize("lang", LANGS)
def test_a_long_name_wraps_inside_the_slip(admin_page: Page, people, lang):
    page = admin_page
    page.goto(f"/people/new?lang={lang}")
    page.fill("#name_latin", LONG_NAME)
    page.fill("#email", f"{LONG_NAME.lower()}@example.org")
    page.select_option("#locale", lang)
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()
    slip = page.locator("section.slip")
    expect(slip).to_have_attribute("lang", lang)
    expect(slip).to_have_attribute("dir", DIRECTION[lang])
    expect(slip).to_contain_text(LONG_NAME)
    box = slip.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert overflow(page, "section.slip") <= 0, "the name overflows the slip"
    assert overflow(page) <= 0, "the page scrolls sideways"
    shoot(page, f"code-slip-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_the_audit_log_reads_on_a_phone(admin_page: Page, people, lang):
    db.session.commit()  # end this test's read snapshot, older than the server's sign-in (SQLite)
    person = make_user("trainee", name=LONG_NAME, email="long@example.org")
    accounts.set_roles(person, {"trainee", "trainer"}, actor=people.admin)
    accounts.update_profile(person, {"name_arabic": "لحسن آيت باها", "commune": "Tafraout"}, actor=people.admin)
    db.session.commit()
    page = admin_page
    page.goto(f"/admin/audit?lang={lang}")
    assert_language(page, lang)
    expect(page.locator("ol.audit > li")).to_have_count(2)
    assert overflow(page) <= 0, "the audit log scrolls sideways"
    shoot(page, f"audit-{lang}")
