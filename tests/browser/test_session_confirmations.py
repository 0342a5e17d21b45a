"""On a phone, without JavaScript, in each language: cancelling an enrolment and closing a session
ask first, a cancellation can be taken back, and a closed session looks finished (issue 7, §8)."""
import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect

from ecole.enrolment import services
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from ecole.sessions.models import CourseSession
from tests.browser.pages import LANGS, assert_language, shoot
from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.factories import PASSWORD, make_past_session, make_session

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(new_context):
    """new_phone() → a page on a 390×844 phone with JavaScript off (every step must work without it)."""
    return lambda: new_context(viewport=PHONE, java_script_enabled=False).new_page()


def readers_of(lang: str, *people) -> None:
    """Each person reads the application in `lang` (their profile's language wins over a cookie)."""
    for person in people:
        person.locale = lang
    db.session.commit()


def sign_in(page: Page, identifier: str, lang: str) -> None:
    page.goto(f"/login?lang={lang}")
    page.fill("#identifier", identifier)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()


def click(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


@pytest.fixture
def fits(new_context):
    """fits(page, what): the page, seen with the same cookies in a scripted twin, is no wider than the phone."""

    def check(page: Page, what: str) -> None:
        twin = new_context(viewport=PHONE, storage_state=page.context.storage_state()).new_page()
        twin.goto(page.url)  # only GET pages that change nothing are measured
        overflow = twin.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{what} is {overflow}px wider than the phone"

    return check


@pytest.mark.parametrize("lang", LANGS)
def test_cancel_asks_first_and_can_be_taken_back(phone, fits, people, catalogue, lang):  # noqa: F811
    readers_of(lang, people.trainee)
    session = make_session(people.trainer, capacity=3)
    enrolment = services.enrol(session, people.trainee, actor=people.trainee)
    db.session.commit()
    page = phone()
    sign_in(page, "0612345678", lang)
    page.goto("/me/training")
    assert_language(page, lang)
    click(page, f'main a[href="/enrolments/{enrolment.id}/cancel"]')
    expect(page.locator("main form button[type=submit]")).to_have_count(1)  # asks: nothing happened yet
    fits(page, f"cancel confirmation in {lang}")
    shoot(page, f"phone-cancel-confirm-{lang}")
    db.session.commit()  # a new transaction: see what the server wrote
    assert db.session.get(Enrolment, enrolment.id).status == "confirmed"

    click(page, "main form button[type=submit].primary")
    expect(page.locator("main article.undo")).to_have_count(1)
    shoot(page, f"phone-cancel-undo-{lang}")
    db.session.commit()  # a new transaction: see what the server wrote
    assert db.session.get(Enrolment, enrolment.id).status == "cancelled"

    click(page, "main article.undo button[type=submit]")
    db.session.commit()  # a new transaction: see what the server wrote
    assert db.session.get(Enrolment, enrolment.id).status == "confirmed"
    expect(page.locator(f'main a[href="/enrolments/{enrolment.id}/cancel"]')).to_have_count(1)
    shoot(page, f"phone-cancel-restored-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_closing_a_session_asks_first_and_trainees_see_it_finished(phone, fits, people, catalogue, lang):  # noqa: F811
    readers_of(lang, people.trainee, people.trainer)
    future = make_session(people.trainer, commune="Tafraout", days_ahead=120)
    past, enrolment = make_past_session(people.trainer, people.trainee)
    trainer = phone()
    sign_in(trainer, "trainer@example.org", lang)

    # Months before its only meeting: the page says why it cannot be closed, and offers no button.
    trainer.goto(f"/sessions/{future.id}/manage")
    click(trainer, f'main a[href="/sessions/{future.id}/complete"]')
    assert_language(trainer, lang)
    expect(trainer.locator("main .flash-error")).to_be_visible()
    expect(trainer.locator("main button[type=submit]")).to_have_count(0)
    shoot(trainer, f"phone-close-refused-{lang}")

    trainer.goto(f"/sessions/{past.id}/manage")
    click(trainer, f'main a[href="/sessions/{past.id}/complete"]')
    fits(trainer, f"close confirmation in {lang}")
    shoot(trainer, f"phone-close-confirm-{lang}")
    db.session.commit()  # a new transaction: see what the server wrote
    assert db.session.get(CourseSession, past.id).status == "published"  # asking changes nothing
    click(trainer, "main form button[type=submit].primary")
    db.session.commit()  # a new transaction: see what the server wrote
    assert db.session.get(CourseSession, past.id).status == "completed"

    trainee = phone()
    sign_in(trainee, "0612345678", lang)
    trainee.goto("/me/training")
    expect(trainee.locator(f'a[href="/enrolments/{enrolment.id}/cancel"]')).to_have_count(0)
    expect(trainee.locator("main article.card")).to_have_count(0)  # no longer a current enrolment
    shoot(trainee, f"phone-closed-my-training-{lang}")
    trainee.goto(f"/sessions/{past.id}")
    expect(trainee.locator(f'form[action="/sessions/{past.id}/enrol"]')).to_have_count(0)
    with force_locale(lang):
        seats = gettext("Places")
    expect(trainee.locator("main dl.facts")).not_to_contain_text(seats)  # no free seats on a finished session
    shoot(trainee, f"phone-closed-session-{lang}")
