"""The trainer's roster: page, CSV for spreadsheets, printable PDF, and who may see them."""
import csv
import io

import pytest

from ecole.enrolment import services
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from tests.factories import make_session, make_user
from tests.helpers import login, post
from tests.pdf import VENDORED_FONTS, needs_poppler, pdf_fonts, pdf_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")



@pytest.fixture
def roster(people, catalogue):
    """A published session of the trainer with four people, one of whom has a hostile name."""
    session = make_session(people.trainer, capacity=3)
    fatima = people.trainee  # "Fatima Aït Ali", +212612345678
    fatima.name_arabic, fatima.commune = "فاطمة آيت علي", "Taliouine"
    lahcen = make_user("trainee", name="Lahcen Ouhammou", name_arabic="لحسن أوحمو", phone="0712345678",
                       email=None, commune="Askaoun", locale="ar")
    hostile = make_user("trainee", name='=HYPERLINK("http://evil.example/","x")', phone="0698765432", email=None)
    late = make_user("trainee", name="Itto Waiting", name_arabic="إيطو", phone="0687654321", email=None)
    db.session.commit()
    enrolments = {person.id: services.enrol(session, person, actor=person) for person in (fatima, lahcen, hostile, late)}
    db.session.commit()
    assert [e.status for e in enrolments.values()] == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    return session, {"fatima": fatima, "lahcen": lahcen, "hostile": hostile, "late": late}, enrolments


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf"), response.data[:10]  # BOM: Excel reads UTF-8
    text = response.data.decode("utf-8")  # strict: the whole file is UTF-8
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def row_of(rows, needle) -> list[str]:
    found = [row for row in rows if any(needle in cell for cell in row)]
    assert len(found) == 1, (needle, rows)
    return found[0]


def test_roster_page_shows_names_and_phone_numbers(as_role, roster):
    session, who, _enrolments = roster
    body = as_role("trainer").get(f"/sessions/{session.id}/roster").get_data(as_text=True)
    for expected in ("Fatima Aït Ali", "فاطمة آيت علي", "Lahcen Ouhammou", "لحسن أوحمو", "Itto Waiting",
                     "+212612345678", "+212712345678", "+212698765432", "+212687654321", 'href="tel:+212612345678"'):
        assert expected in body, expected
    assert '=HYPERLINK("http' not in body  # escaped as text, never markup
    assert "=HYPERLINK(&#34;http://evil.example/&#34;,&#34;x&#34;)" in body or \
        "=HYPERLINK(&quot;http://evil.example/&quot;,&quot;x&quot;)" in body


def test_roster_csv_is_utf8_with_bom_semicolons_and_arabic_intact(as_role, roster):
    session, who, _enrolments = roster
    response = as_role("trainer").get(f"/sessions/{session.id}/roster.csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    header, body = rows[0], rows[1:]
    assert len(header) >= 5 and all(len(row) == len(header) for row in body), rows
    assert len(body) == 4  # confirmed people and the waitlisted one
    fatima = row_of(body, "Fatima Aït Ali")
    assert "فاطمة آيت علي" in fatima and "+212612345678" in fatima
    lahcen = row_of(body, "Lahcen Ouhammou")
    assert "لحسن أوحمو" in lahcen and "+212712345678" in lahcen and "Askaoun" in lahcen
    assert row_of(body, "إيطو")[0] == "Itto Waiting"


def test_roster_csv_keeps_moroccan_phone_numbers_as_they_are(as_role, roster):
    session, who, _enrolments = roster
    rows = read_csv(as_role("trainer").get(f"/sessions/{session.id}/roster.csv"))[1:]
    phones = {cell for row in rows for cell in row if cell.lstrip("'").startswith("+212")}
    assert phones == {"+212612345678", "+212712345678", "+212698765432", "+212687654321"}, phones


def test_roster_csv_neutralises_a_formula_in_a_name(as_role, roster):
    session, who, _enrolments = roster
    rows = read_csv(as_role("trainer").get(f"/sessions/{session.id}/roster.csv"))[1:]
    cell = row_of(rows, "HYPERLINK")[0]
    assert not cell.startswith(FORMULA_STARTS), cell
    assert cell.endswith('=HYPERLINK("http://evil.example/","x")')  # the name itself is kept, as text
    for row in rows:
        for value in row:
            assert not value.startswith(FORMULA_STARTS) or value in {
                "+212612345678", "+212712345678", "+212698765432", "+212687654321"}, value


@pytest.mark.parametrize("field,value", [
    ("name_latin", "-2+3+cmd|' /C calc'!A0"),
    ("name_latin", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("commune", "+cmd|' /C calc'!A0"),
    ("name_arabic", "=1+1"),
    # A free-text field that merely begins like a Moroccan number is still a formula to a spreadsheet.
    ("name_latin", "+212+cmd|' /C calc'!A0"),
    ("commune", "+2126+HYPERLINK(\"http://evil.example/\",\"x\")"),
])
def test_roster_csv_neutralises_formulas_in_every_free_text_field(as_role, people, catalogue, field, value):
    session = make_session(people.trainer)
    person = make_user("trainee", name="Hostile Person", phone="0655443322", email=None, **{field: value})
    services.enrol(session, person, actor=person)
    db.session.commit()
    rows = read_csv(as_role("trainer").get(f"/sessions/{session.id}/roster.csv"))[1:]
    cells = [cell for row in rows for cell in row if value in cell]
    assert cells, (value, rows)
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS), (field, cell)






@needs_poppler
@pytest.mark.parametrize("lang,title", [("fr", "Le safran de Taliouine, de la plantation à la vente"),
                                        ("ar", "زعفران تالوين من الغرس إلى البيع")])
def test_roster_pdf_has_latin_and_arabic_names_in_logical_order(as_role, roster, tmp_path, lang, title):
    session, who, _enrolments = roster
    response = as_role("trainer").get(f"/sessions/{session.id}/roster.pdf?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data, tmp_path)
    for expected in (title, "Fatima Aït Ali", "فاطمة آيت علي", "Lahcen Ouhammou", "لحسن أوحمو", "+212612345678"):
        assert expected in text, (expected, text[:1500])
    assert "Itto Waiting" not in text  # the sign-in sheet lists the people with a seat only
    fonts = set(pdf_fonts(response.data, tmp_path))
    assert fonts and fonts <= VENDORED_FONTS, fonts
    assert "Ecole-Naskh" in fonts or "Ecole-Naskh-Bold" in fonts  # Arabic names in the Arabic font


@pytest.mark.parametrize("suffix", ["/roster", "/roster.csv", "/roster.pdf", "/manage", "/events", "/edit"])
def test_another_trainer_gets_403_on_a_session_they_do_not_teach(app, roster, other_trainer, suffix):
    session, _who, _enrolments = roster
    browser = app.test_client()
    login(browser, other_trainer)
    response = browser.get(f"/sessions/{session.id}{suffix}")
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "Fatima" not in body and "+212612345678" not in body


def test_another_trainer_cannot_act_on_a_session_they_do_not_teach(app, roster, other_trainer):
    session, who, enrolments = roster
    browser = app.test_client()
    login(browser, other_trainer)
    assert post(browser, f"/sessions/{session.id}/walk-in", {"identifier": "other@example.org"}).status_code == 403
    assert post(browser, f"/sessions/{session.id}/cancel", {"reason": "Non"}).status_code == 403
    target = enrolments[who["fatima"].id]
    assert post(browser, f"/enrolments/{target.id}/cancel", {"reason": "Non"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Enrolment, target.id).status == "confirmed"


def test_admin_and_the_sessions_trainer_see_the_roster(as_role, roster):
    session, _who, _enrolments = roster
    for role in ("trainer", "admin"):
        assert as_role(role).get(f"/sessions/{session.id}/roster").status_code == 200
    assert as_role("trainee").get(f"/sessions/{session.id}/roster").status_code == 403
    assert as_role("anonymous").get(f"/sessions/{session.id}/roster.csv").status_code in (302, 401)


def test_a_trainee_cannot_touch_someone_elses_enrolment(app, roster):
    session, who, enrolments = roster
    browser = app.test_client()
    login(browser, who["lahcen"])
    theirs = enrolments[who["fatima"].id]
    assert post(browser, f"/enrolments/{theirs.id}/cancel").status_code == 404
    assert post(browser, f"/enrolments/{theirs.id}/accept").status_code == 404
    db.session.expire_all()
    assert db.session.get(Enrolment, theirs.id).status == "confirmed"
    mine = enrolments[who["lahcen"].id]
    assert post(browser, f"/enrolments/{mine.id}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, mine.id).status == "cancelled"
