"""The report's pages: the dashboard for each role (small cells hidden for trainers, names for
administrators only), SVG charts that read right in each language, the programme's administration,
CSV tables and exports made by a job, each export of names in the audit log."""
import re
import xml.etree.ElementTree as ElementTree
from datetime import date

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from ecole.core.audit import AuditEntry
from ecole.extensions import db
from ecole.reports import services
from ecole.reports.charts import WIDTH
from ecole.reports.models import Programme, ReportExport
from tests.factories import make_user, make_validated_session
from tests.helpers import post, submit

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def programme(app_context, people, catalogue):
    """A programme of one validated session: six women, one man and one person whose sex is not known,
    trained, all completed."""
    trainees = [make_user("trainee", name=f"Stagiaire {n}", email=f"s{n}@example.org") for n in range(8)]
    for n, person in enumerate(trainees):
        person.gender = {6: "m", 7: None}.get(n, "f")
        person.birth_year = 1990
        person.commune = "Taliouine"
    db.session.commit()
    course_session, _enrolments = make_validated_session(people.trainer, trainees)
    made = services.create_programme(
        {"code": "PAFR-2026", "titles": {"fr": "Programme d’appui aux femmes rurales", "ar": "برنامج دعم النساء القرويات"},
         "funder": "Fondation Souss", "starts_on": date(2000, 1, 1), "ends_on": date(2100, 12, 31),
         "targets": {"trained": 16, "women_trained": 6}}, actor=people.admin)
    services.set_sessions(made, [course_session.id], actor=people.admin)
    db.session.commit()
    return made


def _cells(body: str, header: str) -> list[str]:
    row = re.search(rf"<th scope=\"row\"><bdi>{header}</bdi></th>(.*?)</tr>", body, re.S)
    assert row, header
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]


def test_an_administrator_sees_every_figure_and_the_names_behind_it(as_role, programme):
    admin = as_role("admin")
    body = admin.get(f"/reports?programme={programme.id}").get_data(as_text=True)
    assert "PAFR-2026" in body and "Fondation Souss" in body
    assert _cells(body, "Femme")[0] == "6" and _cells(body, "Homme")[0] == "1"
    assert "/reports/people?" in body
    names = admin.get(f"/reports/people?programme={programme.id}&indicator=trained&dimension=sex&value=m")
    assert names.status_code == 200 and "Stagiaire 6" in names.get_data(as_text=True)
    assert "Stagiaire 0" not in names.get_data(as_text=True)
    # Progress against the targets: 8 of 16 trained, 6 of 6 women.
    assert "50 %" in body and "100 %" in body


def test_a_trainer_sees_small_cells_hidden_and_no_names(as_role, programme):
    trainer = as_role("trainer")
    body = trainer.get(f"/reports?programme={programme.id}").get_data(as_text=True)
    assert _cells(body, "Femme")[0] == "6"
    assert _cells(body, "Homme")[0] == "&lt; 5"  # one man: hidden
    assert _cells(body, "Sexe non renseigné")[0] == "&lt; 5"  # (two hidden cells: neither can be worked out)
    assert "/reports/people" not in body and "Stagiaire" not in body
    assert trainer.get(f"/reports/people?programme={programme.id}").status_code == 403
    assert trainer.get(f"/reports/people.csv?programme={programme.id}").status_code == 403
    csv = trainer.get(f"/reports/sex.csv?programme={programme.id}").get_data(as_text=True)
    assert "< 5" in csv and "Stagiaire" not in csv
    assert as_role("trainee").get("/reports").status_code == 403


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_the_charts_are_valid_svg_in_the_pages_language_and_mirrored_in_arabic(as_role, programme, lang):
    body = as_role("admin").get(f"/reports?programme={programme.id}&lang={lang}").get_data(as_text=True)
    charts = re.findall(r"<svg .*?</svg>", body, re.S)
    assert len(charts) == 6  # progress, and one per disaggregation
    for chart in charts:
        root = ElementTree.fromstring(chart)
        assert root.get("role") == "img" and root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
        assert root.get("direction") == "ltr"  # its coordinates mean the same inside an Arabic page
        labels = [t for t in root.iter(f"{SVG}text") if t.get("class") == "label"]
        bars = [r for r in root.iter(f"{SVG}rect")]
        if lang == "ar":  # labels and bars start from the right edge
            assert {(t.get("x"), t.get("text-anchor")) for t in labels} == {(str(WIDTH), "end")}
            assert all(abs(float(r.get("x")) + float(r.get("width")) - WIDTH) < 0.2 for r in bars)
        else:
            assert {(t.get("x"), t.get("text-anchor")) for t in labels} == {("0", "start")}
            assert all(float(r.get("x")) == 0 for r in bars)
    with force_locale(lang):
        woman = _("Femme")
    assert any(f">{woman}</text>" in chart for chart in charts)  # the labels in the page's language
    assert f'lang="{lang}"' in body


def test_bad_filters_get_a_translated_error_and_no_figures(as_role, programme):
    admin = as_role("admin")
    for query in ("from=2026-13-40", "from=2026-05-01&to=2026-01-01", "programme=999999", "programme=abc",
                  "commune=Nowhere", "audience=emperor", "from=0001-01-01"):
        response = admin.get(f"/reports?{query}&lang=fr")
        assert response.status_code == 400, query
        assert 'class="errors"' in response.get_data(as_text=True), query


def test_an_export_is_made_by_a_job_audited_and_served_to_whoever_asked(as_role, people, programme):
    admin = as_role("admin")
    response = submit(admin, f"/reports/exports?programme={programme.id}", {"format": "xlsx"},
                      form_url=f"/reports?programme={programme.id}")
    assert response.status_code == 302
    made = db.session.scalar(db.select(ReportExport).order_by(ReportExport.id.desc()))
    assert made.with_names and made.format == "xlsx"
    status = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "/download" in status
    data = admin.get(f"/reports/exports/{made.id}/download")
    assert data.status_code == 200 and data.data[:2] == b"PK"
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "report.export"))
    assert entry is not None and entry.actor_id == people.admin.id
    assert as_role("trainer").get(f"/reports/exports/{made.id}").status_code == 403


def test_exports_need_a_token_and_a_known_format(as_role, programme):
    admin = as_role("admin")
    assert admin.post(f"/reports/exports?programme={programme.id}", data={"format": "xlsx"}).status_code == 400
    assert post(admin, f"/reports/exports?programme={programme.id}", {"format": "docx"}).status_code == 400
    assert db.session.scalar(db.select(db.func.count(ReportExport.id))) == 0


def test_a_programme_is_made_and_changed_through_its_form(as_role, people, programme):
    admin = as_role("admin")
    response = submit(admin, "/admin/programmes/new", {
        "code": "eau-2027", "title_fr": "Gestion de l’eau", "title_ar": "تدبير الماء", "funder": "Agence",
        "starts_on": "2027-01-01", "ends_on": "2027-12-31", "target_trained": "120"})
    assert response.status_code == 302
    made = db.session.scalar(db.select(Programme).where(Programme.code == "EAU-2027"))
    assert made.targets == {"trained": 120} and made.titles["ar"] == "تدبير الماء"
    # The same code twice, an end before the start, a negative target: refused, nothing changed.
    for data in ({"code": "PAFR-2026"}, {"ends_on": "2026-01-01"}, {"target_trained": "-3"}, {"code": "a b"}):
        refused = submit(admin, f"/admin/programmes/{made.id}", data)
        assert refused.status_code == 400, data
        assert 'class="errors"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Programme, made.id).code == "EAU-2027"
    actions = db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.action.like("programme.%"))).all()
    assert actions.count("programme.create") == 2


def _page_tables(body: str) -> dict[str, list[list[str]]]:
    """Each disaggregation table of the page: its rows as [label, trained, completed, rate, hours]."""
    tables = {}
    for dimension, table in re.findall(r'<h2 id="d-(\w+)">.*?<tbody>(.*?)</tbody>', body, re.S):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            rows.append([re.sub(r"<[^>]+>", "", cell).strip() for cell in cells])
        tables[dimension] = rows
    return tables


def _figure(text) -> str:
    """A figure as the page writes it (French: decimal comma, "< 5"), from a page, CSV or XLSX cell."""
    if text is None or text == "":
        return "—"
    if isinstance(text, (int, float)):
        text = f"{text:g}"
    text = str(text).replace("&lt;", "<").replace(" %", "").replace(",", ".").replace("\u202f", "")
    try:
        return f"{float(text):g}"
    except ValueError:
        return text


@pytest.mark.parametrize("role", ["admin", "trainer"])
def test_the_page_the_csv_and_the_workbook_show_the_same_figures(as_role, programme, role):
    """Every row of every disaggregation, as each role sees it, is the same in the page, the CSV of the
    table and the XLSX export (read back with openpyxl)."""
    import csv
    import io

    from openpyxl import load_workbook

    from ecole.reports.exports import SHEET_TITLES

    client = as_role(role)
    page = _page_tables(client.get(f"/reports?programme={programme.id}&lang=fr").get_data(as_text=True))
    assert set(page) == {"sex", "age", "commune", "audience", "disability"}
    done = submit(client, f"/reports/exports?programme={programme.id}", {"format": "xlsx"},
                  form_url=f"/reports?programme={programme.id}")
    made = db.session.scalar(db.select(ReportExport).order_by(ReportExport.id.desc()))
    assert done.status_code == 302 and made.with_names == (role == "admin")
    book = load_workbook(io.BytesIO(client.get(f"/reports/exports/{made.id}/download").data), read_only=True)
    for dimension, rows in page.items():
        shown = [[_figure(cell) for cell in row[1:]] for row in rows]
        labels = [row[0] for row in rows]
        text = client.get(f"/reports/{dimension}.csv?programme={programme.id}").get_data(as_text=True).lstrip("\ufeff")
        csv_rows = [r for r in csv.reader(io.StringIO(text), delimiter=";") if r][1:]
        assert [r[0] for r in csv_rows] == labels, dimension
        assert [[_figure(c) for c in r[1:]] for r in csv_rows] == shown, dimension
        sheet = book[str(SHEET_TITLES[dimension])]
        xlsx_rows = [list(r) for r in sheet.iter_rows(values_only=True) if any(c is not None for c in r)]
        xlsx_rows = [r for r in xlsx_rows if r[0] in labels]
        assert [r[0] for r in xlsx_rows] == labels, dimension
        assert [[_figure(c) for c in r[1:5]] for r in xlsx_rows] == shown, dimension


def test_two_administrators_at_once_make_one_programme_and_no_error(app, people, programme):
    from tests.enrolment.test_concurrency import run_together
    from tests.helpers import csrf_token, login

    clients = [app.test_client(), app.test_client()]
    for client in clients:
        login(client, people.admin)
    form = {"code": "DUO-2026", "title_fr": "Deux à la fois", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
            "sessions": [str(s.id) for s in programme.sessions]}
    data = [dict(form, csrf_token=csrf_token(client)) for client in clients]
    answers = run_together([lambda c=c, d=d: c.post("/admin/programmes/new", data=d) for c, d in zip(clients, data)])
    assert sorted(a.status_code for a in answers) == [302, 400], answers
    assert db.session.scalar(db.select(db.func.count(Programme.id)).where(Programme.code == "DUO-2026")) == 1
    # The same sessions set on one programme by two at once: both saved, the programme holds them once.
    made_id = db.session.scalar(db.select(Programme.id).where(Programme.code == "DUO-2026"))
    edit = dict(form, title_fr="Modifié")
    data = [dict(edit, csrf_token=csrf_token(client)) for client in clients]
    answers = run_together([lambda c=c, d=d: c.post(f"/admin/programmes/{made_id}", data=d)
                            for c, d in zip(clients, data)])
    assert [getattr(a, "status_code", a) for a in answers] == [302, 302]
    db.session.expire_all()
    assert len(db.session.get(Programme, made_id).sessions) == len(programme.sessions)

