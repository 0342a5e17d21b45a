"""A trainer takes a meeting's register on a 390 × 844 phone, in French, Arabic (right to left) and
Tamazight: everyone present, then one absent, saved without reloading the page, then the register
locked. Without JavaScript the same screen is a plain form."""
import pytest
from playwright.sync_api import Page, expect

from ecole.attendance.models import AttendanceMark, Register
from ecole.extensions import db
from tests.browser.pages import LANGS, assert_fonts_render, assert_language, shoot
from tests.browser.test_homes import sign_in
from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.factories import make_held_session, make_user

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def meeting(people, catalogue):  # noqa: F811
    names = [("Aicha Ait Ali", "عائشة آيت علي"), ("Brahim Oubella", "ابراهيم أوبلا"), ("Fadma Id Bella", "فاضمة إد بلا"),
             ("Lahcen Amzil", "لحسن أمزيل"), ("Mina Boutaleb", "مينة بوطالب")]
    trainees = [make_user("trainee", name=latin, name_arabic=arabic, email=f"t{n}@example.org", phone=f"06610000{n:02d}")
                for n, (latin, arabic) in enumerate(names)]
    course_session, enrolments = make_held_session(people.trainer, trainees, meetings=((1, 9, 12),))
    return course_session.meetings[0], enrolments


def marks():
    db.session.rollback()  # end the test's read snapshot: see what the server committed
    return {m.enrolment_id: m.status for m in db.session.scalars(db.select(AttendanceMark))}


@pytest.mark.parametrize("lang", LANGS)
def test_a_trainer_marks_a_meeting_on_a_phone(new_context, people, meeting, lang):
    the_meeting, enrolments = meeting
    page: Page = new_context(viewport=PHONE).new_page()
    sign_in(page, people.trainer, lang)
    page.goto(f"/meetings/{the_meeting.id}/register")
    assert_language(page, lang)
    assert_fonts_render(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the register is {overflow}px wider than the phone in {lang}"
    box = page.locator("label.mark").first.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 60, box  # a thumb's target
    url = page.url

    page.locator("[data-all-present]").click()
    status = page.locator("[data-status]")
    expect(status).not_to_be_empty()
    expect(page.locator("#register-counts")).to_contain_text("5")
    assert page.url == url  # saved without leaving the page
    page.wait_for_function("() => !document.querySelector('[data-status]').textContent.includes('…')")
    assert set(marks().values()) == {"present"} and len(marks()) == 5, status.text_content()

    absent = enrolments[1]
    page.locator(f'label.mark-absent:has(input[name="mark-{absent.id}"])').click()
    expect(page.locator(f'input[name="mark-{absent.id}"][value="absent"]')).to_be_checked()
    page.locator("button.primary[value=save]").click()
    page.wait_for_function("() => !document.querySelector('[data-status]').textContent.includes('…')")
    expect(status).not_to_have_class("register-status error")
    assert marks()[absent.id] == "absent" and sorted(marks().values()).count("present") == 4
    shoot(page, f"register-{lang}")

    with page.expect_navigation():
        page.locator(f'form[action="/meetings/{the_meeting.id}/register/lock"] button').click()
    expect(page.locator("fieldset.marks input[type=radio]").first).to_be_disabled()
    db.session.rollback()
    assert db.session.scalar(db.select(Register)).is_locked
    shoot(page, f"register-{lang}-locked")


def test_the_register_works_as_a_plain_form_without_javascript(new_context, people, meeting):
    the_meeting, enrolments = meeting
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    sign_in(page, people.trainer, "fr")
    page.goto(f"/meetings/{the_meeting.id}/register")
    with page.expect_navigation():
        page.locator("[data-all-present]").click()
    assert len(marks()) == 5
    page.locator(f'label.mark-late:has(input[name="mark-{enrolments[0].id}"])').click()
    with page.expect_navigation():
        page.locator("button.primary[value=save]").click()
    expect(page.locator("main .flash-success")).to_be_visible()
    assert marks()[enrolments[0].id] == "late"
