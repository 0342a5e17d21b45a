"""The funders' report on a phone, in each language: the figures, the SVG charts drawn on the server
(mirrored in Arabic: bars start from the right), no sideways scrolling of the page, an export asked for
and downloaded; and what a trainer sees (small cells hidden, no names)."""
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from ecole.extensions import db
from ecole.reports import services
from tests.browser.pages import DIRECTION, LANGS, shoot
from tests.browser.test_certificates import PHONE, sideways, sign_in
from tests.catalogue.conftest import load_fixture_catalogue
from tests.factories import make_user, make_validated_session


@pytest.fixture
def programme(people):
    load_fixture_catalogue()
    trainees = [make_user("trainee", name=f"Stagiaire {n}", email=f"r{n}@example.org") for n in range(9)]
    for n, person in enumerate(trainees):
        person.gender, person.birth_year = ("m" if n % 3 == 0 else "f"), 1970 + 4 * n
        person.commune = ["Taliouine", "Askaoun", "Tafraout"][n % 3]
        person.audience = ["farmer", "cooperative_member", "youth"][n % 3]
    db.session.commit()
    course_session, _enrolments = make_validated_session(people.trainer, trainees, absent=trainees[-2:])
    made = services.create_programme(
        {"code": "PAFR-2026", "titles": {"fr": "Appui aux femmes rurales", "ar": "دعم النساء القرويات",
                                         "zgh": "ⵜⵉⵡⵉⵙⵉ ⵉ ⵜⵎⵖⴰⵔⵉⵏ"},
         "funder": "Fondation Souss", "starts_on": date(2000, 1, 1), "ends_on": date(2100, 12, 31),
         "targets": {"trained": 10, "women_trained": 6, "completed": 8}}, actor=people.admin)
    services.set_sessions(made, [course_session.id], actor=people.admin)
    db.session.commit()
    return made


def chart_bars_start_from(page: Page) -> set[str]:
    """Which edge of its chart each bar starts from ("left" or "right"), as drawn on the screen."""
    return set(page.eval_on_selector_all("svg.chart rect", """rects => rects.map(r => {
        const chart = r.ownerSVGElement.getBoundingClientRect(), bar = r.getBoundingClientRect();
        return Math.abs(bar.left - chart.left) < Math.abs(chart.right - bar.right) ? "left" : "right"; })"""))


@pytest.mark.parametrize("lang", LANGS)
def test_an_administrator_reads_the_report_on_a_phone(new_context, programme, people, lang):
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, people.admin.email)
    page.goto(f"/reports?programme={programme.id}&lang={lang}")
    expect(page.locator("html")).to_have_attribute("dir", DIRECTION[lang])
    expect(page.locator("dl.figures")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(6)
    assert chart_bars_start_from(page) == {"right" if lang == "ar" else "left"}
    # Charts fit the phone's width (the tables scroll inside their own box).
    widths = page.eval_on_selector_all("svg.chart", "svgs => svgs.map(s => s.getBoundingClientRect().width)")
    assert max(widths) <= PHONE["width"], widths
    assert sideways(page) <= 0, "the report scrolls sideways"
    shoot(page, f"report-dashboard-{lang}")
    with page.expect_navigation():
        page.locator("form[action*='/reports/exports'] button").click()
    expect(page.locator("a[href$='/download']")).to_be_visible()
    shoot(page, f"report-export-{lang}")


def test_a_trainer_sees_small_cells_hidden_and_no_names(new_context, programme, people):
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, people.trainer.email)
    page.goto(f"/reports?programme={programme.id}&lang=fr")
    expect(page.locator(".hidden-cell").first).to_be_visible()
    expect(page.locator("a[href*='/reports/people']")).to_have_count(0)
    assert sideways(page) <= 0
    shoot(page, "report-dashboard-trainer-fr")
