"""Certificates on a phone: the public verification page in each language (right to left in Arabic,
no sideways scrolling, a few kilobytes), a trainee's "Mes certificats", and the session's certificates
page where an administrator issues them."""
import pytest
from playwright.sync_api import Page, expect

from ecole.accounts import services as accounts
from ecole.certificates import services
from ecole.extensions import db
from tests.browser.pages import DIRECTION, LANGS, shoot
from tests.catalogue.conftest import load_fixture_catalogue
from tests.factories import PASSWORD, make_user, make_validated_session

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def issued(people):
    load_fixture_catalogue()
    holder = make_user("trainee", name="Fatima Aït Ali", email="fatima@example.org")
    accounts.update_profile(holder, {"name_arabic": "فاطمة آيت علي"}, actor=people.admin)
    other = make_user("trainee", name="Brahim Oubella", email="brahim@example.org")
    course_session, (mine, theirs) = make_validated_session(people.trainer, [holder, other])
    certificate = services.issue(mine, actor=people.admin)
    db.session.commit()
    return course_session, certificate, theirs


def sideways(page: Page) -> int:
    return page.eval_on_selector("html", "el => el.scrollWidth - el.clientWidth")


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#identifier", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()
    assert "/login" not in page.url, f"{email} could not sign in"


@pytest.mark.parametrize("lang", LANGS)
def test_the_verification_page_reads_on_a_phone(new_context, issued, lang):
    _course_session, certificate, _theirs = issued
    page = new_context(viewport=PHONE).new_page()
    sizes = []
    page.on("response", lambda response: sizes.append(len(response.body()) if response.ok else 0))
    page.goto(f"/verify/{certificate.code}?lang={lang}")
    expect(page.locator("html")).to_have_attribute("dir", DIRECTION[lang])
    expect(page.locator("dd.code")).to_have_text(certificate.code)
    expect(page.locator(".status.valid")).to_be_visible()
    expect(page.locator("main")).to_contain_text("فاطمة آيت علي")
    assert sideways(page) <= 0, "the verification page scrolls sideways"
    assert sum(sizes) <= 15 * 1024, sizes
    shoot(page, f"certificate-verify-{lang}")


def test_a_trainee_keeps_their_certificate_and_an_administrator_issues_the_others(new_context, issued, people):
    course_session, certificate, theirs = issued
    trainee = new_context(viewport=PHONE).new_page()
    sign_in(trainee, "fatima@example.org")
    trainee.goto("/me/certificates?lang=ar")
    expect(trainee.locator("main a[download]")).to_have_attribute("href", f"/verify/{certificate.code}.pdf")
    expect(trainee.locator("main")).to_contain_text(f"/verify/{certificate.code}")
    assert sideways(trainee) <= 0
    shoot(trainee, "certificate-mine-ar")

    admin = new_context(viewport=PHONE).new_page()
    sign_in(admin, people.admin.email)
    admin.goto(f"/sessions/{course_session.id}/certificates?lang=fr")
    expect(admin.locator("main")).to_contain_text(certificate.code)
    with admin.expect_navigation():
        admin.get_by_role("button", name="Délivrer 1 certificat").click()
    expect(admin.locator(".flash")).to_be_visible()
    db.session.rollback()
    assert services.valid_certificate(theirs.id) is not None
    assert sideways(admin) <= 0
    shoot(admin, "certificate-session-fr")
