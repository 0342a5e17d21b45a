"""The certificates' measurements (issue 12), each a ratio to a baseline measured in the same command.

* **render**: in one process, a certificate as issued (`ecole.certificates.printing.certificate_pdf`:
  the HTML, its QR code, PDF/A-3b with the signed credential embedded, the app's cached fonts and
  stylesheet) against a bare WeasyPrint render of the same HTML with a fresh default set-up each time
  (`HTML(string=…, base_url=static/).write_pdf(stylesheets=[CSS(filename=static/css/pdf.css,
  font_config=…)], font_config=…)` with a new `FontConfiguration`: WeasyPrint's own recipe for a
  stylesheet with `@font-face`, which is what a `<link>` does). The two are alternated; ratio = median
  certificate ÷ median bare (lower is better; aim ≤ 1.25). Also the full `services.issue()` (render,
  sign, store, insert, commit) of fresh enrolments, against the same bare render.
* **bulk**: `enqueue_session` for 4 sessions of 10 eligible trainees (one job each), run by 1
  `flask ecole worker` process, then, on fresh sessions, by 2; throughput = certificates ÷ (last job
  finished − first job enqueued); ratio = 2 workers ÷ 1 (aim ≥ 1.6). The SQLite job queue
  (ECOLE_JOBS_FILE) and the bench's SQLite database, as `make bench` sets them.

The harness (`benchmarks/run.py`) runs this module as a child process with the bench's environment:
`python -m benchmarks.certificates child render|bulk|verify-code …`, which prints one line of JSON.
By hand, `python -m benchmarks.certificates [render] [bulk] [--profile]` prepares a throwaway
database of its own (`ecole init` in a temporary folder) and runs the same children: the certificate
part alone, in about a minute; `--profile` prints where a certificate render's time goes (cProfile).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean, median

ROOT = Path(__file__).resolve().parent.parent

RENDERS = 10  # certificate renders and bare renders, alternated
ISSUES = 5  # full issue() calls, on fresh enrolments
BULK_SESSIONS = 4  # one job per session: 2 workers can share 4 jobs evenly
BULK_PER_SESSION = 10
RENDER_AIM = 1.25  # cost(certificate) / cost(bare WeasyPrint): at most
BULK_AIM = 1.6  # throughput(2 workers) / throughput(1 worker): at least
COURSE = "safran-taliouine"  # a course of courses/ (titles in three languages), else the first one
CHILD_MARK = "ECOLE-BENCH-JSON "
PART_NAME = "certificates"  # `--only TEXT` runs the certificate part when TEXT is part of this word


# --- harness side (no ecole import) --------------------------------------------------------------

def run_child(env: dict[str, str], args: list[str], timeout: float, log: Path | None = None,
              module: str = "benchmarks.certificates") -> dict:
    """Run `python -m MODULE child ARGS` in its own process group (it may start worker processes: they
    go with it on an error, Ctrl-C or SIGTERM); returns its JSON answer (the line after CHILD_MARK)."""
    command = [sys.executable, "-m", module, "child", *args]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            _stop_group(process)
    if log is not None:
        with open(log, "a") as file:
            file.write(f"$ {' '.join(command)}\n{err}\n")
    answer = next((line[len(CHILD_MARK):] for line in reversed(out.splitlines()) if line.startswith(CHILD_MARK)), None)
    if process.returncode != 0 or answer is None:
        tail = "\n  ".join((err or out).strip().splitlines()[-15:])
        raise RuntimeError(f"`{' '.join(args)}` failed ({process.returncode}):\n  {tail}")
    return json.loads(answer)


def _stop_group(process: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def measure(env: dict[str, str], tmp: Path, *, rounds: int = 1, parts=("render", "bulk"), profile: bool = False,
            say=lambda message: None) -> dict:
    """The certificate part of a run: {"render": …, "bulk": …, "failures": […]} (a part that failed has
    {"error": …} instead of its numbers)."""
    report: dict = {"failures": []}
    log = tmp / "certificates.log"
    if "render" in parts:
        say(f"Certificates: {RENDERS * rounds} certificate renders alternated with as many bare WeasyPrint renders,"
            f" then {ISSUES * rounds} issue() calls, in one process…")
        args = ["render", "--renders", str(RENDERS * rounds), "--issues", str(ISSUES * rounds)]
        run_part(report, "render", "certificate render", say,
                 lambda: run_child(env, args + (["--profile"] if profile else []), timeout=600, log=log),
                 lambda r: f"  certificate {r['certificate_ms']:.0f} ms, bare WeasyPrint {r['bare_ms']:.0f} ms, "
                           f"ratio {r['ratio']:.2f}; issue() {r['issue_ms']:.0f} ms, ratio {r['issue_ratio']:.2f}")
    if "bulk" in parts:
        total = BULK_SESSIONS * BULK_PER_SESSION
        say(f"Certificates in bulk: {total} certificates ({BULK_SESSIONS} sessions, one job each) by 1 then 2 "
            f"`flask ecole worker` processes" + (f", {rounds} rounds" if rounds > 1 else "") + "…")
        run_part(report, "bulk", "certificates in bulk", say,
                 lambda: run_child(env, ["bulk", "--workers", ",".join(["1", "2"] * rounds),
                                         "--sessions", str(BULK_SESSIONS), "--per-session", str(BULK_PER_SESSION),
                                         "--logs", str(tmp)], timeout=900, log=log),
                 lambda b: f"  1 worker {b['one_cps']:.2f} certificates/s, 2 workers {b['two_cps']:.2f}/s, "
                           f"ratio {b['ratio']:.2f}")
    return report


def run_part(report: dict, key: str, name: str, say, run, summary) -> None:
    """report[key] = run() (a child's answer), said through summary(answer); a part that fails is
    recorded in report["failures"] and said, and the run goes on to the next part."""
    try:
        report[key] = run()
        say(summary(report[key]))
    except (RuntimeError, OSError, subprocess.TimeoutExpired, ValueError, KeyError) as error:
        report[key] = {"error": str(error)}
        report["failures"].append(f"{name}: {error}")
        say(f"  {name} failed: {error}")


def table_rows(report: dict) -> list[list[str]]:
    """The lines of the certificates table: measure, cost or throughput, baseline, ratio, aim."""
    rows = []
    render = report.get("render")
    if render is not None:
        if "error" in render:
            rows.append(["one certificate (render)", "—", "—", "FAIL", render["error"].splitlines()[0]])
        else:
            rows.append(["one certificate (certificate_pdf)", f"{render['certificate_ms']:.0f} ms",
                         f"bare WeasyPrint {render['bare_ms']:.0f} ms", f"{render['ratio']:.2f}",
                         _aim(render["ratio"], RENDER_AIM, lower=True)])
            rows.append(["issue() (render, sign, store, insert)", f"{render['issue_ms']:.0f} ms",
                         f"bare WeasyPrint {render['bare_ms']:.0f} ms", f"{render['issue_ratio']:.2f}", ""])
    bulk = report.get("bulk")
    if bulk is not None:
        if "error" in bulk:
            rows.append(["bulk, 2 workers ÷ 1", "—", "—", "FAIL", bulk["error"].splitlines()[0]])
        else:
            rows.append([f"bulk {bulk['certificates']} certificates, 2 workers", f"{bulk['two_cps']:.2f} cert/s",
                         f"1 worker {bulk['one_cps']:.2f} cert/s", f"{bulk['ratio']:.2f}",
                         _aim(bulk["ratio"], BULK_AIM, lower=False)])
    return rows


def _aim(ratio: float, aim: float, *, lower: bool) -> str:
    met = ratio <= aim if lower else ratio >= aim
    return f"{'≤' if lower else '≥'} {aim:.2f} " + ("ok" if met else "MISSED")


def notes(report: dict) -> list[str]:
    lines = []
    render = report.get("render") or {}
    if "ratio" in render:
        lines.append(f"  render: medians of {render['renders']} alternated renders each (means: certificate "
                     f"{render['certificate_mean_ms']:.0f} ms, bare {render['bare_mean_ms']:.0f} ms); the process's first "
                     f"issue() (cold: fonts and stylesheet loaded) {render['first_issue_ms']:.0f} ms; issue() is the "
                     f"median of {render['issues']}; PDF {render['certificate_kb']:.0f} KB vs bare {render['bare_kb']:.0f} KB")
    bulk = report.get("bulk") or {}
    if "ratio" in bulk:
        lines.append(f"  bulk: {bulk['sessions']} jobs of {bulk['per_session']} per run, fresh sessions each run; "
                     f"throughput = certificates ÷ (last job done − jobs enqueued); CPUs busy while the jobs ran:")
        lines += [f"    {r['workers']} worker{'s' if r['workers'] > 1 else ' '} {r['cps']:.2f} cert/s in {r['seconds']:.1f} s; "
                  f"machine {r['machine_cpus']:.1f} CPUs, workers {r['worker_cpus']:.1f} "
                  f"({r['cps'] / max(r['worker_cpus'], 0.01):.2f} certificates per worker CPU-second)" for r in bulk["runs"]]
        others = max(r["machine_cpus"] - r["worker_cpus"] for r in bulk["runs"])
        if others > 0.3:
            lines.append(f"  other processes kept up to {others:.1f} CPU busy during a bulk run (a shared machine): "
                         "2 workers cannot get 2 CPUs; compare with care, or use --rounds 3")
    return lines


# --- child side (runs with the bench's environment, imports ecole) -------------------------------

def _answer(result: dict) -> None:
    print(CHILD_MARK + json.dumps(result), flush=True)


def _app():
    from ecole import create_app

    return create_app()


def _course_slug() -> str:
    from sqlalchemy import select

    from ecole.catalogue.models import Course
    from ecole.extensions import db

    slugs = db.session.scalars(select(Course.slug).where(~Course.slug.like("scale-%")).order_by(Course.slug)).all()
    if not slugs:
        raise SystemExit("no course in the database: `flask ecole init` imports courses/")
    return COURSE if COURSE in slugs else slugs[0]


def seed_sessions(sessions: int, per_session: int, tag: str) -> list[tuple[int, list[int]]]:
    """`sessions` held sessions of `per_session` trainees each, whose results the trainer validated
    (tests/factories.py::make_validated_session, through the application's services). The people are
    inserted directly (no password: Argon2 would dominate the set-up), named in Latin, Arabic and
    Tifinagh as certificates print them. Returns [(session id, [enrolment ids])]."""
    from ecole.accounts.models import User, UserRole
    from ecole.extensions import db
    from tests.factories import make_validated_session

    slug = _course_slug()
    trainer = User(email=f"bench-cert-trainer-{tag}@example.org", name_latin="Fatima Ait Lahcen",
                   name_arabic="فاطمة آيت لحسن", locale="fr", active=True)
    people = [User(email=f"bench-cert-{tag}-{n:04d}@example.org", name_latin=f"Youssef Oubella {tag}-{n}",
                   name_arabic="يوسف أوبلا", name_tifinagh="ⵢⵓⵙⵙⴼ ⵓⴱⴻⵍⵍⴰ", locale=("fr", "ar", "zgh")[n % 3],
                   commune="Taliouine", active=True) for n in range(sessions * per_session)]
    db.session.add_all([trainer, *people])
    db.session.flush()
    db.session.add(UserRole(user_id=trainer.id, role="trainer"))
    db.session.add_all([UserRole(user_id=person.id, role="trainee") for person in people])
    db.session.commit()
    made = []
    for number in range(sessions):
        group = people[number * per_session:(number + 1) * per_session]
        course_session, enrolments = make_validated_session(trainer, group, course_slug=slug)
        made.append((course_session.id, [e.id for e in enrolments]))
    return made


def _eligible(enrolment_ids: list[int]):
    from ecole.certificates import services
    from ecole.enrolment.models import Enrolment
    from ecole.extensions import db

    enrolments = [db.session.get(Enrolment, eid) for eid in enrolment_ids]
    course_session = enrolments[0].course_session
    refused = services.eligibility(course_session).refused
    if refused:
        raise SystemExit(f"seeded trainees not eligible: {refused[0][1]}")
    return enrolments


def _ensure_key() -> None:
    from ecole.certificates import keys

    if not keys.all_keys():  # `ecole init` made one in ECOLE_SIGNING_KEYS_DIR; a fresh folder gets one
        keys.create_key()


def child_render(renders: int, issues: int, profile: bool) -> dict:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from ecole.certificates import services
    from ecole.certificates.printing import certificate_html, certificate_pdf
    from ecole.extensions import db

    app = _app()
    with app.app_context():
        _ensure_key()
        [(_session_id, enrolment_ids)] = seed_sessions(1, 1 + issues, f"render-{os.getpid()}")
        enrolments = _eligible(enrolment_ids)
        started = time.perf_counter()
        certificate = services.issue(enrolments[0], actor=None)  # the process's first: cold caches
        db.session.commit()
        first_issue = time.perf_counter() - started

        static = Path(app.static_folder).resolve()
        stylesheet = static / "css" / "pdf.css"
        base_url = (static / "index.html").as_uri()
        html = certificate_html(certificate)

        def bare() -> bytes:
            # A fresh default set-up each time: WeasyPrint's recipe for a stylesheet with @font-face
            # (a CSS object without font_config ignores @font-face; a <link> gets the document's).
            fonts = FontConfiguration()
            css = weasyprint.CSS(filename=str(stylesheet), font_config=fonts)
            return weasyprint.HTML(string=html, base_url=base_url).write_pdf(stylesheets=[css], font_config=fonts)

        certificate_pdf(certificate)  # warm: the certificate's attributes loaded after the commit
        bare()  # and WeasyPrint's own first-call costs, paid by neither side's timings
        cert_times, bare_times = [], []
        for _ in range(renders):
            started = time.perf_counter()
            cert_pdf = certificate_pdf(certificate)
            cert_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            bare_pdf = bare()
            bare_times.append(time.perf_counter() - started)

        issue_times = []
        for enrolment in enrolments[1:]:
            started = time.perf_counter()
            services.issue(enrolment, actor=None)
            db.session.commit()  # the job commits after each certificate (its checkpoint)
            issue_times.append(time.perf_counter() - started)

        profiled = _profile(lambda: certificate_pdf(certificate), max(3, renders // 2)) if profile else None

    cert_ms, bare_ms, issue_ms = (1000 * median(t) for t in (cert_times, bare_times, issue_times))
    return {
        "renders": renders, "issues": len(issue_times),
        "certificate_ms": round(cert_ms, 1), "bare_ms": round(bare_ms, 1), "issue_ms": round(issue_ms, 1),
        "ratio": round(cert_ms / bare_ms, 3), "issue_ratio": round(issue_ms / bare_ms, 3),
        "certificate_mean_ms": round(1000 * mean(cert_times), 1), "bare_mean_ms": round(1000 * mean(bare_times), 1),
        "first_issue_ms": round(1000 * first_issue, 1),
        "certificate_kb": round(len(cert_pdf) / 1024, 1), "bare_kb": round(len(bare_pdf) / 1024, 1),
        "certificate_runs_ms": [round(1000 * t, 1) for t in cert_times],
        "bare_runs_ms": [round(1000 * t, 1) for t in bare_times],
        "issue_runs_ms": [round(1000 * t, 1) for t in issue_times],
        **({"profile": profiled} if profiled else {}),
    }


def _profile(work, times: int) -> str:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(times):
        work()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    return f"cProfile of {times} certificate renders (certificate_pdf), warm:\n" + out.getvalue()


def child_verify_code() -> dict:
    """One issued certificate in the bench database: the verify page's code."""
    from ecole.certificates import services
    from ecole.extensions import db

    with _app().app_context():
        _ensure_key()
        [(_session_id, enrolment_ids)] = seed_sessions(1, 1, f"verify-{os.getpid()}")
        certificate = services.issue(_eligible(enrolment_ids)[0], actor=None)
        db.session.commit()
        return {"code": certificate.code}


def child_bulk(workers_per_run: list[int], sessions: int, per_session: int, logs: Path) -> dict:
    from ecole.certificates.jobs import KIND, enqueue_session
    from ecole.certificates.models import Certificate
    from ecole.enrolment.models import Enrolment
    from ecole.extensions import db
    from ecole.jobs.models import Job
    from ecole.sessions.models import CourseSession

    app = _app()
    if app.config.get("JOBS_IMMEDIATE") or app.config.get("REDIS_URL"):
        raise SystemExit("the bulk benchmark needs the SQLite job queue (no JOBS_IMMEDIATE, no REDIS_URL)")
    runs = []
    with app.app_context():
        _ensure_key()
        for number, count in enumerate(workers_per_run, start=1):
            made = seed_sessions(sessions, per_session, f"bulk{number}-{os.getpid()}")
            for _sid, enrolment_ids in made:
                _eligible(enrolment_ids)
            db.session.commit()
            processes = [_start_worker(logs / f"worker-{number}-{w}.log") for w in range(count)]
            try:
                for process, log in processes:
                    _wait_ready(process, log)
                _wait_idle(Job)  # the enrolment notices the seeding queued: delivered (to the log) first
                session_ids = [sid for sid, _ in made]
                before = db.session.scalar(db.select(db.func.max(Job.id))) or 0
                expected = 0
                for sid in session_ids:
                    expected += enqueue_session(db.session.get(CourseSession, sid), actor=None)
                cpu_before = _machine_busy(), sum(_cpu_seconds(p.pid) for p, _ in processes)
                db.session.commit()  # the jobs go to the queue now
                deadline = time.monotonic() + 600
                while True:
                    db.session.commit()  # a fresh snapshot: the workers write from other processes
                    mine = db.session.scalars(db.select(Job).where(Job.kind == KIND, Job.id > before)).all()
                    broken = next((j for j in mine if j.error), None)
                    if broken is not None:  # not worth its retries (30 s, 60 s…): the numbers are gone anyway
                        raise SystemExit(f"job {broken.id} failed (attempt {broken.attempts}): {broken.error}")
                    if mine and all(j.state in ("done", "failed") for j in mine) and len(mine) == len(session_ids):
                        break
                    for process, log in processes:
                        if process.poll() is not None:
                            raise SystemExit(f"a worker stopped ({process.returncode}): {_tail(log)}")
                    if time.monotonic() > deadline:
                        raise SystemExit(f"the jobs did not finish in 600 s: {[(j.id, j.state) for j in mine]}")
                    time.sleep(0.1)
                cpu_after = _machine_busy(), sum(_cpu_seconds(p.pid) for p, _ in processes)
            finally:
                for process, _log in processes:
                    _stop_worker(process)
            failed = [j for j in mine if j.state != "done"]
            if failed:
                raise SystemExit(f"job {failed[0].id} failed: {failed[0].error}")
            issued = db.session.scalar(db.select(db.func.count(Certificate.id)).join(
                Enrolment, Enrolment.id == Certificate.enrolment_id).where(Enrolment.session_id.in_(session_ids)))
            if issued != expected:
                raise SystemExit(f"{issued} certificates issued, {expected} expected")
            first_enqueued = min(j.created_at for j in mine)
            first_started = min(j.started_at for j in mine)
            last_done = max(j.finished_at for j in mine)
            seconds = (last_done - first_enqueued).total_seconds()
            (busy_before, workers_before), (busy_after, workers_after) = cpu_before, cpu_after
            polled = (busy_after[1] - busy_before[1]) or 1e-9  # seconds between the two readings
            runs.append({"workers": count, "certificates": issued, "seconds": round(seconds, 2),
                         "cps": round(issued / seconds, 3),
                         # CPUs in use on the machine while the jobs ran, and how many of them were the
                         # workers': the rest is everything else (the other tenants of a shared machine)
                         "machine_cpus": round((busy_after[0] - busy_before[0]) / polled, 2),
                         "worker_cpus": round((workers_after - workers_before) / polled, 2),
                         "pickup_s": round((first_started - first_enqueued).total_seconds(), 2),
                         "jobs": [{"id": j.id, "started": j.started_at.isoformat(), "finished": j.finished_at.isoformat()}
                                  for j in sorted(mine, key=lambda j: j.id)]})
    answer = {"sessions": sessions, "per_session": per_session, "certificates": sessions * per_session, "runs": runs}
    by_workers = {count: median(r["cps"] for r in runs if r["workers"] == count) for count in set(workers_per_run)}
    if 1 in by_workers and 2 in by_workers:
        answer.update(one_cps=round(by_workers[1], 3), two_cps=round(by_workers[2], 3),
                      ratio=round(by_workers[2] / by_workers[1], 3))
    return answer


def _machine_busy() -> tuple[float, float]:
    """(CPU seconds the whole machine spent busy since boot, seconds since boot), from /proc."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0, time.monotonic()
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK"), uptime


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (/proc/PID/stat)."""
    try:
        rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _start_worker(log: Path, env: dict[str, str] | None = None, nice: int = 0) -> tuple[subprocess.Popen, Path]:
    # Same process group as this child: the harness ends them all together if it has to. `env`: another
    # run's settings (the soak's), else this process's.
    # `nice`: a lower CPU priority than the web's, as a service manager gives it (systemd's CPUWeight= on the
    # worker's own cgroup). Nice alone does nothing against a server in another session: Linux shares the
    # CPU between sessions first (autogroups), so the worker gets a session of its own and that is niced.
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "ecole", "worker"]
    process = subprocess.Popen((["nice", "-n", str(nice)] if nice else []) + command, cwd=ROOT,
                               env=dict(os.environ if env is None else env), stdin=subprocess.DEVNULL,
                               stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=bool(nice))
    if nice:
        try:
            Path(f"/proc/{process.pid}/autogroup").write_text(str(nice))
        except OSError:  # no autogroups (a kernel without them, or turned off): the nice above is enough
            pass
    return process, log


def _wait_ready(process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while "Worker prêt" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"a worker did not start: {_tail(log)}")
        time.sleep(0.05)


def _wait_idle(Job, timeout: float = 120) -> None:
    from ecole.extensions import db

    deadline = time.monotonic() + timeout
    while True:
        db.session.commit()
        busy = db.session.scalar(db.select(db.func.count(Job.id)).where(Job.state.in_(["queued", "running"])))
        if not busy:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{busy} earlier jobs still queued or running after {timeout:g} s")
        time.sleep(0.1)


def _stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # Huey's graceful stop
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n  ".join(log.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


# --- command line ---------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["child"]:
        return _child(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m benchmarks.certificates", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="*", metavar="render|bulk", help="what to measure (default: both)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat each measurement (1-5); medians reported")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the certificate render")
    args = parser.parse_args(argv)
    if set(args.parts) - {"render", "bulk"}:
        parser.error("the parts are render and bulk")
    parts = tuple(args.parts) or ("render", "bulk")
    from benchmarks.run import _terminate
    from benchmarks.servers import bench_env, flask_runner

    signal.signal(signal.SIGTERM, _terminate)  # unwinds through run_child, which ends the children
    signal.signal(signal.SIGHUP, _terminate)

    with tempfile.TemporaryDirectory(prefix="ecole-bench-cert-") as tmpname:
        tmp = Path(tmpname)
        env = bench_env(tmp)
        print("Preparing a fresh SQLite database (ecole init)…", file=sys.stderr, flush=True)
        flask_runner(env)("ecole", "init")
        report = measure(env, tmp, rounds=max(1, min(args.rounds, 5)), parts=parts, profile=args.profile,
                         say=lambda message: print(message, file=sys.stderr, flush=True))
    if (report.get("render") or {}).get("profile"):
        print(report["render"]["profile"])
    print_table(report)
    return 1 if report["failures"] else 0


def print_table(report: dict) -> None:
    from benchmarks.run import _table

    print(f"Certificates — {os.cpu_count()} CPUs; render: one process, cost ratio (lower is better); "
          "bulk: throughput ratio (higher is better)")
    print(_table(["measure", "cost / throughput", "baseline", "ratio", "aim"], table_rows(report), right={1}))
    for line in notes(report):
        print(line)


def _child(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.certificates child")
    sub = parser.add_subparsers(dest="command", required=True)
    render = sub.add_parser("render")
    render.add_argument("--renders", type=int, default=RENDERS)
    render.add_argument("--issues", type=int, default=ISSUES)
    render.add_argument("--profile", action="store_true")
    bulk = sub.add_parser("bulk")
    bulk.add_argument("--workers", default="1,2", help="worker processes of each run, e.g. 1,2,1,2")
    bulk.add_argument("--sessions", type=int, default=BULK_SESSIONS)
    bulk.add_argument("--per-session", type=int, default=BULK_PER_SESSION)
    bulk.add_argument("--logs", type=Path, required=True)
    sub.add_parser("verify-code")
    args = parser.parse_args(argv)
    if args.command == "render":
        _answer(child_render(args.renders, args.issues, args.profile))
    elif args.command == "bulk":
        _answer(child_bulk([int(n) for n in args.workers.split(",")], args.sessions, args.per_session, args.logs))
    else:
        _answer(child_verify_code())
    return 0


if __name__ == "__main__":
    sys.exit(main())
