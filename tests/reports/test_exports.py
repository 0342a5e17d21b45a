"""The report as files: the workbook read back with openpyxl, the CSV tables, the PDF read back with
poppler, the `report` command and the export job, each compared figure by figure with the report they
were made from (every table, every row), in French and in Arabic, with and without hidden cells.

The school: programme PAFR-2026 holds sessions A and B, validated, their meetings 3, 2 and 1 days
ago (2 h each); session C is outside the programme. A: six women of Taliouine and two men, all present,
plus Said who never came; B: Fatima again, Youssef and a man whose commune is typed like a formula.
So 10 people trained (6 women, 4 men: a small cell), 11 enrolments present × 6 h = 66 person-hours."""
import csv
import io
import re
import time
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import select, update

from ecole.accounts.models import GENDER_TITLES, Gender
from ecole.accounts.services import set_functioning
from ecole.core.audit import AuditEntry
from ecole.core.models import utcnow
from ecole.core.storage import get_storage
from ecole.extensions import db
from ecole.i18n import format_number
from ecole.jobs.models import Job
from ecole.reports import exports
from ecole.reports import services as report_services
from ecole.reports.indicators import (
    DEFINITIONS,
    DIMENSION_TITLES,
    DIMENSIONS,
    INDICATOR_TITLES,
    INDICATORS,
    Filters,
    Person,
    Report,
    _tables,
    _totals,
    compute,
    hide_small_cells,
)
from ecole.reports.jobs import export_job
from ecole.reports.models import ReportExport
from tests.factories import make_user, make_validated_session
from tests.helpers import same_on_every_database
from tests.pdf import VENDORED_FONTS, needs_poppler, pdf_fonts, pdf_text

HIDDEN = "< 5"
TITLES = {"fr": "Programme d’appui aux femmes rurales", "ar": "برنامج دعم النساء القرويات",
          "zgh": "ⴰⵖⴰⵡⴰⵙ ⵏ ⵜⵎⵖⴰⵔⵉⵏ"}
FORMULA_COMMUNE = "=1+2"


# --- the school -----------------------------------------------------------------------------------

@pytest.fixture
def school(people, catalogue):
    def trainee(name, email, gender, birth_year, commune, audience="farmer", **profile):
        return make_user("trainee", name=name, email=email, gender=gender, birth_year=birth_year, commune=commune,
                         audience=audience, **profile)

    fatima = trainee("Fatima Aït Ali", "fatima@example.org", "f", 1990, "Taliouine", name_arabic="فاطمة آيت علي")
    women = [fatima] + [trainee(name, f"{name.split()[0].lower()}@example.org", "f", year, "Taliouine", audience)
                        for name, year, audience in (("Khadija Ouhmad", 1985, "cooperative_member"),
                                                     ("Aïcha Bouzid", 2004, "youth"), ("Zahra Amzil", 1960, "farmer"),
                                                     ("Meryem Idbouch", 1995, "artisan"),
                                                     ("Hafsa Ait Baha", 1978, "womens_association"))]
    set_functioning(women[-1], {"walking": 3}, actor=women[-1])
    lahcen = trainee("Lahcen Ouchen", "lahcen@example.org", "m", 1970, "Tiznit", "elected_official")
    brahim = trainee("Brahim Ait Said", "brahim@example.org", "m", 1988, "Tiznit", "commune_staff")
    said = trainee("Said Absent", "said@example.org", "m", 1980, "Tiznit")
    youssef = trainee("Youssef Amrani", "youssef@example.org", "m", 1999, "Askaoun", "teacher")
    formula = trainee("Rachid Naït", "rachid@example.org", "m", 1992, FORMULA_COMMUNE, "animator")
    outsider = trainee("Nadia Hors", "nadia@example.org", "f", 1991, "Agadir")
    db.session.commit()
    session_a, _ = make_validated_session(people.trainer, [*women, lahcen, brahim, said], absent=[said])
    session_b, _ = make_validated_session(people.trainer, [fatima, youssef, formula])
    make_validated_session(people.trainer, [outsider])
    programme = report_services.create_programme(
        {"code": "PAFR-2026", "titles": TITLES, "funder": "Fondation Souss", "starts_on": date.today() - timedelta(days=60),
         "ends_on": date.today() + timedelta(days=300),
         "targets": {"trained": 20, "women_trained": 10, "person_hours": 100}}, actor=people.admin)
    report_services.set_sessions(programme, [session_a.id, session_b.id], actor=people.admin)
    db.session.commit()
    return programme


def filters_of(programme) -> Filters:
    return Filters(date.today() - timedelta(days=30), date.today(), programme.id)


def report_in(programme, lang: str = "fr") -> Report:
    with force_locale(lang):  # the rows' labels are those of the language the figures are computed in
        return compute(filters_of(programme))


def test_the_school_is_what_the_docstring_says(school):
    report = report_in(school)
    assert (report.totals["trained"], report.totals["women_trained"], report.totals["completed"]) == (10, 6, 10)
    assert report.totals["person_hours"] == 66
    assert [(row.value, row.trained) for row in report.tables["sex"]] == [("f", 6), ("m", 4), ("unknown", 0)]
    assert FORMULA_COMMUNE in [row.value for row in report.tables["commune"]]


# --- reading the files back -----------------------------------------------------------------------

def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def sheet_rows(worksheet) -> list[list]:
    return [list(row) for row in worksheet.iter_rows(values_only=True)]


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "a BOM, so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def number(cell):
    """A CSV cell as the number it holds ("< 5" and empty cells as they are)."""
    if cell in (HIDDEN, "", None):
        return cell or None
    value = float(cell)
    return int(value) if value.is_integer() and "." not in cell else value


def expected_row(row) -> list:
    """A table's line as every export must write it: hidden figures "< 5", a rate without base empty."""
    def shown(value):
        return HIDDEN if value is None else value

    if row.completed is None or row.completion_base is None:
        rate = HIDDEN
    else:
        rate = row.completion_rate if row.completion_base else None
    return [row.label, shown(row.trained), shown(row.completed), rate, shown(row.person_hours)]


def expected_summary(report: Report) -> dict[str, list]:
    targets = {code: (target, percent) for code, _value, target, percent in report.progress()}
    lines = {}
    for code in INDICATORS:
        value = report.totals[code]
        if value is None:
            value = None if code == "completion_rate" and not report.totals["completion_base"] else HIDDEN
        target, percent = targets.get(code, (None, None))
        if code in targets and percent is None:
            percent = HIDDEN
        lines[str(INDICATOR_TITLES[code])] = [value, target, percent]
    return lines


def summary_lines(rows: list[list]) -> dict[str, list]:
    """The indicators' lines of a summary table, by title (the rate's title ends with " (%)")."""
    titles = {str(INDICATOR_TITLES[code]) for code in INDICATORS}
    return {row[0].removesuffix(" (%)"): row[1:4] for row in rows if row and row[0]
            and str(row[0]).removesuffix(" (%)") in titles}


# --- XLSX -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_workbook_holds_every_figure_of_the_report(school, lang):
    report = report_in(school, lang)
    book = workbook(exports.xlsx_bytes(report, lang))
    with force_locale(lang):
        names = [str(exports.SHEET_TITLES[name]) for name in ("summary", *DIMENSIONS, "people", "definitions")]
        assert book.sheetnames == names
        summary = sheet_rows(book[names[0]])
        assert summary[0][0] == exports.title(report) and TITLES[lang] in summary[0][0]
        assert summary_lines(summary) == expected_summary(report)
        for dimension in DIMENSIONS:
            rows = sheet_rows(book[str(exports.SHEET_TITLES[dimension])])
            assert rows[0][0] == str(DIMENSION_TITLES[dimension])
            assert rows[1:] == [expected_row(row) for row in report.tables[dimension]], dimension
        definitions = sheet_rows(book[names[-1]])[1:]
        assert [text for _term, text in definitions] == [str(text) for text in DEFINITIONS.values()]
    assert all(bool(worksheet.sheet_view.rightToLeft) == (lang == "ar") for worksheet in book.worksheets)


def test_figures_are_numbers_and_names_are_listed_with_their_hours(school):
    report = report_in(school)
    book = workbook(exports.xlsx_bytes(report, "fr"))
    sex = book[str(exports.SHEET_TITLES["sex"])]
    assert sex["B2"].data_type == "n" and sex["B2"].value == 6 and sex["E2"].value == 42
    people = sheet_rows(book[str(exports.SHEET_TITLES["people"])])
    assert people[0][:2] == ["Nom", "Nom en caractères arabes"]
    listed = {row[0]: row for row in people[1:]}
    assert set(listed) == {person.name_latin for person in report.people.values()}
    assert "Said Absent" not in listed and "Nadia Hors" not in listed
    fatima = listed["Fatima Aït Ali"]
    assert fatima[1] == "فاطمة آيت علي" and fatima[2] == "Femme" and fatima[3] == 1990
    assert fatima[5] == "Taliouine" and fatima[8] == 12 and fatima[9] == "Oui"
    assert listed["Hafsa Ait Baha"][7] == "En situation de handicap"


def test_the_arabic_workbook_speaks_arabic(school):
    book = workbook(exports.xlsx_bytes(report_in(school, "ar"), "ar"))
    with force_locale("ar"):
        people = sheet_rows(book[str(exports.SHEET_TITLES["people"])])
        sex = sheet_rows(book[str(exports.SHEET_TITLES["sex"])])
    assert people[0][:2] == ["الاسم", "الاسم بالحروف العربية"]
    assert sex[1][0] == "أنثى"  # the catalogue's word for "Femme"


def test_hidden_cells_say_less_than_five_and_the_names_are_left_out(school):
    report = hide_small_cells(report_in(school))
    men = next(row for row in report.tables["sex"] if row.value == "m")
    assert men.trained is None  # 4 men: a small cell
    book = workbook(exports.xlsx_bytes(report, "fr"))
    assert str(exports.SHEET_TITLES["people"]) not in book.sheetnames
    sex = sheet_rows(book[str(exports.SHEET_TITLES["sex"])])
    assert sex[2][:2] == [men.label, HIDDEN] and sex[2][4] == HIDDEN
    for dimension in DIMENSIONS:
        rows = sheet_rows(book[str(exports.SHEET_TITLES[dimension])])
        assert rows[1:] == [expected_row(row) for row in report.tables[dimension]], dimension
    assert summary_lines(sheet_rows(book[str(exports.SHEET_TITLES["summary"])])) == expected_summary(report)
    assert str(DEFINITIONS["small_cells"]) in [row[0] for row in sheet_rows(book.worksheets[0])]


def test_a_commune_typed_like_a_formula_stays_text(school):
    report = report_in(school)
    book = workbook(exports.xlsx_bytes(report, "fr"))
    communes = book[str(exports.SHEET_TITLES["commune"])]
    cell = next(row[0] for row in communes.iter_rows(min_row=2) if row[0].value == FORMULA_COMMUNE)
    assert cell.data_type == "s"
    rows = csv_rows(exports.csv_table(report, "commune", "fr"))
    assert "'" + FORMULA_COMMUNE in [row[0] for row in rows] and FORMULA_COMMUNE not in [row[0] for row in rows]


@same_on_every_database
def test_five_thousand_people_are_written_in_a_few_seconds():
    people = {n: Person(n, f"Stagiaire {n:05d}", f"متدرب {n}", "f" if n % 2 else "m", 1950 + n % 60,
                        f"Commune {n % 40}", "farmer", "no", minutes=60 * (1 + n % 12), first_day=date(2026, 3, 1),
                        completed=n % 3 == 0, in_ended_session=True)
              for n in range(1, 5001)}
    report = Report(Filters(date(2026, 1, 1), date(2026, 12, 31)), None, people, _totals(people, {}), _tables(people))
    started = time.perf_counter()
    data = exports.xlsx_bytes(report, "ar")
    assert time.perf_counter() - started < 5
    book = load_workbook(io.BytesIO(data), read_only=True)
    with force_locale("ar"):
        assert book[str(exports.SHEET_TITLES["people"])].max_row == 5001


# --- CSV ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("hidden", [False, True], ids=["all figures", "small cells hidden"])
def test_each_csv_table_has_the_same_figures(school, hidden):
    report = report_in(school)
    report = hide_small_cells(report) if hidden else report
    summary = csv_rows(exports.csv_table(report, "summary", "fr"))
    assert summary[0] == ["Indicateur", "Valeur", "Objectif", "Avancement vers l’objectif"]
    assert {title: [number(cell) for cell in cells] for title, cells in summary_lines(summary).items()} \
        == expected_summary(report)
    for dimension in DIMENSIONS:
        rows = csv_rows(exports.csv_table(report, dimension, "fr"))
        assert rows[0][0] == str(DIMENSION_TITLES[dimension])
        got = [[row[0].removeprefix("'"), *map(number, row[1:])] for row in rows[1:]]
        assert got == [expected_row(row) for row in report.tables[dimension]], dimension
    people = csv_rows(exports.csv_table(report, "people", "fr"))
    assert len(people) == 1 + len(report.people)
    if not hidden:
        fatima = next(row for row in people if row[0] == "Fatima Aït Ali")
        assert fatima[1] == "فاطمة آيت علي" and number(fatima[8]) == 12 and fatima[9] == "Oui"


def test_an_unknown_csv_table_is_refused(school):
    with pytest.raises(ValueError):
        exports.csv_table(report_in(school), "salaries", "fr")


# --- PDF ------------------------------------------------------------------------------------------

def flat(text: str) -> str:
    return " ".join(text.split())


@needs_poppler
@same_on_every_database
def test_the_french_pdf_shows_the_headline_figures_labels_and_definitions(school, tmp_path):
    report = report_in(school)
    data = exports.pdf_bytes(report, "fr")
    text = flat(pdf_text(data, tmp_path))
    assert TITLES["fr"] in text and "PAFR-2026" in text and "Fondation Souss" in text
    with force_locale("fr"):
        for code, value, target, percent in report.progress():
            assert f"{INDICATOR_TITLES[code]} {format_number(value)} {format_number(target)} {percent}" in text
        assert f"{INDICATOR_TITLES['person_hours']} 66 100 66" in text
        for dimension in DIMENSIONS:
            assert str(DIMENSION_TITLES[dimension]) in text
        assert "Femme 6 6 100 42" in text  # a row of the "sex" table: trained, completed, rate, hours
        assert flat(str(DEFINITIONS["trained"])) in text and "(année - année de naissance)" in text
    assert set(pdf_fonts(data, tmp_path)) <= VENDORED_FONTS


@needs_poppler
@same_on_every_database
def test_the_arabic_pdf_reads_right_to_left_in_vendored_fonts(school, tmp_path):
    report = report_in(school, "ar")
    data = exports.pdf_bytes(report, "ar")
    text = flat(pdf_text(data, tmp_path))
    with force_locale("ar"):
        woman = str(GENDER_TITLES[Gender.FEMALE])
    assert woman == "أنثى" and woman in text
    # In logical order in the chart too (its bars are an HTML table: WeasyPrint's SVG text would
    # come out letter by letter, reversed), not only in the table below it.
    assert text.count(woman) >= 2 and woman[::-1] not in text
    # Page numbers read "1 / N" in Arabic too (the footer is isolated left to right), not "N / 1".
    import pypdfium2

    pages = len(pypdfium2.PdfDocument(data))
    assert pages > 1 and re.search(rf"\b1 ?/ ?{pages}\b", pdf_text(data, tmp_path)), pages
    assert TITLES["ar"] in text and "PAFR-2026" in text
    fonts = set(pdf_fonts(data, tmp_path))
    assert fonts <= VENDORED_FONTS and "Ecole-Naskh" in fonts


@needs_poppler
@same_on_every_database
def test_the_pdf_with_hidden_cells_says_so(school, tmp_path):
    text = flat(pdf_text(exports.pdf_bytes(hide_small_cells(report_in(school)), "fr"), tmp_path))
    assert flat(str(DEFINITIONS["small_cells"])) in text
    assert re.search(r"Homme <\s?5 <\s?5", text)  # pdftotext drops the narrow space of "< 5"


# --- the command ----------------------------------------------------------------------------------

def report_args(programme_code: str, output, *extra) -> list[str]:
    start, end = filters_of_dates()
    return ["ecole", "report", "--programme", programme_code, "--from", start, "--to", end, "-o", str(output), *extra]


def filters_of_dates() -> tuple[str, str]:
    return (date.today() - timedelta(days=30)).isoformat(), date.today().isoformat()


def test_the_command_writes_a_workbook_and_audits_the_names(school, runner, tmp_path):
    output = tmp_path / "pafr.xlsx"
    result = runner.invoke(args=report_args("pafr-2026", output))
    assert result.exit_code == 0, result.output
    report = report_in(school)
    book = workbook(output.read_bytes())
    assert summary_lines(sheet_rows(book.worksheets[0])) == expected_summary(report)
    for dimension in DIMENSIONS:
        rows = sheet_rows(book[str(exports.SHEET_TITLES[dimension])])
        assert rows[1:] == [expected_row(row) for row in report.tables[dimension]]
    assert len(sheet_rows(book[str(exports.SHEET_TITLES["people"])])) == 1 + 10
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.export"))
    assert entry.actor_id is None and entry.target_type == "Programme" and entry.target_id == str(school.id)
    assert entry.details["with_names"] is True and entry.details["format"] == "xlsx"
    assert [path.name for path in tmp_path.iterdir()] == ["pafr.xlsx"]


def test_the_command_writes_every_table_in_one_csv(school, runner, tmp_path):
    output = tmp_path / "pafr.csv"
    result = runner.invoke(args=report_args("PAFR-2026", output, "--format", "csv", "--no-names"))
    assert result.exit_code == 0, result.output
    rows = csv_rows(output.read_text("utf-8"))
    report = hide_small_cells(report_in(school))
    assert {title: [number(cell) for cell in cells] for title, cells in summary_lines(rows).items()} \
        == expected_summary(report)
    for dimension in DIMENSIONS:
        start = rows.index([str(exports.SHEET_TITLES[dimension])])
        assert rows[start + 1][0] == str(DIMENSION_TITLES[dimension])
        table = rows[start + 2:start + 2 + len(report.tables[dimension])]
        got = [[row[0].removeprefix("'"), *map(number, row[1:])] for row in table]
        assert got == [expected_row(row) for row in report.tables[dimension]]
    assert [str(exports.SHEET_TITLES["people"])] not in rows and "Fatima Aït Ali" not in output.read_text("utf-8")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.export"))
    assert entry.details["with_names"] is False and entry.details["format"] == "csv"


@pytest.mark.parametrize("arguments", [
    ["--programme", "NOPE-2026", "--from", "2026-01-01", "--to", "2026-12-31"],
    ["--programme", "PAFR-2026", "--from", "2026-12-31", "--to", "2026-01-01"],
    ["--programme", "PAFR-2026", "--from", "01/01/2026", "--to", "2026-12-31"],
    ["--programme", "PAFR-2026", "--from", "2026-01-01", "--to", "2026-02-30"],
], ids=["unknown programme", "end before start", "not ISO", "no such day"])
def test_the_command_refuses_bad_input_and_leaves_the_file_alone(school, runner, tmp_path, arguments):
    output = tmp_path / "report.xlsx"
    output.write_bytes(b"the previous report")
    result = runner.invoke(args=["ecole", "report", *arguments, "-o", str(output)])
    assert result.exit_code != 0
    assert result.output.startswith("Erreur") and result.output.strip().count("\n") == 0, result.output
    assert output.read_bytes() == b"the previous report"
    assert [path.name for path in tmp_path.iterdir()] == ["report.xlsx"]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.export")) is None


def test_the_command_refuses_a_missing_folder(school, runner, tmp_path):
    result = runner.invoke(args=report_args("PAFR-2026", tmp_path / "nowhere" / "report.xlsx"))
    assert result.exit_code != 0 and not (tmp_path / "nowhere").exists()


# --- the export job -------------------------------------------------------------------------------

def test_create_app_wires_the_export_job(app):
    assert app.extensions["ecole.jobs"].kinds.get(report_services.EXPORT_KIND) is export_job


def stored_files(app, export: ReportExport) -> list[str]:
    """The files stored for this export, and any temporary file left in the folder."""
    from pathlib import Path

    folder = Path(app.config["STORAGE_DIR"]) / "reports" / "exports"
    own = f"{export.id}.{export.format}"
    return sorted(path.name for path in folder.iterdir() if path.name.startswith((own, ".")))


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_the_export_job_stores_one_file_and_the_same_bytes_when_run_again(app, school, people, fmt):
    from ecole.jobs import sweep

    export = report_services.request_export(filters_of(school), fmt, "fr", with_names=False, actor=people.admin)
    db.session.commit()  # the job runs once the request is committed (inline in tests)
    export = db.session.get(ReportExport, export.id)
    first = get_storage().get(export.storage_key)
    assert export.storage_key == f"reports/exports/{export.id}.{fmt}" and export.size == len(first)
    assert export.finished_at is not None
    job = db.session.get(Job, export.job_id)
    assert job.state == "done"
    finished_at = export.finished_at
    # The worker dies after storing the file, before its job is marked done: the sweeper runs it again.
    db.session.execute(update(Job).where(Job.id == job.id).values(
        state="running", lease_token="dead", lease_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert sweep()["requeued"] == 1
    db.session.expire_all()
    export = db.session.get(ReportExport, export.id)
    assert db.session.get(Job, job.id).state == "done" and db.session.get(Job, job.id).attempts == 2
    assert get_storage().get(export.storage_key) == first and export.size == len(first)
    assert export.finished_at == finished_at
    assert stored_files(app, export) == [f"{export.id}.{fmt}"]
    assert db.session.scalar(select(db.func.count(ReportExport.id))) == 1


def test_an_export_without_names_hides_small_cells_and_one_with_names_lists_them(school, people):
    hidden = report_services.request_export(filters_of(school), "xlsx", "ar", with_names=False, actor=people.admin)
    named = report_services.request_export(filters_of(school), "xlsx", "ar", with_names=True, actor=people.admin)
    db.session.commit()
    hidden_book = workbook(get_storage().get(db.session.get(ReportExport, hidden.id).storage_key))
    named_book = workbook(get_storage().get(db.session.get(ReportExport, named.id).storage_key))
    with force_locale("ar"):
        names, sex = str(exports.SHEET_TITLES["people"]), str(exports.SHEET_TITLES["sex"])
    assert names not in hidden_book.sheetnames and names in named_book.sheetnames
    assert sheet_rows(hidden_book[sex])[2][1] == HIDDEN and sheet_rows(named_book[sex])[2][1] == 4
    assert all(worksheet.sheet_view.rightToLeft for worksheet in hidden_book.worksheets)
    audited = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.export")).all()
    assert sorted(entry.details["with_names"] for entry in audited) == [False, True]


def test_an_export_removed_before_its_job_runs_makes_nothing(school, people):
    export = report_services.request_export(filters_of(school), "xlsx", "fr", with_names=False, actor=people.admin)
    job_id = export.job_id
    db.session.flush()
    db.session.delete(export)
    db.session.commit()
    job = db.session.get(Job, job_id)
    assert job.state == "done" and not job.error  # not failed, nor retried five times
