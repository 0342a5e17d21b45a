"""The funders' report as a workbook (issue 13): the XLSX of a 5,000-person programme, as a ratio to
writing the same cells with XlsxWriter alone, in the same process.

* **xlsx**: in one process, the report of SCALE-PROG (`ecole seed-scale --held … --programme`: every
  scale trainee attended some of its sessions) is computed once, as the export job does
  (`indicators.compute` under the export's language), with the names (an administrator's export).
  Then `ecole.reports.exports.xlsx_bytes(report, "fr")` (labels looked up, the people sorted, each
  cell written with its style, the summary's header block, sheet settings) alternates with a bare
  XlsxWriter workbook of the same cells: read back from the app's workbook beforehand (openpyxl), so
  both write the same sheets, the same cells at the same places, the same values and types (numbers as
  numbers, dates as dates), the header cells bold and the numbers with their number format; no
  column widths, frozen panes or document properties. Both write into a BytesIO (`in_memory`). Ratio
  = median app ÷ median bare (lower is better; the issue sets no aim).
  The same child also counts the SQL statements of one dashboard (`GET /reports?programme=…` as an
  administrator, through the app's request handling) on that data: the tests show the count does not
  grow with the data (tests/reports/test_queries.py).

The harness (`benchmarks/run.py`) runs this module as a child process with the bench's environment:
`python -m benchmarks.reports child xlsx|programme-id …`, which prints one line of JSON. By hand,
`python -m benchmarks.reports [--rounds N]` prepares a throwaway database of its own (`ecole init`,
then the bench's seed commands, benchmarks.pages.SEED) and runs the same child: under a minute.
"""
from __future__ import annotations

import argparse
import io
import os
import signal
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from statistics import mean, median

from benchmarks.certificates import _answer, run_child, run_part

RUNS = 11  # app workbooks and bare workbooks, alternated
PROGRAMME = "SCALE-PROG"  # ecole.seeding.SCALE_PROGRAMME (not imported: the harness side imports no ecole)
PEOPLE = 5000
PART_NAME = "reports xlsx"  # `--only TEXT` runs this part when TEXT is part of these words ("report", "xlsx")
MODULE = "benchmarks.reports"
MADE_AT = datetime(2026, 1, 15, 9, 0, tzinfo=timezone.utc)  # the export's request time: the same bytes each run


# --- harness side (no ecole import) --------------------------------------------------------------

def measure(env: dict[str, str], tmp: Path, *, rounds: int = 1, say=lambda message: None) -> dict:
    """The report part of a run: {"xlsx": …, "failures": […]} ({"error": …} when it could not run)."""
    report: dict = {"failures": []}
    runs = RUNS * rounds
    say(f"Report workbook: the {PROGRAMME} report computed once, then {runs} xlsx_bytes() alternated with as many "
        "bare XlsxWriter workbooks of the same cells, in one process…")
    run_part(report, "xlsx", "report workbook", say,
             lambda: run_child(env, ["xlsx", "--runs", str(runs)], timeout=600, log=tmp / "reports.log", module=MODULE),
             lambda x: f"  xlsx_bytes {x['app_ms']:.0f} ms, bare XlsxWriter {x['bare_ms']:.0f} ms, ratio {x['ratio']:.2f} "
                       f"({x['people']} people, {x['cells']} cells); dashboard: {x['dashboard_statements']} SQL statements")
    return report


def table_rows(report: dict) -> list[list[str]]:
    x = report.get("xlsx")
    if x is None:
        return []
    if "error" in x:
        return [["report workbook (xlsx_bytes)", "—", "—", "FAIL", x["error"].splitlines()[0]]]
    return [[f"XLSX of {x['people']:,} people (xlsx_bytes)", f"{x['app_ms']:.0f} ms",
             f"bare XlsxWriter {x['bare_ms']:.0f} ms", f"{x['ratio']:.2f}", "lower is better"]]


def notes(report: dict) -> list[str]:
    x = report.get("xlsx") or {}
    if "ratio" not in x:
        return []
    return [f"  xlsx: medians of {x['runs']} alternated runs each (means: app {x['app_mean_ms']:.0f} ms, bare "
            f"{x['bare_mean_ms']:.0f} ms; fastest: app {min(x['app_runs_ms']):.0f} ms, bare "
            f"{min(x['bare_runs_ms']):.0f} ms, ratio {min(x['app_runs_ms']) / min(x['bare_runs_ms']):.2f}); "
            f"{x['sheets']} sheets, {x['cells']:,} cells; {x['app_kb']:.0f} KB vs bare "
            f"{x['bare_kb']:.0f} KB; the report itself (indicators.compute, {x['marks_attended']:,} attended marks) "
            f"{x['compute_ms']:.0f} ms, not in either timing",
            f"  dashboard of {x['programme']} as an administrator: {x['dashboard_statements']} SQL statements "
            f"(with SQLite's BEGIN; the same as with a small school: tests/reports/test_queries.py), "
            f"{x['dashboard_ms']:.0f} ms for one request in-process"]


def print_table(report: dict) -> None:
    from benchmarks.run import _table

    print(f"Report workbook — {os.cpu_count()} CPUs; one process, cost ratio (lower is better)")
    print(_table(["measure", "cost", "baseline", "ratio", ""], table_rows(report), right={1}))
    for line in notes(report):
        print(line)


# --- child side (runs with the bench's environment, imports ecole) -------------------------------

def _app():
    from ecole import create_app

    return create_app()


def _programme():
    from sqlalchemy import select

    from ecole.extensions import db
    from ecole.reports.models import Programme

    programme = db.session.scalar(select(Programme).where(Programme.code == PROGRAMME))
    if programme is None:
        raise SystemExit(f"no programme {PROGRAMME}: seed it with `flask ecole seed-scale … --held N --programme`")
    return programme


def child_programme_id() -> dict:
    with _app().app_context():
        return {"id": _programme().id}


def workbook_cells(data: bytes) -> list[tuple[str, list[tuple[int, int, object, bool, str]]]]:
    """What a workbook holds, sheet by sheet: (row, column, value, bold, number format) of each cell."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    sheets = []
    for sheet in book.worksheets:
        cells = [(cell.row - 1, cell.column - 1, cell.value, bool(cell.font.b), cell.number_format)
                 for row in sheet.iter_rows() for cell in row if cell.value is not None]
        sheets.append((sheet.title, cells))
    book.close()
    return sheets


def bare_workbook(sheets) -> bytes:
    """The same cells written with XlsxWriter alone: one format per (bold, number format) pair."""
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    formats: dict = {}
    for name, cells in sheets:
        worksheet = workbook.add_worksheet(name)
        for row, column, value, bold, number_format in cells:
            style = None
            if bold or number_format != "General":
                key = (bold, number_format)
                style = formats.get(key)
                if style is None:
                    style = formats[key] = workbook.add_format(
                        {"bold": bold, **({"num_format": number_format} if number_format != "General" else {})})
            if isinstance(value, str):
                worksheet.write_string(row, column, value, style)
            elif isinstance(value, datetime):
                worksheet.write_datetime(row, column, value, style)
            else:
                worksheet.write_number(row, column, value, style)
    workbook.close()
    return output.getvalue()


def child_xlsx(runs: int) -> dict:
    from flask_babel import force_locale

    from ecole.reports import exports, indicators

    app = _app()
    with app.app_context():
        programme = _programme()
        filters = indicators.Filters(programme.starts_on, programme.ends_on, programme.id)
        started = time.perf_counter()
        with force_locale("fr"):  # as the export job computes it: the labels in the export's language
            report = indicators.compute(filters)
        compute_ms = 1000 * (time.perf_counter() - started)
        people = len(report.people)
        if people < 0.98 * PEOPLE:  # the bench's seed trains all 5,000 scale trainees in it
            raise SystemExit(f"{PROGRAMME} has {people} people trained, about {PEOPLE} expected: not the bench's seed?")

        def app_xlsx() -> bytes:
            return exports.xlsx_bytes(report, "fr", made_at=MADE_AT)

        made = app_xlsx()  # warm: translations, XlsxWriter's first-call costs
        sheets = workbook_cells(made)
        bare = bare_workbook(sheets)
        cells = sum(len(c) for _name, c in sheets)
        if sum(len(c) for _name, c in workbook_cells(bare)) != cells:
            raise SystemExit("the bare workbook does not hold the same cells")
        app_times, bare_times = [], []
        for _ in range(runs):
            started = time.perf_counter()
            app_xlsx()
            app_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            bare_workbook(sheets)
            bare_times.append(time.perf_counter() - started)
        marks, programme_id = _attended_marks(programme.id), programme.id
    # Out of this app context: each request then has its own, as under gunicorn (a fresh session).
    statements, dashboard_ms = _dashboard_statements(app, programme_id)
    app_ms, bare_ms = 1000 * median(app_times), 1000 * median(bare_times)
    return {
        "programme": PROGRAMME, "people": people, "runs": runs, "sheets": len(sheets), "cells": cells,
        "app_ms": round(app_ms, 1), "bare_ms": round(bare_ms, 1), "ratio": round(app_ms / bare_ms, 3),
        "app_mean_ms": round(1000 * mean(app_times), 1), "bare_mean_ms": round(1000 * mean(bare_times), 1),
        "app_kb": round(len(made) / 1024, 1), "bare_kb": round(len(bare) / 1024, 1),
        "compute_ms": round(compute_ms, 1), "marks_attended": marks,
        "dashboard_statements": statements, "dashboard_ms": round(dashboard_ms, 1),
        "app_runs_ms": [round(1000 * t, 1) for t in app_times], "bare_runs_ms": [round(1000 * t, 1) for t in bare_times],
    }


def _attended_marks(programme_id: int) -> int:
    """Marks present or late in the programme's sessions: what the report reads."""
    from sqlalchemy import func, select

    from ecole.attendance.models import AttendanceMark
    from ecole.enrolment.models import Enrolment
    from ecole.extensions import db
    from ecole.reports.models import programme_sessions

    return db.session.scalar(
        select(func.count(AttendanceMark.id)).join(Enrolment, Enrolment.id == AttendanceMark.enrolment_id)
        .join(programme_sessions, programme_sessions.c.session_id == Enrolment.session_id)
        .where(programme_sessions.c.programme_id == programme_id, AttendanceMark.status.in_(["present", "late"])))


def _dashboard_statements(app, programme_id: int) -> tuple[int, float]:
    """SQL statements (and time) of one GET of the programme's dashboard by an administrator, through
    the app's whole request handling (a test client whose session cookie is an administrator's)."""
    from flask import session
    from flask_login import login_user
    from sqlalchemy import event, select

    from ecole.accounts.models import User, UserRole
    from ecole.extensions import db

    base_url = app.config["BASE_URL"].replace("http://", "https://")  # secure cookies (production settings)
    client = app.test_client()
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).join(UserRole, UserRole.user_id == User.id).where(
            UserRole.role == "admin", User.active.is_(True), User.must_change_password.is_(False)).order_by(User.id))
        if admin_id is None:  # `ecole init`'s administrator must first change the one-time password
            admin = User(email=f"bench-report-admin-{os.getpid()}@example.org", name_latin="Bench Report Admin",
                         locale="fr", active=True)
            db.session.add(admin)
            db.session.flush()
            db.session.add(UserRole(user_id=admin.id, role="admin"))
            db.session.commit()
            admin_id = admin.id
        with client.session_transaction(base_url=base_url) as cookie:
            with app.test_request_context(base_url=base_url, environ_base=client.environ_base):  # as a sign-in leaves it
                login_user(db.session.get(User, admin_id))
                cookie.update(session)
        engine = db.engine
    url = f"/reports?programme={programme_id}&lang=fr"
    counted = []

    def one(*_args):
        counted.append(1)

    first = client.get(url, base_url=base_url)  # it fills the app's caches
    if first.status_code != 200:
        raise SystemExit(f"the dashboard answered {first.status_code} {first.headers.get('Location') or ''}")
    event.listen(engine, "before_cursor_execute", one)
    started = time.perf_counter()
    try:
        response = client.get(url, base_url=base_url)
    finally:
        event.remove(engine, "before_cursor_execute", one)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"the dashboard answered {response.status_code}")
    return len(counted), 1000 * elapsed


# --- command line ---------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["child"]:
        return _child(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1, help=f"{RUNS} runs a round (1-5); medians reported")
    args = parser.parse_args(argv)
    from benchmarks.pages import SEED
    from benchmarks.run import _terminate
    from benchmarks.servers import bench_env, flask_runner

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    with tempfile.TemporaryDirectory(prefix="ecole-bench-report-") as tmpname:
        tmp = Path(tmpname)
        env = bench_env(tmp)
        flask = flask_runner(env)
        print("Preparing a fresh SQLite database (ecole init, the bench's seed commands)…", file=sys.stderr, flush=True)
        flask("ecole", "init")
        for seed in SEED:
            flask(*seed, timeout=600)
        report = measure(env, tmp, rounds=max(1, min(args.rounds, 5)),
                         say=lambda message: print(message, file=sys.stderr, flush=True))
    print_table(report)
    return 1 if report["failures"] else 0


def _child(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reports child")
    sub = parser.add_subparsers(dest="command", required=True)
    xlsx = sub.add_parser("xlsx")
    xlsx.add_argument("--runs", type=int, default=RUNS)
    sub.add_parser("programme-id")
    args = parser.parse_args(argv)
    if args.command == "xlsx":
        _answer(child_xlsx(args.runs))
    else:
        _answer(child_programme_id())
    return 0


if __name__ == "__main__":
    sys.exit(main())
