"""Administration pages as a new administrator finds them: a menu that reaches every administration
page, slips in the person's language, catalogue titles in the reader's language, clear messages."""
import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from ecole.catalogue.models import Course, CourseText
from ecole.extensions import db
from tests.factories import make_user
from tests.helpers import submit
from tests.routes import ROUTES, world_for

ADMIN_MENU = ["/admin/users", "/admin/enrolments", "/calls", "/admin/courses", "/admin/themes", "/admin/certificates",
              "/admin/programmes", "/admin/audit"]
# Every page an administrator opens from the administration menu, and the pages it leads to.
ADMIN_PAGES = sorted(endpoint for endpoint, methods in ROUTES.items() if "GET" in methods and methods["GET"].crawl
                     and (endpoint.startswith("admin.") or endpoint in ("decisions.queue", "notifications.calls",
                                                                         "certificates.register", "certificates.manage",
                                                                         "reports.programmes", "reports.programme",
                                                                         "reports.people", "privacy.erase")))


def subnav_links(body: str) -> list[str]:
    nav = re.search(r'<nav class="subnav"[^>]*>(.*?)</nav>', body, re.S)
    assert nav, "no administration menu"
    return re.findall(r'href="([^"]+)"', nav.group(1))


@pytest.mark.parametrize("endpoint", ADMIN_PAGES)
def test_every_administration_page_has_the_whole_administration_menu(as_role, people, endpoint):
    url = ROUTES[endpoint]["GET"].url(world_for(people))
    response = as_role("admin").get(url, follow_redirects=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert subnav_links(body) == ADMIN_MENU
    assert body.count('aria-current="page"') <= 2  # at most the main menu's and the administration menu's


def test_trainers_see_the_queue_and_calls_without_the_administration_menu(as_role, people):
    trainer = as_role("trainer")
    for url in ("/admin/enrolments", "/calls"):
        body = trainer.get(url).get_data(as_text=True)
        assert 'class="subnav"' not in body and "/admin/users" not in body


# --- the one-time-code slip ----------------------------------------------------------------------

def slip_of(body: str) -> tuple[str, str]:
    """(attributes, inner HTML) of the slip."""
    match = re.search(r'<section class="card slip"([^>]*)>(.*?)</section>', body, re.S)
    assert match, "no slip"
    return match.group(1), match.group(2)


def translated(lang: str, message: str, **values) -> str:
    with force_locale(lang):
        return _(message, **values)


@pytest.mark.parametrize("staff_lang, person_lang", [("fr", "ar"), ("fr", "zgh"), ("ar", "fr"), ("zgh", "ar")])
def test_the_slip_of_a_new_person_is_in_their_language(as_role, people, staff_lang, person_lang):
    response = submit(as_role("trainer"), f"/people/new?lang={staff_lang}",
                      {"name_latin": "Lahcen Ait Baha", "name_arabic": "لحسن آيت باها", "phone": "0655443322",
                       "audience": "farmer", "locale": person_lang})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    attributes, slip = slip_of(body)
    assert f'lang="{person_lang}" dir="{"rtl" if person_lang == "ar" else "ltr"}"' in attributes
    assert translated(person_lang, "Code à usage unique") in slip
    assert translated(person_lang, "Identifiant") in slip
    assert (person_lang == "ar") == ("لحسن آيت باها" in slip)  # the name in the person's script
    # The page around the slip stays in the staff member's language.
    assert f'<html lang="{staff_lang}"' in body
    assert f"<h1>{translated(staff_lang, 'Personne inscrite')}</h1>" in body
    if staff_lang != person_lang:
        assert translated(person_lang, "Code à usage unique") not in body.replace(slip, "")


@pytest.mark.parametrize("person_lang", ["fr", "ar", "zgh"])
def test_the_new_code_an_administrator_prints_is_in_the_persons_language(as_role, people, person_lang):
    person = make_user("trainee", name="Itto Oubaha", phone="0677665544", email=None, locale=person_lang)
    response = submit(as_role("admin"), f"/admin/users/{person.id}/code", form_url=f"/admin/users/{person.id}?lang=fr")
    assert response.status_code == 200
    attributes, slip = slip_of(response.get_data(as_text=True))
    assert f'lang="{person_lang}"' in attributes
    assert translated(person_lang, "Code à usage unique") in slip
    assert re.search(r'class="code" dir="ltr">\d{8}<', slip)
    assert '<html lang="fr"' in response.get_data(as_text=True)


# --- catalogue titles in the reader's language ----------------------------------------------------

def checkbox_labels(body: str, name: str) -> dict[str, str]:
    return dict(re.findall(rf'name="{name}" type="checkbox" value="([^"]+)"[^>]*> <label[^>]*>([^<]*)</label>', body))


def option_labels(body: str, name: str) -> dict[str, str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', body, re.S).group(1)
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select))


@pytest.fixture
def one_language_course(catalogue):
    """A course whose only title is in Tamazight: shown in Tamazight whatever the reader asks."""
    from ecole.catalogue.services import course_to_data, save_course

    data = course_to_data(db.session.scalar(db.select(Course).where(Course.slug == "draft-course")))
    data.slug, data.titles = "tamazight-only", {"zgh": "ⵜⴰⵏⴰⵍⵜ"}
    save_course(None, data, actor=None)
    db.session.commit()


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
@pytest.mark.parametrize("url", ["/admin/courses/new", "/admin/courses/argan-coop/edit"])
def test_course_editor_shows_prerequisites_and_themes_in_the_readers_language(as_role, people, one_language_course,
                                                                              lang, url):
    admin = as_role("admin")
    body = admin.get(f"{url}?lang={lang}").get_data(as_text=True)
    expected = {}
    for course in db.session.scalars(db.select(Course).where(Course.slug != "argan-coop")):
        texts = {row.locale: row.title for row in db.session.scalars(
            db.select(CourseText).where(CourseText.course_id == course.id))}
        expected[course.slug] = texts.get(lang) or texts.get("fr") or next(iter(texts.values()))
    labels = checkbox_labels(body, "prerequisites")
    if "argan-coop" not in url:
        expected["argan-coop"] = {"fr": "Gérer une coopérative d’argan", "zgh": "Gérer une coopérative d’argan",
                                  "ar": "تدبير تعاونية للأركان"}[lang]
    assert labels == expected
    assert labels["saffron-basics"] == {"fr": "Le safran de Taliouine, de la plantation à la vente",
                                        "ar": "زعفران تالوين من الغرس إلى البيع", "zgh": "ⴰⵣⵄⴼⵔⴰⵏ ⵏ ⵜⴰⵍⵉⵡⵉⵏ"}[lang]
    assert labels["tamazight-only"] == "ⵜⴰⵏⴰⵍⵜ"
    themes = option_labels(body, "theme")
    assert themes["farming_water"] == {"fr": "Agriculture familiale et eau", "ar": "الفلاحة العائلية والماء",
                                       "zgh": "ⵜⴰⴼⵍⵍⴰⵃⵜ ⵜⴰⵡⵊⴰⵏⵜ ⴷ ⵓⵎⴰⵏ"}[lang]


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_themes_page_titles_each_theme_in_the_readers_language(as_role, people, lang):
    from ecole.catalogue.services import create_theme

    create_theme("water_boards", {"fr": "Comités de l’eau"}, actor=people.admin)
    db.session.commit()
    body = as_role("admin").get(f"/admin/themes?lang={lang}").get_data(as_text=True)
    rows = {code: cells for code, cells in re.findall(r'<td dir="ltr">([a-z_]+)</td>\s*<td>(.*?)</td>', body, re.S)}
    title = {"fr": "Agriculture familiale et eau", "ar": "الفلاحة العائلية والماء", "zgh": "ⵜⴰⴼⵍⵍⴰⵃⵜ ⵜⴰⵡⵊⴰⵏⵜ ⴷ ⵓⵎⴰⵏ"}[lang]
    assert rows["farming_water"] == f'<span lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">{title}</span>'
    # Without a title in the reader's language: the French one, saying it is French.
    if lang == "fr":
        assert rows["water_boards"].startswith('<span lang="fr" dir="ltr">Comités de l’eau</span>')
    else:
        assert rows["water_boards"] == ('<span lang="fr" dir="ltr">Comités de l’eau</span> '
                                        '<small class="tag" lang="fr">Français</small>')


# --- a course without an audience -------------------------------------------------------------------

NEW = {
    "slug": "eau-potable-douar", "theme": "farming_water", "format": "field", "level": "introductory",
    "duration_hours": "8", "audiences": ["farmer"], "instruction_languages": ["ar"],
    "title_fr": "L’eau potable du douar",
}


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
@pytest.mark.parametrize("field, message", [
    ("audiences", "Choisissez au moins un public."),
    ("instruction_languages", "Choisissez au moins une langue d’enseignement."),
])
@pytest.mark.parametrize("url", ["/admin/courses/new", "/admin/courses/saffron-basics/edit"])
def test_a_course_without_audience_or_language_names_the_rule(as_role, people, catalogue, lang, field, message, url):
    data = {**NEW, "action": "save"} if url.endswith("new") else {"action": "save"}
    data[field] = []
    response = submit(as_role("admin"), f"{url}?lang={lang}", data, form_url=f"{url}?lang={lang}")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    expected = translated(lang, message)
    assert lang == "fr" or expected != message
    assert expected in body and "—" not in body.split('class="errors"')[1].split("</div>")[0]
    assert body.count(expected) == 2  # in the summary at the top, and in the group of checkboxes
    assert translated(lang, "Publics invalides : %(value)s", value="").strip(" :") not in body
    assert db.session.scalar(db.select(Course).where(Course.slug == "eau-potable-douar")) is None
    db.session.expire_all()
    saffron = db.session.scalar(db.select(Course).where(Course.slug == "saffron-basics"))
    assert saffron.audiences == ["cooperative_member", "farmer"] and saffron.instruction_languages == ["ar", "zgh"]


def test_an_unknown_audience_in_a_course_file_is_still_named(app):
    from ecole.catalogue.data import CourseData
    from ecole.catalogue.loader import check_course

    data = CourseData(slug="x", theme="t", format="field", level="introductory", duration_hours=2,
                      audiences=("astronauts",), instruction_languages=("fr",), prerequisites=(), published=False,
                      titles={"fr": "X"}, summaries={}, descriptions={}, objectives={})
    problems = dict(check_course(data, themes={"t"}, known_slugs=set()))
    assert problems["audiences"] == "Publics invalides : astronauts"
