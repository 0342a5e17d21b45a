"""`python -m benchmarks`: serve Ecole and a bare Flask app side by side, load each page, print the tables."""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from statistics import median

from benchmarks import certificates, reports, weight
from benchmarks.client import BenchError, Context, request
from benchmarks.load import CONNECTIONS, THREADS, Loader
from benchmarks.pages import PAGES, SEED, Page
from benchmarks.servers import (
    BENCH_EMAIL,
    ROOT,
    WORKERS,
    Server,
    bench_env,
    flask_runner,
    prepare_database,
    python_runner,
)

RESULTS = Path(__file__).resolve().parent / "results"
BARE_PATH = "/"
BARE_DURATION = 3.0  # seconds of each bare run around the pages
NOISY = 0.2  # bare runs spread (max - min) / mean above which the run is flagged as noisy


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per page (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up load per page (default 1)")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="measure only the pages whose name contains TEXT (repeatable); the bare page always runs")
    parser.add_argument("--seed", action="append", default=[], metavar="ARGS",
                        help='one more `flask --app wsgi ARGS` before serving, e.g. --seed "ecole seed-scale --users 1000"')
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every page this many times (1-5) and report the medians: steadier on a noisy machine")
    parser.add_argument("--python-load", action="store_true", help="use the pure-Python load generator even if wrk is installed")
    parser.add_argument("--skip-weight", action="store_true", help="do not measure page weight in Chromium")
    parser.add_argument("--skip-certificates", action="store_true",
                        help="do not measure the certificates (render vs bare WeasyPrint, bulk with 1 and 2 workers); "
                             "with --only, they run when a TEXT is part of the word \"certificates\"")
    parser.add_argument("--skip-reports", action="store_true",
                        help="do not measure the report workbook (xlsx_bytes of a 5,000-person programme vs bare "
                             "XlsxWriter); with --only, it runs when a TEXT is part of \"reports xlsx\"")
    parser.add_argument("--profile-certificate", action="store_true",
                        help="also print a cProfile of the certificate render (where its time goes)")
    parser.add_argument("--no-page-cache", action="store_true",
                        help="serve Ecole with ECOLE_PAGE_CACHE=0: every request renders its page (what a first "
                             "visit, or one after a change, costs)")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json", help="JSON results (default benchmarks/results/latest.json)")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 30 or not 0 <= args.warmup <= 10 or not 1 <= args.rounds <= 5:
        parser.error("--duration must be in (0, 30], --warmup in [0, 10] and --rounds in [1, 5]")
    return args


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop the servers


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    started = time.monotonic()
    servers: list[Server] = []
    try:
        with tempfile.TemporaryDirectory(prefix="ecole-bench-") as tmpname:
            try:
                report = run(args, Path(tmpname), servers)
            finally:
                for server in servers:
                    server.stop()
    except BenchError as error:
        say(f"benchmarks: {error}")
        return 2
    except KeyboardInterrupt:
        say("benchmarks: interrupted; servers stopped.")
        return 130
    report["total_s"] = round(time.monotonic() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_report(report)
    print(f"\nResults: {_shown(args.output)} · {report['total_s']} s in all")
    if report["failures"]:
        print("FAILED: " + "; ".join(report["failures"]))
        return 1
    return 0


def stale_translations() -> list[str]:
    """Languages whose compiled catalogue is missing or older than its .po (`make bench` compiles them)."""
    stale = []
    for po in sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            stale.append(po.parent.parent.name)
    return stale


def run(args: argparse.Namespace, tmp: Path, servers: list[Server]) -> dict:
    stale = stale_translations()
    if stale:
        say(f"Warning: translations not compiled or older than their .po ({', '.join(stale)}): the pages show "
            "what the last compiled catalogues say. `make bench` compiles them first.")
    env = bench_env(tmp)
    if args.no_page_cache:
        env["ECOLE_PAGE_CACHE"] = "0"
        say("ECOLE_PAGE_CACHE=0: no page is kept, every request renders its page.")
    flask = flask_runner(env)
    seeds = [tuple(s) for s in SEED] + [tuple(shlex.split(s)) for s in args.seed]
    say("Preparing a fresh SQLite database (ecole init, bench trainee"
        + (f", {len(seeds)} seed command(s)" if seeds else "") + ")…")
    password = prepare_database(flask, seeds)

    bare = Server("bare Flask", "benchmarks.bare:app", env, tmp / "bare.log", ready_path=BARE_PATH)
    app = Server("Ecole", "wsgi:app", env, tmp / "ecole.log", ready_path="/healthz")
    servers += [bare, app]
    for server in servers:
        server.start()
    say(f"Serving: bare Flask on {bare.base_url}, Ecole on {app.base_url} (gunicorn, {WORKERS} sync workers)")

    loader = Loader(tmp, use_wrk=not args.python_load)
    if loader.tool == "python" and not args.python_load:
        say("wrk not found (apt-get install wrk): using the slower pure-Python load generator; compare ratios only.")
    ctx = Context(app.base_url, flask, BENCH_EMAIL, password, python=python_runner(env))
    pages = [p for p in PAGES if not args.only or any(text in p.name for text in args.only)]
    with_certificates = not args.skip_certificates and (
        not args.only or any(text in certificates.PART_NAME for text in args.only))
    with_reports = not args.skip_reports and (not args.only or any(text in reports.PART_NAME for text in args.only))
    failures: list[str] = []

    def measure(server: Server, name: str, path: str, headers: dict[str, str], duration: float,
                warmup: float, connections: int = CONNECTIONS) -> dict:
        row = {"page": name, "server": server.name, "path": path, "ok": False}
        try:
            answer = request(server.base_url, "GET", path, headers=headers)
            if answer.status != 200:
                where = answer.header("Location")
                row["error"] = f"HTTP {answer.status}" + (f" → {where}" if where else "")
            else:
                url = server.base_url + path
                if warmup:
                    loader.run(url, headers, warmup, connections)
                result = loader.run(url, headers, duration, connections)
                row.update(result.as_dict())
                if result.non_2xx:
                    row["error"] = f"{result.non_2xx} error responses under load"
                else:
                    row["ok"] = True
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:  # a server gone, wrk failing
            row["error"] = f"{type(error).__name__}: {error}"
        if row.get("error"):
            failures.append(f"{name}: {row['error']}")
        say(f"  {name:<22} " + (f"{row['rps']:8.1f} req/s  p95 {row['p95_ms']:6.1f} ms" if "rps" in row else "")
            + (f"  {row['error']}" if row.get("error") else ""))
        return row

    # The bare page is measured before the first page and after each one: a page's ratio divides its
    # req/s by the mean of the two bare runs around it, so the machine's drift during a run (other
    # tenants, CPU boost) cancels out as much as it can; the bare runs' spread shows how noisy it was.
    bare_duration = min(args.duration, BARE_DURATION)
    say(f"Load: {loader.tool}, {args.warmup:g} s warm-up + {args.duration:g} s per page, bare Flask "
        f"{bare_duration:g} s before and after each page"
        + (f"; {THREADS} threads, {CONNECTIONS} connections" if loader.tool == "wrk" else ""))
    bare_runs = [measure(bare, "bare Flask #1", BARE_PATH, {}, bare_duration, args.warmup)]
    if not bare_runs[0]["ok"]:
        raise BenchError(f"the bare Flask page failed: {bare_runs[0]['error']}")
    runs: dict[str, list[dict]] = {page.name: [] for page in pages}
    headers_of: dict[str, dict[str, str]] = {}
    paths_of: dict[str, str] = {page.name: page.path for page in pages if isinstance(page.path, str)}
    stopped: dict[str, str] = {}  # pages not measured again: setup failed or not 200
    for round_no in range(1, args.rounds + 1):
        if args.rounds > 1:
            say(f" round {round_no}/{args.rounds}")
        for page in pages:
            if page.name in stopped:
                continue
            if page.name not in headers_of:
                try:
                    headers_of[page.name] = _setup(page, ctx)
                    paths_of[page.name] = _path(page, ctx)
                except BenchError as error:
                    stopped[page.name] = f"setup: {error}"
                    failures.append(f"{page.name}: setup: {error}")
                    say(f"  {page.name:<22} setup failed: {error}")
                    continue
            one = measure(app, page.name, paths_of[page.name], headers_of[page.name],
                          max(args.duration, page.min_duration or 0), args.warmup if round_no == 1 else 0,
                          page.connections or CONNECTIONS)
            runs[page.name].append(one)
            if "rps" not in one:
                stopped[page.name] = one["error"]
                continue
            if page.connections:
                # A slow page: the requests still being served when the load stopped would eat into
                # the bare run that follows; they end within about the slowest latency measured.
                time.sleep(min(one["p99_ms"] / 1000, 30))
            before = bare_runs[-1]
            bare_runs.append(measure(bare, f"bare Flask #{len(bare_runs) + 1}", BARE_PATH, {}, bare_duration, 0))
            rates = [r["rps"] for r in (before, bare_runs[-1]) if r.get("ok")]
            one["baseline_rps"] = round(sum(rates) / len(rates), 1)
            one["ratio"] = _round_ratio(one["rps"] / one["baseline_rps"])
    rows = [_summary(page, paths_of.get(page.name), runs[page.name], stopped.get(page.name)) for page in pages]
    for page, row in zip(pages, rows):
        if page.connections or page.min_duration:
            row["load"] = {"connections": page.connections or CONNECTIONS,
                           "duration_s": max(args.duration, page.min_duration or 0)}

    bare_rates = [r["rps"] for r in bare_runs if r.get("ok")]
    baseline = sum(bare_rates) / len(bare_rates)
    bare_summary = {
        "runs": len(bare_rates), "mean_rps": round(baseline, 1), "min_rps": round(min(bare_rates), 1),
        "max_rps": round(max(bare_rates), 1), "spread": round((max(bare_rates) - min(bare_rates)) / baseline, 3),
        "p95_ms_median": sorted(r["p95_ms"] for r in bare_runs if r.get("ok"))[len(bare_rates) // 2],
    }

    report = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "commit": _git_commit(),
        "settings": {"load_tool": loader.tool, "wrk_threads": THREADS, "connections": CONNECTIONS,
                     "duration_s": args.duration, "warmup_s": args.warmup, "gunicorn_workers": WORKERS,
                     "worker_class": "sync", "rounds": args.rounds, "seed": [list(s) for s in seeds]},
        "baseline_rps": round(baseline, 1),
        "bare": bare_summary,
        "bare_runs": bare_runs,
        "pages": rows,
        "weight": _weight(args, app, ctx, pages, failures),
        "stale_translations": stale,
    }
    if with_certificates or with_reports:
        # CPU-bound work in other processes: the servers, idle by now, are stopped first.
        for server in servers:
            server.stop()
    if with_certificates:
        report["certificates"] = certificates.measure(env, tmp, rounds=args.rounds, profile=args.profile_certificate,
                                                      say=say)
        failures += report["certificates"]["failures"]
    else:
        report["certificates"] = {"skipped": "--skip-certificates" if args.skip_certificates else "--only"}
    if with_reports:
        report["reports"] = reports.measure(env, tmp, rounds=args.rounds, say=say)
        failures += report["reports"]["failures"]
    else:
        report["reports"] = {"skipped": "--skip-reports" if args.skip_reports else "--only"}
    report["failures"] = list(dict.fromkeys(failures))
    return report


def _summary(page: Page, path: str | None, runs: list[dict], stopped: str | None) -> dict:
    """A page's line: the median of its rounds (one round by default)."""
    row: dict = {"page": page.name, "path": path, "rounds": len(runs)}
    if page.aim is not None:
        row["aim"] = page.aim
    measured = [r for r in runs if "rps" in r]
    if measured:
        row.update(rps=median(r["rps"] for r in measured), p95_ms=median(r["p95_ms"] for r in measured),
                   ratio=_round_ratio(median(r["ratio"] for r in measured)))
    errors = [r["error"] for r in runs if r.get("error")]
    if stopped and stopped not in errors:
        errors.insert(0, stopped)
    row["ok"] = bool(measured) and not errors
    if errors:
        row["error"] = errors[0]
    row["runs"] = runs
    return row


def _round_ratio(ratio: float) -> float:
    """Three decimals, or three significant digits for a page far slower than bare (0.000512)."""
    return round(ratio, 3) if ratio >= 0.1 else float(f"{ratio:.3g}")


def _shown_ratio(ratio: float) -> str:
    return f"{ratio:.2f}" if ratio >= 0.095 else f"{ratio:.2g}"  # 0.00052, not 0.00


def _setup(page: Page, ctx: Context) -> dict[str, str]:
    if page.setup is None:
        return {}
    try:
        return dict(page.setup(ctx) or {})
    except BenchError:
        raise
    except Exception as error:  # noqa: BLE001 - a broken hook fails its page, not the run
        raise BenchError(f"{type(error).__name__}: {error}") from error


def _path(page: Page, ctx: Context) -> str:
    if isinstance(page.path, str):
        return page.path
    try:
        return page.path(ctx)
    except BenchError:
        raise
    except Exception as error:  # noqa: BLE001 - a broken hook fails its page, not the run
        raise BenchError(f"path: {type(error).__name__}: {error}") from error


def _weight(args, app: Server, ctx: Context, pages: list[Page], failures: list[str]) -> dict:
    chosen = [p for p in pages if p.weight]
    if args.skip_weight or not chosen:
        return {"skipped": "--skip-weight" if args.skip_weight else "no page asks for it"}
    reason = weight.unavailable()
    if reason:
        say(f"Page weight skipped: {reason}.")
        return {"skipped": reason}
    say("Page weight in Chromium (first visit, then repeat visit in the same context)…")
    targets = []
    for page in chosen:
        try:
            headers = _setup(page, ctx)
            targets.append((page.name, _path(page, ctx), headers))
        except BenchError:
            pass  # already reported by the load test
    try:
        measured = weight.measure(app.base_url, targets)
    except Exception as error:  # noqa: BLE001 - Chromium that does not start is not the app's failure
        say(f"Page weight skipped: Chromium failed: {type(error).__name__}: {str(error).splitlines()[0]}")
        return {"skipped": f"Chromium failed: {type(error).__name__}: {error}"}
    for item in measured:
        if item.get("error"):
            failures.append(f"page weight of {item['page']}: {item['error']}")
    return {"pages": measured}


def _git_commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]

    def line(cells):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in
                         enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def print_report(report: dict) -> None:
    settings = report["settings"]
    tool = (f"wrk -t{settings['wrk_threads']} -c{settings['connections']} -d{settings['duration_s']:g}s"
            if settings["load_tool"] == "wrk" else f"python client, {settings['connections']} threads, {settings['duration_s']:g}s")
    bare = report["bare"]
    print(f"Speed — gunicorn {settings['gunicorn_workers']} sync workers on 127.0.0.1, {tool}, "
          f"{report['machine']['cpus']} CPUs; ratio = page req/s ÷ bare Flask req/s (bare runs just before and after it)"
          + (f"; medians of {settings['rounds']} rounds" if settings["rounds"] > 1 else ""))
    rows = [["bare Flask", f"{bare['mean_rps']:.0f}", f"{bare['p95_ms_median']:.1f}", "1.00"]]
    for row in report["pages"]:
        if row.get("rps") is None:
            rows.append([row["page"], "—", "—", "FAIL: " + row.get("error", "")])
            continue
        ratio = _shown_ratio(row["ratio"]) if row.get("ratio") is not None else "—"
        if row.get("aim") is not None and row.get("ratio") is not None:
            ratio += f"  aim ≥ {row['aim']:.2f} " + ("ok" if row["ratio"] >= row["aim"] else "MISSED")
        if row.get("error"):
            ratio += f"  FAIL: {row['error']}"
        rps = f"{row['rps']:.0f}" if row["rps"] >= 10 else f"{row['rps']:.1f}"
        rows.append([row["page"], rps, f"{row['p95_ms']:.1f}", ratio])
    print(_table(["page", "req/s", "p95 ms", "ratio to bare"], rows, right={1, 2}))
    for row in report["pages"]:
        if row.get("load"):
            print(f"{row['page']}: {row['load']['connections']} connections, {row['load']['duration_s']:g} s of load "
                  "(a slow page: one connection per server worker, longer to count enough requests)")
    print(f"bare Flask: {bare['runs']} runs of {min(settings['duration_s'], BARE_DURATION):g} s, "
          f"{bare['min_rps']:.0f}–{bare['max_rps']:.0f} req/s (spread {bare['spread']:.0%})"
          + (" — a noisy machine: compare ratios with care" + (", or use --rounds 3" if settings["rounds"] == 1 else "")
             if bare["spread"] > NOISY else ""))
    if report["stale_translations"]:
        print(f"Translations older than their .po: {', '.join(report['stale_translations'])} (run `make compile`)")
    print()
    _print_weight(report["weight"])
    cert = report.get("certificates") or {}
    if "skipped" in cert:
        print(f"\nCertificates: skipped — {cert['skipped']}")
    elif cert:
        print()
        if (cert.get("render") or {}).get("profile"):
            print(cert["render"]["profile"])
        certificates.print_table(cert)
    workbook = report.get("reports") or {}
    if "skipped" in workbook:
        print(f"\nReport workbook: skipped — {workbook['skipped']}")
    elif workbook:
        print()
        reports.print_table(workbook)


def _print_weight(result: dict) -> None:
    if "pages" not in result:
        print(f"Page weight: skipped — {result.get('skipped') or result.get('error')}")
        return
    print(f"Page weight — Chromium, bytes transferred (body + headers), 1 KB = {weight.KB} B")
    rows = []
    for item in result["pages"]:
        if item.get("error"):
            rows.append([item["page"], "—", f"≤ {weight.FIRST_BUDGET_KB}", "", "—", f"≤ {weight.REPEAT_BUDGET_KB}",
                         "FAIL: " + item["error"]])
            continue
        first, repeat = item["first_bytes"] / weight.KB, item["repeat_bytes"] / weight.KB
        rows.append([item["page"], f"{first:.1f}", f"≤ {item['first_budget_kb']}",
                     "ok" if first <= item["first_budget_kb"] else "OVER",
                     f"{repeat:.1f}", f"≤ {item['repeat_budget_kb']}",
                     "ok" if repeat <= item["repeat_budget_kb"] else "OVER"])
    print(_table(["page", "first visit KB", "budget", "", "repeat KB", "budget", ""], rows, right={1, 4}))
    for item in (i for i in result["pages"] if not i.get("error")):
        print(f"  {item['page']}: first visit {_breakdown(item['first_resources'])}; "
              f"repeat visit {_breakdown(item['repeat_resources'])}")


def _breakdown(resources: list[dict]) -> str:
    by_type: dict[str, int] = {}
    for resource in resources:
        if resource["bytes"]:
            by_type[resource["type"]] = by_type.get(resource["type"], 0) + resource["bytes"]
    over_network = sum(1 for r in resources if r["bytes"])
    parts = ", ".join(f"{kind} {size / weight.KB:.1f}" for kind, size in sorted(by_type.items(), key=lambda kv: -kv[1]))
    cached = len(resources) - over_network
    return (f"{over_network} request{'s' if over_network != 1 else ''} over the network" + (f" ({parts})" if parts else "")
            + (f", {cached} from cache" if cached else ""))
