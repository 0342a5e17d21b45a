"""A report as files for funders: a workbook (XLSX), CSV tables and a printed PDF.

Everything is written in the report's language (under `force_locale`), whatever the language the
report was computed in: row labels are looked up again from their codes. A hidden cell (a small
count, for anyone but administrators) is written "< 5"; a rate with no base (no session ended in the
period) is left empty. Figures stay numbers, so a funder's spreadsheet can add them up.
"""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ecole.accounts.models import AUDIENCE_TITLES, Audience
from ecole.core.models import utcnow
from ecole.core.spreadsheets import csv_text
from ecole.core.timezone import school_zone
from ecole.i18n import current_language, format_date
from ecole.reports import charts
from ecole.reports.indicators import (
    DEFINITIONS,
    DIMENSION_TITLES,
    DIMENSIONS,
    INDICATOR_TITLES,
    INDICATORS,
    UNKNOWN_COMMUNE_TITLE,
    Report,
    Row,
    row_labels,
)

HIDDEN = "< 5"
TABLES = ("summary", *DIMENSIONS, "people")
SHEET_TITLES = {  # sheet names: 31 characters at most, so shorter than the dimensions' titles
    "summary": _l("Synthèse"),
    "sex": _l("Sexe"),
    "age": _l("Âge"),
    "commune": _l("Communes"),
    "audience": _l("Publics"),
    "disability": _l("Handicap"),
    "people": _l("Noms"),
    "definitions": _l("Définitions"),
}
DEFINITION_TERMS = {"excluded": _l("Ce qui ne compte pas"), "small_cells": _l("Petits effectifs")}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}


# --- what every format writes: labels, headers and cells ------------------------------------------

def _labels(dimension: str) -> dict[str, str]:
    """Value code → label in the current language (communes are their own label)."""
    if dimension == "commune":
        return {"": str(UNKNOWN_COMMUNE_TITLE)}
    return dict(row_labels(dimension, {}))


def _label(labels: dict[str, str], value: str) -> str:
    return labels.get(value) or value  # an old code no longer in the list is shown as it is


def _count(value: int | float | None):
    return HIDDEN if value is None else value


def _rate(row: Row):
    if row.completed is None or row.completion_base is None:
        return HIDDEN
    return row.completion_rate if row.completion_base else ""


def _total(report: Report, code: str):
    value = report.totals.get(code)
    if value is not None:
        return value
    if code == "completion_rate" and not report.totals.get("completion_base"):
        return ""
    return HIDDEN


def table_header(dimension: str) -> list[str]:
    return [str(DIMENSION_TITLES[dimension]), str(INDICATOR_TITLES["trained"]), str(INDICATOR_TITLES["completed"]),
            f"{INDICATOR_TITLES['completion_rate']} (%)", str(INDICATOR_TITLES["person_hours"])]


def table_rows(report: Report, dimension: str) -> list[list]:
    labels = _labels(dimension)
    return [[_label(labels, row.value), _count(row.trained), _count(row.completed), _rate(row),
             _count(row.person_hours)] for row in report.tables[dimension]]


def summary_header(report: Report) -> list[str]:
    header = [_("Indicateur"), _("Valeur")]
    if report.programme is not None:
        header += [_("Objectif"), _("Avancement vers l’objectif")]
    return header


def summary_rows(report: Report) -> list[list]:
    progress = {code: (target, percent) for code, _value, target, percent in report.progress()}
    rows = []
    for code in INDICATORS:
        title = str(INDICATOR_TITLES[code]) + (" (%)" if code == "completion_rate" else "")
        row = [title, _total(report, code)]
        if report.programme is not None:
            target, percent = progress.get(code, ("", ""))
            row += [target, HIDDEN if code in progress and percent is None else percent]
        rows.append(row)
    return rows


def people_header() -> list[str]:
    return [_("Nom"), _("Nom en caractères arabes"), str(DIMENSION_TITLES["sex"]), _("Année de naissance"),
            str(DIMENSION_TITLES["age"]), _("Commune"), _("Public"), _("Handicap"), _("Heures de formation"),
            _("Formation achevée")]


def people_rows(report: Report) -> list[list]:
    """One line per person trained, by name (only in reports whose cells are not hidden)."""
    labels = {dimension: _labels(dimension) for dimension in DIMENSIONS}
    yes, no = _("Oui"), _("Non")
    people = sorted(report.people.values(), key=lambda p: (p.name_latin.casefold(), p.id))
    return [[p.name_latin, p.name_arabic, _label(labels["sex"], p.value("sex")), p.birth_year or "",
             _label(labels["age"], p.value("age")), _label(labels["commune"], p.commune),
             _label(labels["audience"], p.audience), _label(labels["disability"], p.disability), p.hours,
             yes if p.completed else no] for p in people]


def definition_rows() -> list[list[str]]:
    return [[str(INDICATOR_TITLES.get(code) or DIMENSION_TITLES.get(code) or DEFINITION_TERMS[code]), str(text)]
            for code, text in DEFINITIONS.items()]


def describe(report: Report, made_at: datetime | None = None) -> list[tuple[str, object]]:
    """(label, value) lines saying what the report covers: programme, funder, period, filters, date."""
    filters = report.filters
    lines: list[tuple[str, object]] = []
    if report.programme is not None:
        lines.append((_("Programme"), f"{report.programme.code} — {report.programme.title(current_language())}"))
        if report.programme.funder:
            lines.append((_("Bailleur"), report.programme.funder))
    lines += [(_("Du"), filters.date_from), (_("Au"), filters.date_to)]
    if filters.commune:
        lines.append((_("Commune"), filters.commune))
    if filters.audience:
        audience = Audience(filters.audience) if filters.audience in {a.value for a in Audience} else None
        lines.append((_("Public"), str(AUDIENCE_TITLES[audience]) if audience else filters.audience))
    lines.append((_("Établi le"), _made_on(made_at)))
    return lines


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _made_on(made_at: datetime | None) -> date:
    return (made_at or utcnow()).astimezone(school_zone()).date()


def title(report: Report) -> str:
    if report.programme is not None:
        return _("Indicateurs du programme %(title)s", title=report.programme.title(current_language()))
    return _("Indicateurs de formation")


# --- XLSX -----------------------------------------------------------------------------------------

def xlsx_bytes(report: Report, lang: str, *, made_at: datetime | None = None) -> bytes:
    """The workbook: a summary sheet, one per disaggregation, the names (when the report has them) and
    the definitions. `made_at` (when the export was asked for) makes the same export give the same bytes."""
    import xlsxwriter

    output = io.BytesIO()
    # In memory: no temporary files in the worker (5,000 people are about 50,000 cells, a few MB);
    # strings never become formulas or links, whatever a name or a commune contains.
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    with force_locale(lang):
        made = made_at or utcnow()
        workbook.set_properties({"title": title(report), "created": _naive_utc(made)})
        styles = _Styles(workbook)
        used: set[str] = set()

        def sheet(name: str):
            worksheet = workbook.add_worksheet(_sheet_name(str(SHEET_TITLES[name]), used))
            if lang == "ar":
                worksheet.right_to_left()
            return worksheet

        _summary_sheet(sheet("summary"), report, made, styles)
        for dimension in DIMENSIONS:
            _table_sheet(sheet(dimension), table_header(dimension), table_rows(report, dimension), styles,
                         widths=(36, 18, 22, 20, 18))
        if report.people:
            _table_sheet(sheet("people"), people_header(), people_rows(report), styles,
                         widths=(28, 28, 14, 12, 16, 22, 22, 18, 12, 12))
        _table_sheet(sheet("definitions"), [_("Terme"), _("Définition")], definition_rows(), styles, widths=(30, 100),
                     wrap=True)
    workbook.close()
    return output.getvalue()


class _Styles:
    def __init__(self, workbook):
        self.header = workbook.add_format({"bold": True, "bg_color": "#F1EFE8", "border": 1, "text_wrap": True,
                                           "valign": "top"})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.label = workbook.add_format({"bold": True})
        self.date = workbook.add_format({"num_format": "dd/mm/yyyy", "align": "left"})
        self.integer = workbook.add_format({"num_format": "0"})
        self.decimal = workbook.add_format({"num_format": "0.0"})
        self.hidden = workbook.add_format({"align": "right", "font_color": "#6B7770"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})


def _sheet_name(name: str, used: set[str]) -> str:
    """A name Excel accepts: 31 characters, none of []:*?/\\, unique whatever the case."""
    for char in "[]:*?/\\":
        name = name.replace(char, " ")
    name = name.strip().strip("'")[:31] or "Sheet"
    candidate, number = name, 2
    while candidate.casefold() in used:
        suffix = f" {number}"
        candidate, number = name[:31 - len(suffix)] + suffix, number + 1
    used.add(candidate.casefold())
    return candidate


def _write(worksheet, row: int, column: int, value, styles: _Styles, *, wrap: bool = False) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        worksheet.write_string(row, column, str(value))
    elif isinstance(value, int):
        worksheet.write_number(row, column, value, styles.integer)
    elif isinstance(value, float):
        worksheet.write_number(row, column, value, styles.decimal)
    elif isinstance(value, date):
        worksheet.write_datetime(row, column, datetime.combine(value, datetime.min.time()), styles.date)
    elif value == HIDDEN:
        worksheet.write_string(row, column, value, styles.hidden)
    else:
        worksheet.write_string(row, column, str(value), styles.wrap if wrap else None)


def _table_sheet(worksheet, header: list[str], rows: list[list], styles: _Styles, *, widths: tuple[int, ...],
                 wrap: bool = False) -> None:
    for column, width in enumerate(widths):
        worksheet.set_column(column, column, width)
    for column, text in enumerate(header):
        worksheet.write_string(0, column, text, styles.header)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            _write(worksheet, number, column, value, styles, wrap=wrap)
    worksheet.freeze_panes(1, 0)


def _summary_sheet(worksheet, report: Report, made: datetime, styles: _Styles) -> None:
    worksheet.set_column(0, 0, 44)
    worksheet.set_column(1, 3, 20)
    worksheet.write_string(0, 0, title(report), styles.title)
    line = 2
    for label, value in describe(report, made):
        worksheet.write_string(line, 0, label, styles.label)
        _write(worksheet, line, 1, value, styles)
        line += 1
    if report.hidden:
        line += 1
        worksheet.write_string(line, 0, str(DEFINITIONS["small_cells"]))
        line += 1
    line += 1
    for column, text in enumerate(summary_header(report)):
        worksheet.write_string(line, column, text, styles.header)
    for row in summary_rows(report):
        line += 1
        for column, value in enumerate(row):
            _write(worksheet, line, column, value, styles)


# --- CSV ------------------------------------------------------------------------------------------

def _csv_table(report: Report, table: str) -> list[list]:
    if table == "summary":
        return [summary_header(report), *summary_rows(report)]
    if table == "people":
        return [people_header(), *people_rows(report)]
    if table in DIMENSIONS:
        return [table_header(table), *table_rows(report, table)]
    raise ValueError(f"unknown report table: {table!r}")


def csv_table(report: Report, table: str, lang: str) -> str:
    """One table as CSV: "summary", a disaggregation of DIMENSIONS, or "people" (names: the caller
    checks that the reader is an administrator; a report with hidden cells has none)."""
    with force_locale(lang):
        return csv_text(_csv_table(report, table))


def csv_report(report: Report, lang: str, *, with_people: bool = False, made_at: datetime | None = None) -> str:
    """The whole report in one CSV file, in sections (a title line, the table, an empty line): what the
    report covers, the summary, each disaggregation, the names when asked and present."""
    with force_locale(lang):
        rows: list[list] = [[title(report)]]
        rows += [[label, value.isoformat() if isinstance(value, date) else value]
                 for label, value in describe(report, made_at)]
        tables = ["summary", *DIMENSIONS] + (["people"] if with_people and report.people else [])
        for table in tables:
            rows += [[], [str(SHEET_TITLES[table])], *_csv_table(report, table)]
        return csv_text(rows)


# --- PDF ------------------------------------------------------------------------------------------

CHART_BARS = 12  # a chart taller than this does not fit on a page with its table (the table lists every row)


def pdf_bytes(report: Report, lang: str, *, made_at: datetime | None = None) -> bytes:
    """The printed report (A4): headline figures, progress towards the targets, a chart and a table per
    disaggregation, the definitions. No names: it is the document a funder receives."""
    from ecole.core.pdf import render_pdf
    from ecole.trips.printing import text_direction

    with force_locale(lang):
        progress = [(str(INDICATOR_TITLES[code]), percent) for code, _value, _target, percent in report.progress()]
        sections = []
        for dimension in DIMENSIONS:
            rows = table_rows(report, dimension)
            bars = [(row[0], None if row[1] == HIDDEN else row[1]) for row in rows[:CHART_BARS]]
            sections.append({"dimension": dimension, "title": str(DIMENSION_TITLES[dimension]),
                             "header": table_header(dimension), "rows": rows,
                             "chart": charts.printable_bars(bars, hidden_text=HIDDEN),
                             "cut": len(rows) > CHART_BARS})
        progress_chart = None
        if progress:
            progress_chart = charts.printable_bars(
                progress, hidden_text=HIDDEN, suffix=" %", done_at=100,
                scale=max([percent for _label, percent in progress if percent] + [100]))
        html = render_template(
            "reports/pdf.html", lang=lang, report=report, title=title(report),
            about=[(label, format_date(value) if isinstance(value, date) else value)
                   for label, value in describe(report, made_at)],
            summary_header=summary_header(report), summary=summary_rows(report), sections=sections,
            progress_chart=progress_chart, chart_bars=CHART_BARS,
            definitions=definition_rows(),
            small_cells=str(DEFINITIONS["small_cells"]) if report.hidden else "", text_direction=text_direction)
        return render_pdf(html)
