"""`python -m benchmarks.soak`: a school's mixed traffic for ten minutes against gunicorn on PostgreSQL and
Redis, with the job workers and a batch of certificates running, then checks that nothing was over-booked,
duplicated or lost. Not part of CI (`make soak`); see "Soak test" in benchmarks/README.md.

The load is an open model: actions (a page, or a few pages and a form as a person clicks through them)
arrive at a fixed rate whatever the server does, from a pool of client threads; each simulated person
keeps their own cookies. A request's latency counts from the moment its action was due, so a server that
stalls shows it in the figures instead of slowing the arrivals down (coordinated omission)."""
from __future__ import annotations

import argparse
import json
import os
import queue
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import unescape
from http.client import HTTPException
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks.certificates import (
    _answer,
    _cpu_seconds,
    _machine_busy,
    _start_worker,
    _stop_worker,
    _wait_ready,
    run_child,
)
from benchmarks.client import BenchError, Response, cookie_header, request
from benchmarks.load import TIMEOUT_S, _percentile
from benchmarks.run import _git_commit, _table, _terminate
from benchmarks.servers import ROOT, Server, bench_env, flask_runner

RESULTS = Path(__file__).resolve().parent / "results"
DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/soak"
REDIS_URL = "redis://127.0.0.1:6379/6"
# Moderate numbers: a school of a few thousand people, a year of sessions behind it and a year ahead.
SEED = ("ecole", "seed-scale", "--courses", "300", "--trainees", "3000", "--sessions", "600", "--enrolments", "15000",
        "--register", "40", "--held", "300")
PASSWORD = "scale password"  # every seeded account's (ecole.seeding.SCALE_PASSWORD), the soak's staff too
TRAINERS = 7  # the scale trainer and 6 more share the seeded sessions
HOT_SESSIONS = 20  # small sessions (8 seats), one seat left or full: enrolment meets the waitlist
HOT_CAPACITY = 8
VERIFY_SESSIONS = 2  # closed sessions whose certificates are issued before the run: the codes to verify
BATCH_SESSIONS = 8  # closed sessions whose certificates an administrator asks for during the run
BATCH_AT = (0.1, 0.3, 0.5, 0.7)  # when (share of the duration) each quarter of the batch is asked for
# The job workers yield the CPU to the web (nice 19 on a session of their own, as CPUWeight=1 and Nice=19 on
# deploy/systemd/ecole-worker@.service do): at the same priority, each certificate batch (WeasyPrint) took
# most of a core for 13 s and the web's p95 rose from ~150 ms to 2-3.5 s while it lasted; at nice 10 (a
# tenth of the web's share) the p95 of a whole run was still 560-830 ms, with seconds-long stalls, and at
# nice 19 (1.5 %) every p95 stayed under 130 ms on the same machine (benchmarks/README.md, 2026-12-05).
JOB_NICE = 19
SIGNED_IN_AT_START = 300  # trainees signed in before the run; the others sign in during it
P95_AIM_MS = 300
ERROR_AIM = 0.001
ALLOWED_REDIRECT = ("/login", "/account/password")  # a form that lands here lost its session

# The mix: action → (who does it, weight, the requests it usually sends, by kind). An action's share of the
# requests is its weight times its requests; actions arrive at the rate that makes the requests add up to --rate.
MIX: dict[str, tuple[str, float, tuple[str, ...]]] = {
    # signed out: about half the requests
    "home": ("visitor", 10, ("home",)),                                    # /?lang=fr|ar|zgh
    "catalogue": ("visitor", 6, ("catalogue",)),                           # /courses, in a language
    "catalogue search": ("visitor", 4, ("catalogue search",)),             # /courses?q=… (fr, ar, zgh words)
    "course": ("visitor", 9, ("course page",)),                            # /courses/<slug>
    "lesson": ("visitor", 9, ("lesson page",)),                            # /courses/<slug>/lessons/<key>
    "session": ("visitor", 3, ("session page",)),                          # /sessions/<id>
    "verify": ("visitor", 4, ("verify",)),                                 # /verify/<code>
    # GET /login, POST /login, the home it leads to. A session lasts 30 days: a sign-in for some 80 pages seen
    # signed in (the dearest request: Argon2id spends about 30-50 ms of CPU on the password, on purpose).
    "sign in": ("visitor", 0.5, ("login page", "sign-in (POST)", "home (trainee)")),
    # signed-in trainees: about 40 %
    "my training": ("trainee", 7, ("my training",)),                       # /me/training
    "course signed in": ("trainee", 5, ("course page (signed in)",)),      # /courses/<slug>
    "home trainee": ("trainee", 3, ("home (trainee)",)),                   # /
    # the session page, POST enrol, the session page it leads to (confirmed or waitlisted)
    "enrol": ("trainee", 5, ("session page (signed in)", "enrol (POST)", "session page (signed in)")),
    # my training, the cancel page, POST cancel, my training
    "cancel": ("trainee", 1.5, ("my training", "cancel page", "cancel (POST)", "my training")),
    # a waitlisted person's my training; a seat offered there: POST accept, my training (not counted here: rare)
    "offers": ("trainee", 2, ("my training",)),
    # trainers: about 9 %; administrators
    "home trainer": ("trainer", 1.5, ("home (trainer)",)),                 # /
    "register": ("trainer", 1.5, ("register",)),                           # /meetings/<id>/register
    "mark": ("trainer", 1.5, ("register", "mark attendance (POST)", "register")),  # 1-3 marks changed
    "roster": ("trainer", 1, ("roster",)),                                 # /sessions/<id>/roster
    "home admin": ("admin", 0.3, ("home (admin)",)),                       # /
}
SEARCHES = ("safran eau", "coopérative", "argan formation", "budget commune", "الماء", "التعاونية", "ⴰⵎⴰⵏ", "tourisme")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the harness ---------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=600, help="seconds of measured load (default 600)")
    parser.add_argument("--rate", type=float, default=100, help="requests a second, all kinds together (default 100)")
    parser.add_argument("--warmup", type=float, default=20, help="seconds of the same mix before measuring (default 20)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--job-workers", type=int, default=1, help="`flask ecole worker` processes (default 1)")
    parser.add_argument("--job-nice", type=int, default=JOB_NICE,
                        help=f"the job workers' lower CPU priority (default {JOB_NICE}; 0: the web's)")
    parser.add_argument("--clients", type=int, default=64, help="client threads of the load generator (default 64)")
    parser.add_argument("--database-url", default=DATABASE_URL,
                        help="PostgreSQL database, DROPPED and created again (its name must start with soak; "
                             f"default {DATABASE_URL})")
    parser.add_argument("--redis-url", default=REDIS_URL,
                        help=f"Redis database for rate limits and jobs, FLUSHED first (default {REDIS_URL})")
    parser.add_argument("--seed", type=int, default=14, help="random seed of the mix (default 14)")
    parser.add_argument("--skip-costs", action="store_true",
                        help="do not measure each kind of request alone in one process after the run")
    parser.add_argument("--drain-timeout", type=float, default=300, help="seconds to wait for the jobs after the load")
    parser.add_argument("--logs", type=Path, metavar="DIR",
                        help="keep the server's and workers' logs in DIR (with ECOLE_ACCESS_LOG=1: every request's time)")
    parser.add_argument("--output", type=Path, default=RESULTS / "soak.json",
                        help="JSON results (default benchmarks/results/soak.json)")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.rate <= 0 or args.warmup < 0 or args.workers < 1 or args.clients < 1 \
            or not 1 <= args.job_workers <= 8 or not 0 <= args.job_nice <= 19:
        parser.error("--duration, --rate, --workers and --clients must be positive, --job-workers in [1, 8], "
                     "--job-nice in [0, 19]")
    database = urlsplit(args.database_url)
    if not database.scheme.startswith("postgresql") or not database.path.lstrip("/").startswith("soak"):
        parser.error("--database-url must name a PostgreSQL database whose name starts with 'soak' (it is dropped)")
    if not urlsplit(args.redis_url).path.strip("/").isdigit():
        parser.error("--redis-url must name its database number, e.g. redis://127.0.0.1:6379/6 (it is flushed)")
    return args


def soak_env(tmp: Path, args: argparse.Namespace) -> dict[str, str]:
    """The bench's production settings, on PostgreSQL and Redis (rate limits and the job queue)."""
    env = bench_env(tmp)
    env.pop("RATELIMIT_STORAGE_URI", None)  # REDIS_URL's store, shared by every worker process
    env.update({
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        # Everyone signs in from 127.0.0.1: the 10 a minute per address would refuse the school's
        # sign-ins (a success gives its attempt back, but they arrive together). Still counted.
        "ECOLE_LOGIN_RATE_LIMIT": "1000000 per minute",
    })
    return env


def fresh_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_libpq(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def _libpq(url: str, database: str | None = None) -> str:
    """postgresql+psycopg://… as libpq reads it, optionally naming another database."""
    parts = urlsplit(url.replace("+psycopg", "", 1))
    return parts._replace(path=f"/{database}" if database else parts.path).geturl()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["child"]:
        return _child(argv[1:])
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    started = time.monotonic()
    stoppers: list = []
    try:
        with tempfile.TemporaryDirectory(prefix="ecole-soak-") as tmpname:
            try:
                report = run(args, Path(tmpname), stoppers)
            finally:
                for stop in reversed(stoppers):
                    stop()
    except BenchError as error:
        say(f"soak: {error}")
        return 2
    except KeyboardInterrupt:
        say("soak: interrupted; servers and workers stopped.")
        return 130
    report["total_s"] = round(time.monotonic() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_report(report)
    print(f"\nResults: {args.output} · {report['total_s']} s in all")
    failed = [check["name"] for check in report["checks"] if not check["ok"] and not check.get("warning")]
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    return 0


def run(args: argparse.Namespace, tmp: Path, stoppers: list) -> dict:
    load_before = os.getloadavg()  # the machine's other tenants, before the soak adds its own load
    env = soak_env(tmp, args)
    flask = flask_runner(env)
    say(f"Preparing a fresh PostgreSQL database ({urlsplit(args.database_url).path.lstrip('/')}) and Redis "
        f"database {urlsplit(args.redis_url).path.strip('/')}…")
    try:
        fresh_database(args.database_url)
        flush_redis(args.redis_url)
    except Exception as error:  # noqa: BLE001 - no server, no soak: say which
        raise BenchError(f"PostgreSQL or Redis is not reachable: {type(error).__name__}: {error}") from error
    began = time.monotonic()
    flask("ecole", "init")
    flask(*SEED, timeout=600)
    try:
        world = run_child(env, ["prepare", "--seed", str(args.seed)], timeout=600, module="benchmarks.soak",
                          log=tmp / "prepare.log")
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        raise BenchError(f"preparing the school failed: {error}") from error
    say(f"  seeded in {time.monotonic() - began:.0f} s: {len(world['trainees'])} trainees to sign in, "
        f"{len(world['hot'])} small sessions, {len(world['codes'])} certificates to verify, "
        f"{sum(world['batch'].values())} certificates to issue in {len(world['batch'])} jobs during the run")

    workers = []
    for number in range(args.job_workers):
        log = tmp / f"worker-{number}.log"
        process, log = _start_worker(log, env=env, nice=args.job_nice)
        stoppers.append(lambda process=process: _stop_worker(process))
        workers.append((process, log))
    for process, log in workers:
        _wait_ready(process, log)
    app = Server("Ecole", "wsgi:app", env, tmp / "gunicorn.log", ready_path="/healthz", workers=args.workers)
    stoppers.append(app.stop)
    app.start()
    say(f"Serving on {app.base_url}: gunicorn {args.workers} sync workers, {args.job_workers} job worker(s)")

    database = _libpq(args.database_url)
    before = snapshot(database)
    traffic = Traffic(app.base_url, world, args)
    say(f"Signing in {len(traffic.trainees.everyone)} trainees, {len(world['trainers']) * 2} trainer and 2 "
        "administrator sessions…")
    traffic.sign_in_everyone()
    if args.warmup:
        say(f"Warm-up: {args.warmup:g} s of the mix (not measured)…")
        traffic.run(args.warmup, measured=False)
    say(f"Soak: {args.duration:g} s at {args.rate:g} requests/s ({traffic.action_rate:.1f} actions/s), "
        f"{args.clients} client threads…")
    processes = Processes(app.process.pid, [p.pid for p, _ in workers], urlsplit(args.database_url).path.lstrip("/"))
    processes.start()
    traffic.run(args.duration, measured=True, batch=True)
    cpu = processes.stop(traffic.load_seconds)
    for process, log in workers:
        if process.poll() is not None:
            raise BenchError(f"a job worker stopped during the run ({process.returncode}): {log.read_text()[-2000:]}")
    say("Load done; waiting for the job queue to drain…")
    drained = drain(database, args.drain_timeout)
    server_log = (tmp / "gunicorn.log").read_text(errors="replace")
    checks = end_checks(database, before, traffic, world, drained, server_log)
    jobs = job_summary(database, before)
    for stop in reversed(stoppers):  # the servers and workers, idle now: the costs are measured alone
        stop()
    if args.logs:
        args.logs.mkdir(parents=True, exist_ok=True)
        for log in [tmp / "gunicorn.log", tmp / "prepare.log"] + [log for _process, log in workers]:
            if log.exists():
                shutil.copy(log, args.logs / log.name)
    costs = None
    if not args.skip_costs:
        say("Each kind of request alone, in one process (its CPU and SQL statements)…")
        (tmp / "world.json").write_text(json.dumps(world))
        try:
            measured = run_child(env, ["costs", "--world", str(tmp / "world.json")], timeout=600,
                                 module="benchmarks.soak", log=tmp / "costs.log")
            costs = {"kinds": measured, "mix": mix_cost(measured, args.rate)}
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            costs = {"error": str(error)}
    return {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_before": load_before, "load_after": os.getloadavg()},
        "commit": _git_commit(),
        "settings": {"duration_s": args.duration, "rate": args.rate, "action_rate": round(traffic.action_rate, 2),
                     "warmup_s": args.warmup, "gunicorn_workers": args.workers, "job_workers": args.job_workers,
                     "job_nice": args.job_nice,
                     "clients": args.clients, "seed": args.seed, "database": "postgresql", "redis": True,
                     "seed_command": list(SEED), "mix": {name: list(value) for name, value in MIX.items()},
                     "limits": {"ECOLE_LOGIN_RATE_LIMIT": env["ECOLE_LOGIN_RATE_LIMIT"],
                                "ECOLE_VERIFY_RATE_LIMIT": env["ECOLE_VERIFY_RATE_LIMIT"]}},
        "world": {key: (len(value) if isinstance(value, (list, dict)) else value) for key, value in world.items()},
        **traffic.summary(batch_windows(database, before, traffic.t0_wall)),
        "cpu": cpu,
        "drain_s": drained["seconds"],
        "jobs": jobs,
        "checks": checks,
        "costs": costs,
        "server_log": {"worker_timeouts": server_log.count("WORKER TIMEOUT"), "tracebacks": server_log.count("Traceback"),
                       "tail": server_log.strip().splitlines()[-20:]},
    }


# --- processes and their CPU -----------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def _backends(database: str) -> list[int]:
    """PostgreSQL's processes serving `database`; their title is "postgres: [CLUSTER: ]USER DATABASE HOST(PORT) …"
    (Debian names the cluster, "15/main:")."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
            except OSError:
                continue
            words = [word for word in title[1:] if not word.endswith(":")]
            if title[:1] == ["postgres:"] and len(words) > 1 and words[1] == database:
                found.append(int(entry.name))
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        pass
    return 0.0


class Processes:
    """CPU seconds of the machine and of each part of the run between start() and stop(), and the
    memory of the server's and job workers' processes (a soak shows leaks)."""

    def __init__(self, gunicorn: int, workers: list[int], database: str):
        self.gunicorn, self.workers, self.database = gunicorn, workers, database

    def _groups(self) -> dict[str, list[int]]:
        return {"gunicorn": [self.gunicorn, *_children(self.gunicorn)], "job workers": self.workers,
                "postgresql (soak database)": _backends(self.database)}

    def _reading(self) -> dict:
        return {"machine": _machine_busy(), "load generator": _own_cpu(),
                **{name: {pid: _cpu_seconds(pid) for pid in pids} for name, pids in self._groups().items()}}

    def start(self) -> None:
        self.first = self._reading()
        self.rss_start = self._rss()

    def _rss(self) -> dict[str, list[float]]:
        groups = self._groups()
        return {"gunicorn workers": [_rss_mb(pid) for pid in groups["gunicorn"][1:]],
                "job workers": [_rss_mb(pid) for pid in self.workers]}

    def stop(self, seconds: float) -> dict:
        last = self._reading()
        (busy0, up0), (busy1, up1) = self.first["machine"], last["machine"]
        wall = (up1 - up0) or seconds
        used = {"machine": round((busy1 - busy0) / wall, 2),
                "load generator": round((last["load generator"] - self.first["load generator"]) / wall, 2)}
        for name in ("gunicorn", "job workers", "postgresql (soak database)"):
            # Processes that came or went meanwhile count from zero or are left out: close enough.
            spent = sum(after - self.first[name].get(pid, 0.0) for pid, after in last[name].items())
            used[name] = round(spent / wall, 2)
        used["everything else"] = round(max(0.0, used["machine"] - sum(v for k, v in used.items() if k != "machine")), 2)
        return {"cpus_used": used, "wall_s": round(wall, 1), "rss_mb": {"start": self.rss_start, "end": self._rss()}}


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the traffic -----------------------------------------------------------------------------------

class ActionFailed(Exception):
    """A request of an action went wrong (recorded): the person stops there, as a user would."""


@dataclass(eq=False)
class Person:
    role: str  # visitor, trainee, trainer, admin
    email: str = ""
    jar: dict[str, str] = field(default_factory=dict)
    waiting: set[int] = field(default_factory=set)  # sessions where they wait for a seat
    holding: set[int] = field(default_factory=set)  # small sessions where they hold a confirmed seat
    meetings: list[int] = field(default_factory=list)  # a trainer's registers
    sessions: list[int] = field(default_factory=list)  # a trainer's sessions to come (rosters)


class Pool:
    """People free to act; an action takes one (preferring those `wanted` says yes to) and gives it back."""

    def __init__(self, people: list[Person]):
        self.everyone = list(people)
        self.free = list(people)
        self.condition = threading.Condition()
        self.waits = 0

    def take(self, rng: random.Random, wanted=None) -> Person:
        with self.condition:
            if not self.free:
                self.waits += 1
                while not self.free:
                    self.condition.wait()
            index = rng.randrange(len(self.free))
            if wanted is not None:
                for candidate in rng.sample(range(len(self.free)), min(40, len(self.free))):
                    if wanted(self.free[candidate]):
                        index = candidate
                        break
            person = self.free[index]
            self.free[index] = self.free[-1]
            self.free.pop()
            return person

    def give_back(self, person: Person, *, join: bool = False) -> None:
        with self.condition:
            if join:
                self.everyone.append(person)
            self.free.append(person)
            self.condition.notify()


@dataclass
class Sample:
    at: float  # seconds since the measured run began, when the answer came
    kind: str
    ms: float
    error: str | None


_CSRF = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]*)"')
_FLASH = re.compile(r'<p class="flash flash-(\w+)" role="status">(.*?)</p>', re.S)
_MARK = re.compile(r'name="mark-(\d+)" value="(\w+)"( checked)?')


def _outcome_texts(msgid: str) -> set[str]:
    """A flash message as the server says it in fr, ar and zgh (its compiled catalogues)."""
    from babel.support import Translations

    texts = {msgid}
    for lang in ("ar", "zgh"):
        texts.add(Translations.load(str(ROOT / "translations"), [lang]).gettext(msgid))
    return texts


def keep_cookies(jar: dict[str, str], response: Response) -> None:
    """What a browser does with Set-Cookie, enough for Flask: store, replace, or delete when expired."""
    for key, value in response.headers:
        if key.lower() != "set-cookie":
            continue
        parsed = SimpleCookie()
        try:
            parsed.load(value)
        except CookieError:
            continue
        for name, morsel in parsed.items():
            if morsel["max-age"] == "0" or "1970" in (morsel["expires"] or ""):
                jar.pop(name, None)
            else:
                jar[name] = morsel.value


def my_enrolments(body: str) -> list[dict]:
    """The enrolments on "my training": session, enrolment, and what the buttons say of its state
    (an accept button: offered; "my attendance": confirmed; otherwise waiting), whatever the language."""
    found = []
    for card in body.split('<article class="card">')[1:]:
        card = card.split("</article>", 1)[0]
        session = re.search(r'href="/sessions/(\d+)"', card)
        accept = re.search(r'action="/enrolments/(\d+)/accept"', card)
        cancel = re.search(r'href="/enrolments/(\d+)/cancel"', card)
        attendance = re.search(r'href="/training/(\d+)/attendance"', card)
        if session is None:
            continue
        found.append({"session": int(session.group(1)), "accept": accept and int(accept.group(1)),
                      "cancel": cancel and int(cancel.group(1)),
                      "state": "offered" if accept else "confirmed" if attendance else "waiting"})
    return found


class Traffic:
    """The simulated people and their actions, and what was measured."""

    def __init__(self, base_url: str, world: dict, args: argparse.Namespace):
        self.base_url, self.world, self.args = base_url, world, args
        self.rng = random.Random(args.seed)
        self.rng_lock = threading.Lock()
        self.hot = set(world["hot"])
        self.visitors = Pool([Person("visitor") for _ in range(200)])
        people = [Person("trainee", email, holding=set(held) & self.hot) for email, held in world["trainees"]]
        self.trainees = Pool(people)
        self.reserve = list(world["reserve"])  # trainees who sign in during the run
        self.trainers = Pool([Person("trainer", t["email"], meetings=t["meetings"], sessions=t["sessions"])
                              for t in world["trainers"] for _ in range(2)])  # a phone and a laptop each
        self.admins = Pool([Person("admin", world["admin"])])
        self.batch_admin = Person("admin", world["admin"])
        self.pools = {"visitor": self.visitors, "trainee": self.trainees, "trainer": self.trainers, "admin": self.admins}
        self.names = list(MIX)
        self.weights = [MIX[name][1] for name in self.names]
        requests_per_action = sum(w * len(kinds) for _, w, kinds in MIX.values()) / sum(w for _, w, _ in MIX.values())
        self.action_rate = args.rate / requests_per_action
        self.confirmed_texts = _outcome_texts("Votre place est confirmée.")
        self.waitlisted_texts = _outcome_texts("La session est complète : vous êtes sur la liste d’attente.")
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.measuring = False
        self.t0, self.t0_wall = time.monotonic(), time.time()
        # Every state change a person saw succeed, warm-up included: compared with the database at the end.
        self.done: Counter = Counter()
        self.uncertain: Counter = Counter()  # POSTs whose outcome nobody saw (an error, a time-out)
        self.warmup_errors: Counter = Counter()
        self.lags: list[float] = []  # how late each action started after it was due (the load generator's health)
        self.dropped: Counter = Counter()  # actions never started: over TIMEOUT_S late (the server far behind)
        self.load_seconds = 0.0

    def choice(self, items):
        with self.rng_lock:
            return self.rng.choice(items)

    def chance(self, p: float) -> bool:
        with self.rng_lock:
            return self.rng.random() < p

    # --- running ---------------------------------------------------------------------------------

    def run(self, duration: float, *, measured: bool, batch: bool = False) -> None:
        """Actions at a fixed rate for `duration` seconds, then the ones in flight finish."""
        self.measuring = measured
        start = time.monotonic()
        if measured:
            self.t0, self.t0_wall = start, time.time()
        todo: queue.Queue = queue.Queue()
        threads = [threading.Thread(target=self._client, args=(todo,), daemon=True) for _ in range(self.args.clients)]
        if batch and self.world["batch"]:
            threads.append(threading.Thread(target=self._batch, args=(start, duration), daemon=True))
        for thread in threads:
            thread.start()
        interval = 1.0 / self.action_rate
        rng = random.Random(self.rng.random())
        count = int(duration * self.action_rate)
        for number in range(count):
            due = start + number * interval
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            todo.put((due, rng.choices(self.names, self.weights)[0]))
        for _ in range(self.args.clients):
            todo.put(None)
        for thread in threads:
            thread.join(timeout=TIMEOUT_S * 4 + 60)
        if measured:
            self.load_seconds = time.monotonic() - start
        self.measuring = False

    def _client(self, todo: queue.Queue) -> None:
        while (item := todo.get()) is not None:
            due, name = item
            late = time.monotonic() - due
            if self.measuring:
                with self.lock:
                    self.lags.append(late)
                    if late > TIMEOUT_S:  # the person gave up waiting, as the client gives up on an answer
                        self.dropped[name] += 1
            if late > TIMEOUT_S:
                continue
            pool = self.pools[MIX[name][0]]
            person = pool.take(self.rng, self._wanted(name))
            try:
                getattr(self, "do_" + name.replace(" ", "_"))(person, due)
            except ActionFailed:
                pass
            except Exception as error:  # noqa: BLE001 - a bug of the load generator must not stop the run
                self.record(name, due, f"load generator: {type(error).__name__}: {error}")
            finally:
                pool.give_back(person)

    def _wanted(self, name: str):
        if name == "cancel":
            return lambda person: bool(person.holding)
        if name == "offers":
            return lambda person: bool(person.waiting)
        return None

    def record(self, kind: str, since: float, error: str | None = None) -> None:
        now = time.monotonic()
        if not self.measuring:
            if error:
                with self.lock:
                    self.warmup_errors[f"{kind}: {error}"] += 1
            return
        with self.lock:
            self.samples.append(Sample(now - self.t0, kind, (now - since) * 1000, error))

    def send(self, person: Person, kind: str, method: str, path: str, *, since: float | None = None,
             form: dict | None = None, expect: int = 200, to: str | None = None,
             record: bool = True) -> tuple[Response, float]:
        """One request as `person`; returns the answer and when it was due. A status other than `expect`
        (or a redirect elsewhere than `to`) is recorded as an error and ends the action."""
        began = since if since is not None else time.monotonic()
        headers = {"Cookie": cookie_header(person.jar)} if person.jar else {}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            response = request(self.base_url, method, path, headers=headers, body=body, timeout=TIMEOUT_S)
        except (OSError, HTTPException) as error:
            self.record(kind, began, f"{type(error).__name__}")
            raise ActionFailed from None
        keep_cookies(person.jar, response)
        location = urlsplit(response.header("Location") or "").path
        problem = None
        if response.status != expect:
            problem = f"HTTP {response.status}" + (f" → {location}" if location else "")
        elif expect == 302 and (location.startswith(ALLOWED_REDIRECT) or (to is not None and not location.startswith(to))):
            problem = f"302 → {location}"
        if problem or record:
            self.record(kind, began, problem)
        if problem:
            raise ActionFailed
        return response, began

    def page(self, person: Person, kind: str, path: str, since: float | None = None) -> str:
        return self.send(person, kind, "GET", path, since=since)[0].body.decode("utf-8", "replace")

    def post(self, person: Person, kind: str, path: str, page: str, fields: dict, *, to: str,
             landing_kind: str | None = None):
        """POST a form of `page` (its CSRF token) and follow the redirect: returns (the flashes of the page it
        leads to, when the POST was sent and answered, that page); the caller records the POST, knowing what
        it meant. A POST that failed, or whose next page did, may still have been committed: counted apart."""
        token = _CSRF.search(page)
        if token is None:
            self.record(kind, time.monotonic(), "no csrf_token in the page")
            raise ActionFailed
        try:
            _response, began = self.send(person, kind, "POST", path, expect=302, to=to, record=False,
                                         form={"csrf_token": unescape(token.group(1)), **fields})
            ended = time.monotonic()
            landing = self.page(person, landing_kind or _landing_kind(to), to)
        except ActionFailed:
            with self.lock:
                self.uncertain[kind] += 1
            raise
        flashes = [(category, unescape(text).strip()) for category, text in _FLASH.findall(landing)]
        return flashes, began, ended, landing

    def settle(self, kind: str, began: float, ended: float, flashes, done: str | None, *, posted: str = "") -> None:
        """Record a POST by what the next page said: a success flash is its outcome, anything else an error.
        `posted`: the kind the POST was sent as, when `kind` names its outcome."""
        refusals = [text for category, text in flashes if category == "error"]
        if refusals or not any(category == "success" for category, _ in flashes):
            error = f"refused: {refusals[0][:80]}" if refusals else "no confirmation on the next page"
        else:
            error = None
        with self.lock:
            if self.measuring:
                self.samples.append(Sample(ended - self.t0, kind, (ended - began) * 1000, error))
            elif error:
                self.warmup_errors[f"{kind}: {error}"] += 1
            if error is None and done:
                self.done[done] += 1
            elif error and not refusals:
                self.uncertain[posted or kind] += 1
        if error:
            raise ActionFailed

    # --- signed out --------------------------------------------------------------------------------

    def _visitor(self, person: Person) -> None:
        if self.chance(0.3):
            person.jar.clear()  # a new visitor

    def do_home(self, person: Person, due: float) -> None:
        self._visitor(person)
        self.page(person, "home", f"/?lang={self.choice(('fr', 'ar', 'zgh'))}", due)

    def do_catalogue(self, person: Person, due: float) -> None:
        self._visitor(person)
        self.page(person, "catalogue", "/courses" + self.choice(("", "?lang=fr", "?lang=ar", "?lang=zgh")), due)

    def do_catalogue_search(self, person: Person, due: float) -> None:
        self._visitor(person)
        self.page(person, "catalogue search", "/courses?" + urlencode({"q": self.choice(SEARCHES)}), due)

    def do_course(self, person: Person, due: float) -> None:
        self._visitor(person)
        self.page(person, "course page", f"/courses/{self.choice(self.world['courses'])}", due)

    def do_lesson(self, person: Person, due: float) -> None:
        self._visitor(person)
        self.page(person, "lesson page", self.choice(self.world["lessons"]), due)

    def do_session(self, person: Person, due: float) -> None:
        self._visitor(person)
        self.page(person, "session page", f"/sessions/{self.choice(self.world['upcoming'] + self.world['hot'])}", due)

    def do_verify(self, person: Person, due: float) -> None:
        self._visitor(person)
        self.page(person, "verify", f"/verify/{self.choice(self.world['codes'])}", due)

    def do_sign_in(self, person: Person, due: float) -> None:
        """A trainee not signed in yet signs in on the visitor's phone, and joins the signed-in people."""
        with self.rng_lock:
            email = self.reserve.pop() if self.reserve else None
        if email is None:  # everyone signed in already: someone signs in again on another phone
            email = self.choice(self.trainees.everyone).email
        newcomer = Person("trainee", email)
        self.sign_in(newcomer, due)
        self.trainees.give_back(newcomer, join=True)

    def sign_in(self, person: Person, due: float | None = None) -> None:
        form = self.page(person, "login page", "/login", due)
        home = {"trainee": "home (trainee)", "trainer": "home (trainer)", "admin": "home (admin)"}[person.role]
        _flashes, began, ended, _home = self.post(person, "sign-in (POST)", "/login", form,
                                                  {"identifier": person.email, "password": PASSWORD}, to="/",
                                                  landing_kind=home)
        with self.lock:
            if self.measuring:
                self.samples.append(Sample(ended - self.t0, "sign-in (POST)", (ended - began) * 1000, None))
            self.done["sign-in"] += 1

    # --- signed-in trainees -------------------------------------------------------------------------

    def do_my_training(self, person: Person, due: float) -> None:
        self._learn(person, self.page(person, "my training", "/me/training", due))

    def do_course_signed_in(self, person: Person, due: float) -> None:
        self.page(person, "course page (signed in)", f"/courses/{self.choice(self.world['courses'])}", due)

    def do_home_trainee(self, person: Person, due: float) -> None:
        self.page(person, "home (trainee)", "/", due)

    def _learn(self, person: Person, body: str) -> list[dict]:
        enrolments = my_enrolments(body)
        person.waiting = {e["session"] for e in enrolments if e["state"] == "waiting"}
        person.holding = {e["session"] for e in enrolments if e["state"] == "confirmed" and e["session"] in self.hot}
        return enrolments

    def do_enrol(self, person: Person, due: float) -> None:
        """Half the time one of the small sessions (full or nearly: the waitlist), else any session to come."""
        known = person.waiting | person.holding
        pool = self.world["hot"] if self.chance(0.5) else self.world["upcoming"]
        session_id = self.choice(pool)
        if session_id in known:
            session_id = self.choice(self.world["upcoming"])
        path = f"/sessions/{session_id}"
        page = self.page(person, "session page (signed in)", path, due)
        if f'action="{path}/enrol"' not in page:
            with self.lock:
                self.done["enrol: no button (enrolled already)"] += 1
            return  # enrolled already: they looked at their session
        flashes, began, ended, _page = self.post(person, "enrol (POST)", f"{path}/enrol", page, {}, to=path)
        texts = {text for category, text in flashes if category == "success"}
        outcome = "confirmed" if texts & self.confirmed_texts else "waitlisted" if texts & self.waitlisted_texts else "other"
        self.settle(f"enrol → {outcome}", began, ended, flashes, f"enrol → {outcome}", posted="enrol (POST)")
        if outcome == "waitlisted":
            person.waiting.add(session_id)
        elif outcome == "confirmed" and session_id in self.hot:
            person.holding.add(session_id)

    def do_cancel(self, person: Person, due: float) -> None:
        """A confirmed seat in a small session when they hold one (it goes to the waitlist), else any enrolment."""
        enrolments = [e for e in self._learn(person, self.page(person, "my training", "/me/training", due)) if e["cancel"]]
        if not enrolments:
            return
        preferred = [e for e in enrolments if e["state"] == "confirmed" and e["session"] in self.hot]
        chosen = self.choice(preferred or enrolments)
        path = f"/enrolments/{chosen['cancel']}/cancel"
        page = self.page(person, "cancel page", path)
        flashes, began, ended, landing = self.post(person, "cancel (POST)", path, page, {}, to="/me/training")
        self.settle("cancel (POST)", began, ended, flashes,
                    "cancel of a held seat" if chosen["state"] in ("confirmed", "offered") else "cancel of a wait")
        self._learn(person, landing)

    def do_offers(self, person: Person, due: float) -> None:
        """Someone on a waitlist looks at their training; a seat offered there is accepted at once."""
        body = self.page(person, "my training", "/me/training", due)
        offered = [e for e in self._learn(person, body) if e["accept"]]
        if not offered:
            return
        path = f"/enrolments/{offered[0]['accept']}/accept"
        flashes, began, ended, landing = self.post(person, "accept offer (POST)", path, body, {}, to="/me/training")
        self.settle("accept offer (POST)", began, ended, flashes, "accept offer")
        self._learn(person, landing)

    # --- trainers and administrators ----------------------------------------------------------------

    def do_home_trainer(self, person: Person, due: float) -> None:
        self.page(person, "home (trainer)", "/", due)

    def do_register(self, person: Person, due: float) -> None:
        self.page(person, "register", f"/meetings/{self.choice(person.meetings)}/register", due)

    def do_roster(self, person: Person, due: float) -> None:
        self.page(person, "roster", f"/sessions/{self.choice(person.sessions)}/roster", due)

    def do_mark(self, person: Person, due: float) -> None:
        """The register as the trainer left it, one to three marks changed (or first given), saved."""
        path = f"/meetings/{self.choice(person.meetings)}/register"
        page = self.page(person, "register", path, due)
        marks: dict[str, str] = {}
        for enrolment_id, value, checked in _MARK.findall(page):
            marks.setdefault(enrolment_id, "")
            if checked:
                marks[enrolment_id] = value
        if not marks:
            return
        with self.rng_lock:
            for enrolment_id in self.rng.sample(sorted(marks), min(len(marks), self.rng.randint(1, 3))):
                marks[enrolment_id] = self.rng.choice([m for m in ("present", "late", "excused", "absent")
                                                       if m != marks[enrolment_id]])
        fields = {f"mark-{eid}": value for eid, value in marks.items() if value}
        flashes, began, ended, _landing = self.post(person, "mark attendance (POST)", path, page,
                                                    {**fields, "action": "save"}, to=path)
        self.settle("mark attendance (POST)", began, ended, flashes, "marks saved")

    def do_home_admin(self, person: Person, due: float) -> None:
        self.page(person, "home (admin)", "/", due)

    def _batch(self, start: float, duration: float) -> None:
        """The background batch: an administrator asks for the certificates of a few closed sessions at
        set times (a job each, run by the workers) and watches the page, which reloads every 2 s while
        the job runs."""
        person = self.batch_admin
        sessions = sorted(self.world["batch"], key=int)
        groups = [sessions[n::len(BATCH_AT)] for n in range(len(BATCH_AT))]
        for share, group in zip(BATCH_AT, groups):
            pause = start + share * duration - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            running = []
            for session_id in group:
                path = f"/sessions/{session_id}/certificates"
                try:
                    page = self.page(person, "certificates page (admin)", path)
                    flashes, began, ended, landing = self.post(person, "issue certificates (POST)", path, page, {},
                                                               to=path)
                    self.settle("issue certificates (POST)", began, ended, flashes, "certificate jobs asked")
                except ActionFailed:
                    continue
                if "<progress" in landing:
                    running.append(path)
            while running and time.monotonic() < start + duration:
                time.sleep(2)  # the page's own refresh while the job runs
                try:
                    running = [path for path in running
                               if "<progress" in self.page(person, "certificates page (admin)", path)]
                except ActionFailed:
                    break

    def sign_in_everyone(self) -> None:
        """Before the run: the first trainees, each trainer twice, the administrators (not measured)."""
        from concurrent.futures import ThreadPoolExecutor

        people = self.trainees.everyone + self.trainers.everyone + self.admins.everyone + [self.batch_admin]
        with ThreadPoolExecutor(max_workers=4) as pool:
            failures = [error for error in pool.map(self._try_sign_in, people) if error]
        if failures:
            raise BenchError(f"{len(failures)} of {len(people)} sign-ins failed before the run, e.g. {failures[0]}")

    def _try_sign_in(self, person: Person) -> str | None:
        try:
            self.sign_in(person)
        except ActionFailed:
            return f"{person.email}: {next(iter(self.warmup_errors), 'failed')}"
        return None

    # --- what was measured --------------------------------------------------------------------------

    def summary(self, batch: list[tuple[float, float]]) -> dict:
        """What was measured; `batch`: when the batch's jobs ran (seconds into the run), a second p95 per
        kind leaves those moments out (and BATCH_GRACE seconds after each, while the queue drains)."""
        by_kind: dict[str, list[Sample]] = {}
        for sample in self.samples:
            by_kind.setdefault(sample.kind, []).append(sample)
        seconds = self.load_seconds or 1.0
        kinds = []
        for kind, samples in sorted(by_kind.items(), key=lambda item: -len(item[1])):
            ordered = sorted(s.ms for s in samples)
            quiet = sorted(s.ms for s in samples if not _within(s.at, batch))
            errors = Counter(s.error for s in samples if s.error)
            kinds.append({"kind": kind, "requests": len(samples), "errors": sum(errors.values()),
                          "rate": round(len(samples) / seconds, 2),
                          "p50_ms": round(_percentile(ordered, 50), 1), "p95_ms": round(_percentile(ordered, 95), 1),
                          "p99_ms": round(_percentile(ordered, 99), 1), "max_ms": round(ordered[-1], 1),
                          "p95_outside_batch_ms": round(_percentile(quiet, 95), 1) if quiet else None,
                          "error_kinds": dict(errors.most_common(5))})
        # An action never started is its requests failed (a person who gave up), counted in the error rate.
        dropped = sum(len(MIX[name][2]) * count for name, count in self.dropped.items())
        total = len(self.samples) + dropped
        errors = sum(k["errors"] for k in kinds) + dropped
        lags = sorted(self.lags)
        quiet_all = sorted(s.ms for s in self.samples if not _within(s.at, batch))
        timeline = {60: [], 10: []}  # by minute (printed) and by 10 s (the JSON: a batch's burst shows there)
        for width, windows in timeline.items():
            for number in range(int(seconds // width) + (1 if seconds % width > 1 else 0)):
                window = [s for s in self.samples if number * width <= s.at < (number + 1) * width]
                if window:
                    ordered = sorted(s.ms for s in window)
                    windows.append({"from_s": number * width,
                                    "rate": round(len(window) / min(width, seconds - number * width), 1),
                                    "errors": sum(1 for s in window if s.error),
                                    "p50_ms": round(_percentile(ordered, 50), 1),
                                    "p95_ms": round(_percentile(ordered, 95), 1),
                                    "p99_ms": round(_percentile(ordered, 99), 1)})
        return {
            "requests": total, "errors": errors, "error_rate": round(errors / total, 5) if total else 0.0,
            "achieved_rate": round(len(self.samples) / seconds, 1), "load_s": round(seconds, 1),
            "dropped_actions": dict(self.dropped), "dropped_requests": dropped,
            "kinds": kinds, "timeline": timeline[60], "timeline_10s": timeline[10],
            "batch_windows_s": [[round(a, 1), round(b, 1)] for a, b in batch],
            "outside_batch": {"share": round(len(quiet_all) / max(1, len(self.samples)), 3),
                              "p95_ms": round(_percentile(quiet_all, 95), 1)},
            "dispatch_lag_ms": {"p50": round(1000 * _percentile(lags, 50), 1), "p99": round(1000 * _percentile(lags, 99), 1),
                                "max": round(1000 * lags[-1], 1) if lags else 0.0},
            "waits_for_a_free_person": {role: pool.waits for role, pool in self.pools.items()},
            "outcomes": dict(sorted(self.done.items())), "outcomes_unknown": dict(self.uncertain),
            "warmup_errors": dict(self.warmup_errors.most_common(10)),
            "signed_in_trainees": len(self.trainees.everyone),
        }


BATCH_GRACE = 10.0  # seconds after a batch's job ends during which the queue of requests it left drains


def _within(at: float, windows: list[tuple[float, float]]) -> bool:
    return any(begin <= at <= end + BATCH_GRACE for begin, end in windows)


def batch_windows(database: str, before: dict, t0_wall: float) -> list[tuple[float, float]]:
    """When the batch's certificate jobs ran, in seconds since the measured run began."""
    rows = _sql(database, """
        SELECT extract(epoch FROM created_at), extract(epoch FROM coalesce(finished_at, now())) FROM jobs
        WHERE kind = 'issue_certificates' AND id > %s ORDER BY id""", (before["jobs"],))
    return [(float(created) - t0_wall, float(finished) - t0_wall) for created, finished in rows]


def _landing_kind(path: str) -> str:
    if path.startswith("/me/training"):
        return "my training"
    if path.startswith("/meetings/"):
        return "register"
    if path.startswith("/sessions/") and path.endswith("/certificates"):
        return "certificates page (admin)"
    return "session page (signed in)"


# --- after the load: the queue drained, then the checks ----------------------------------------------

def _sql(database: str, statement: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    with psycopg.connect(database) as connection:
        return connection.execute(statement, params).fetchall()


def snapshot(database: str) -> dict:
    """The last ids before the traffic: what the people did is compared with what the database recorded."""
    [(events, jobs, notices)] = _sql(database, "SELECT (SELECT coalesce(max(id), 0) FROM enrolment_events), "
                                               "(SELECT coalesce(max(id), 0) FROM jobs), "
                                               "(SELECT coalesce(max(id), 0) FROM notifications)")
    return {"enrolment_events": events, "jobs": jobs, "notifications": notices}


def drain(database: str, timeout: float) -> dict:
    """Wait until no job is queued or running (a retry waiting for its backoff counts as queued)."""
    began = time.monotonic()
    while True:
        states = dict(_sql(database, "SELECT state, count(*) FROM jobs GROUP BY state"))
        if not states.get("queued") and not states.get("running"):
            return {"seconds": round(time.monotonic() - began, 1), "states": states}
        if time.monotonic() - began > timeout:
            return {"seconds": None, "states": states}
        time.sleep(1)


def job_summary(database: str, before: dict) -> dict:
    """The jobs made since the snapshot, by kind: how long they waited for a worker and how long they ran."""
    rows = _sql(database, """
        SELECT kind, extract(epoch FROM started_at - created_at), extract(epoch FROM finished_at - started_at), attempts
        FROM jobs WHERE id > %s AND state = 'done'""", (before["jobs"],))
    kinds: dict[str, dict] = {}
    for kind in sorted({row[0] for row in rows}):
        mine = [row for row in rows if row[0] == kind]
        waits = sorted(float(row[1]) for row in mine)
        runs = sorted(float(row[2]) for row in mine)
        kinds[kind] = {"jobs": len(mine), "wait_p50_s": round(_percentile(waits, 50), 2),
                       "wait_p95_s": round(_percentile(waits, 95), 2), "wait_max_s": round(waits[-1], 2),
                       "run_p50_s": round(_percentile(runs, 50), 2), "run_max_s": round(runs[-1], 2),
                       "retried": sum(1 for row in mine if row[3] > 1)}
    return kinds


def server_errors(log: str) -> list[str]:
    """The errors the server logged (an unhandled error is a 500, whoever saw it), and its workers' time-outs."""
    found = []
    for line in log.splitlines():
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("level") in ("ERROR", "CRITICAL"):
                # The exception's own line ("sqlalchemy.exc.IntegrityError: …"), not the traceback's tail.
                raised = [text for text in (entry.get("exception") or "").splitlines()
                          if re.match(r"[\w.]+(Error|Exception|Exit)\b.*:", text)]
                found.append(entry.get("message", "") + (f": {raised[-1][:200]}" if raised else ""))
        elif "WORKER TIMEOUT" in line or "[ERROR]" in line:
            found.append(line.strip()[:200])
    return found


def end_checks(database: str, before: dict, traffic: Traffic, world: dict, drained: dict, server_log: str) -> list[dict]:
    checks: list[dict] = []

    def check(name: str, ok: bool, detail: str, rows: list | None = None, *, warning: bool = False) -> None:
        checks.append({"name": name, "ok": bool(ok), "detail": detail, **({"warning": True} if warning else {}),
                       **({"examples": rows[:5]} if rows else {})})

    errors = server_errors(server_log)
    check("no error in the server's log", not errors,
          "no unhandled error, no worker time-out, warm-up included" if not errors
          else f"{len(errors)} errors, e.g. {errors[0]}", errors)
    held = "('offered', 'confirmed', 'completed', 'not_completed')"  # HOLDS_SEAT in ecole/enrolment/models.py
    seats = _sql(database, f"""
        SELECT s.id, s.capacity, s.seats_taken, count(e.id) FILTER (WHERE e.status IN {held})
        FROM course_sessions s LEFT JOIN enrolments e ON e.session_id = s.id
        GROUP BY s.id, s.capacity, s.seats_taken""")
    over = [list(row) for row in seats if row[3] > row[1]]
    check("no session over capacity", not over,
          f"{len(seats)} sessions; seats held (offered, confirmed, completed) ≤ capacity in every one"
          if not over else f"{len(over)} sessions hold more than their capacity (id, capacity, counter, held)", over)
    drift = [list(row) for row in seats if row[2] != row[3]]
    check("seat counters match the enrolments", not drift,
          "seats_taken = the enrolments holding a seat, in every session" if not drift
          else f"{len(drift)} sessions' seats_taken differ from their enrolments (id, capacity, counter, held)", drift)
    duplicates = _sql(database, """
        SELECT session_id, user_id, count(*) FROM enrolments
        WHERE status IN ('requested', 'waitlisted', 'offered', 'confirmed')
        GROUP BY session_id, user_id HAVING count(*) > 1""")
    stuck = _sql(database, """
        SELECT e.id, e.session_id FROM enrolments e JOIN course_sessions s ON s.id = e.session_id
        WHERE e.status = 'requested' AND NOT s.requires_approval""")
    check("no enrolment duplicated or left half-done", not duplicates and not stuck,
          "one active enrolment per person and session; none left 'requested' in a session without approval"
          if not duplicates and not stuck
          else f"{len(duplicates)} duplicated (session, person), {len(stuck)} left requested",
          [list(r) for r in duplicates + stuck])
    # What people were told against what the event log holds (events since the snapshot, warm-up included).
    events = dict(_sql(database, """
        SELECT CASE WHEN v.to_status = 'requested' THEN 'enrol'
                    WHEN v.from_status = 'requested' THEN 'enrol → ' || v.to_status
                    WHEN v.from_status = 'offered' AND v.to_status = 'confirmed' THEN 'accept offer'
                    WHEN v.to_status = 'cancelled' AND v.actor_id = e.user_id THEN 'cancel'
                    WHEN v.to_status = 'offered' THEN 'offered'
                    ELSE v.from_status || ' → ' || v.to_status END, count(*)
        FROM enrolment_events v JOIN enrolments e ON e.id = v.enrolment_id WHERE v.id > %s GROUP BY 1""",
                       (before["enrolment_events"],)))
    told, unknown = traffic.done, traffic.uncertain
    # (what, how many people were told it happened, how many more may have happened unseen)
    pairs = [("enrol", told["enrol → confirmed"] + told["enrol → waitlisted"] + told["enrol → other"],
              unknown["enrol (POST)"]),
             ("enrol → confirmed", told["enrol → confirmed"], unknown["enrol (POST)"]),
             ("enrol → waitlisted", told["enrol → waitlisted"], unknown["enrol (POST)"]),
             ("cancel", told["cancel of a held seat"] + told["cancel of a wait"], unknown["cancel (POST)"]),
             ("accept offer", told["accept offer"], unknown["accept offer (POST)"])]
    mismatched = [[name, seen, events.get(name, 0)] for name, seen, unseen in pairs
                  if not seen <= events.get(name, 0) <= seen + unseen]
    check("every success people saw is in the database, and nothing more", not mismatched,
          "; ".join(f"{name} {seen}" + (f" (+ up to {unseen} unseen)" if unseen else "") for name, seen, unseen in pairs)
          + f"; seats offered from the waitlist {events.get('offered', 0)}"
          if not mismatched else "people were told (what, told, in the event log): " + str(mismatched), mismatched)
    # The pages the load generator reads (my training's buttons, the register's marks, the messages) may
    # change: a path that never happened says so, rather than a soak that quietly skipped it.
    paths = {name: told[name] for name in ("enrol → confirmed", "enrol → waitlisted", "cancel of a held seat",
                                           "accept offer", "marks saved", "certificate jobs asked")}
    check("the mix went through every path", all(paths.values()),
          ", ".join(f"{name} {count}" for name, count in paths.items()), warning=True)
    states = drained["states"]
    lost = {state: count for state, count in states.items() if state != "done"}
    check("no job lost", drained["seconds"] is not None and not lost,
          f"{sum(states.values())} jobs, all done {drained['seconds']} s after the load"
          if not lost and drained["seconds"] is not None
          else f"jobs not done after draining: {lost}" + ("" if drained["seconds"] is not None else " (drain timed out)"),
          [list(r) for r in _sql(database, "SELECT id, kind, state, attempts, left(error, 200) FROM jobs "
                                           "WHERE state <> 'done' ORDER BY id LIMIT 5")])
    undelivered = _sql(database, """
        SELECT n.id, n.kind FROM notifications n JOIN users u ON u.id = n.user_id
        LEFT JOIN jobs j ON j.key = 'notice:' || n.id
        WHERE u.email IS NOT NULL AND u.email <> '' AND u.active
          AND (n.emailed_at IS NULL OR j.state IS DISTINCT FROM 'done')""")
    [(notices,)] = _sql(database, "SELECT count(*) FROM notifications WHERE id > %s", (before["notifications"],))
    check("every notice delivered once", not undelivered,
          f"{notices} notices recorded during the run, each e-mailed by its job" if not undelivered
          else f"{len(undelivered)} notices without a done delivery job or an e-mail stamp", [list(r) for r in undelivered])
    expected = {int(session): count for session, count in world["batch"].items()}
    issued = dict(_sql(database, """
        SELECT e.session_id, count(c.id) FROM certificates c JOIN enrolments e ON e.id = c.enrolment_id
        WHERE e.session_id = ANY(%s) GROUP BY e.session_id""", (list(expected),)))
    twice = _sql(database, """
        SELECT c.enrolment_id, count(*) FROM certificates c JOIN enrolments e ON e.id = c.enrolment_id
        WHERE e.session_id = ANY(%s) GROUP BY c.enrolment_id HAVING count(*) > 1""", (list(expected),))
    short = [[session, count, issued.get(session, 0)] for session, count in expected.items()
             if issued.get(session, 0) != count]
    check("the certificate batch complete, each certificate once", not short and not twice,
          f"{sum(expected.values())} certificates in {len(expected)} jobs, each eligible person's once"
          if not short and not twice
          else f"sessions (id, expected, issued): {short}; enrolments with more than one: {len(twice)}",
          short + [list(r) for r in twice])
    return checks


# --- the report ------------------------------------------------------------------------------------

def print_report(report: dict) -> None:
    settings = report["settings"]
    print(f"Soak — {report['load_s']:g} s at {settings['rate']:g} requests/s asked ({settings['action_rate']:g} actions/s, "
          f"open model), gunicorn {settings['gunicorn_workers']} sync workers, {settings['job_workers']} job worker(s)"
          + (f" at nice {settings['job_nice']}" if settings.get("job_nice") else "") + ", "
          f"PostgreSQL and Redis, {report['machine']['cpus']} CPUs; latency from when each action was due")
    rows = []
    for kind in report["kinds"]:
        aim = "ok" if kind["p95_ms"] < P95_AIM_MS else "MISSED"
        quiet = kind.get("p95_outside_batch_ms")
        rows.append([kind["kind"], str(kind["requests"]), str(kind["errors"]), f"{kind['rate']:.1f}",
                     f"{kind['p50_ms']:.0f}", f"{kind['p95_ms']:.0f}", f"{kind['p99_ms']:.0f}", f"< {P95_AIM_MS} {aim}",
                     "—" if quiet is None else f"{quiet:.0f}"])
    rate = report["error_rate"]
    rows.append(["all", str(report["requests"]), str(report["errors"]), f"{report['achieved_rate']:.1f}", "", "", "",
                 f"errors {100 * rate:.2f} % (< {100 * ERROR_AIM:g} % {'ok' if rate < ERROR_AIM else 'MISSED'})",
                 f"{report['outside_batch']['p95_ms']:.0f}"])
    print(_table(["request", "count", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "p95 aim", "p95 outside batch"],
                 rows, right={1, 2, 3, 4, 5, 6, 8}))
    windows = ", ".join(f"{begin:.0f}–{end:.0f}" for begin, end in report["batch_windows_s"])
    print(f"  the batch's certificate jobs ran at {windows} s into the run; 'outside batch' leaves those moments and "
          f"{BATCH_GRACE:g} s after each out ({100 * (1 - report['outside_batch']['share']):.0f} % of the requests)")
    for kind in report["kinds"]:
        for error, count in kind["error_kinds"].items():
            print(f"  {kind['kind']}: {count} × {error}")
    if report["dropped_requests"]:
        print(f"  never sent, their action over {TIMEOUT_S} s late (counted as errors): {report['dropped_requests']} "
              f"requests of {sum(report['dropped_actions'].values())} actions {report['dropped_actions']}")
    used, machine = report["cpu"]["cpus_used"], report["machine"]
    print(f"CPUs in use (of {machine['cpus']}): " + ", ".join(f"{name} {value:.2f}" for name, value in used.items())
          + f"; load average before the soak {machine['load_before'][0]:.2f}, at its end {machine['load_after'][0]:.2f}")
    print("Rate limits raised (every request comes from 127.0.0.1): "
          + ", ".join(f"{name}={value}" for name, value in settings["limits"].items()))
    lag = report["dispatch_lag_ms"]
    print(f"Actions started after they were due by p50 {lag['p50']:g} ms, p99 {lag['p99']:g} ms (the load generator's "
          f"own delay; included in the latencies); waits for a free person: {report['waits_for_a_free_person']}")
    rss = report["cpu"]["rss_mb"]
    print(f"Memory (MB): gunicorn workers {rss['start']['gunicorn workers']} → {rss['end']['gunicorn workers']}, "
          f"job workers {rss['start']['job workers']} → {rss['end']['job workers']}")
    print("Per minute: " + "; ".join(f"{m['from_s'] // 60 + 1}: {m['rate']:.0f}/s p95 {m['p95_ms']:.0f} ms"
                                     + (f" {m['errors']} err" if m["errors"] else "") for m in report["timeline"]))
    print(f"Jobs made during the run (drained {report['drain_s']} s after the load): " + "; ".join(
        f"{kind} {j['jobs']}, waited p50 {j['wait_p50_s']:g} s p95 {j['wait_p95_s']:g} s max {j['wait_max_s']:g} s, "
        f"ran p50 {j['run_p50_s']:g} s max {j['run_max_s']:g} s" + (f", {j['retried']} retried" if j["retried"] else "")
        for kind, j in report["jobs"].items()))
    print("Outcomes (warm-up included): " + ", ".join(f"{name} {count}" for name, count in report["outcomes"].items()))
    if report["warmup_errors"]:
        print(f"Warm-up errors: {report['warmup_errors']}")
    if report["server_log"]["worker_timeouts"] or report["server_log"]["tracebacks"]:
        print(f"Server log: {report['server_log']['worker_timeouts']} worker timeouts, "
              f"{report['server_log']['tracebacks']} tracebacks")
    costs = report.get("costs")
    if costs and "kinds" in costs:
        print("\nEach kind of request alone, in one process (Flask's test client, after the run; medians):")
        print(_table(["request", "CPU ms", "wall ms", "SQL statements"],
                     [[kind, f"{c['cpu_ms']:.1f}", f"{c['wall_ms']:.1f}", str(c["statements"])]
                      for kind, c in sorted(costs["kinds"].items(), key=lambda kv: -kv[1]["cpu_ms"])], right={1, 2, 3}))
        mix = costs["mix"]
        print(f"At {mix['rate']:g} requests/s the mix asks the application for {mix['cpus']:.2f} CPUs (of "
              f"{report['machine']['cpus']}), before gunicorn, PostgreSQL, the job worker and the load generator; by "
              "action: " + ", ".join(f"{name} {100 * share:.0f} %" for name, share in mix["shares"].items() if share >= 0.02))
    elif costs:
        print(f"\nCosts alone: failed: {costs['error']}")
    print("\nEnd checks (SQL on PostgreSQL after the queue drained):")
    for check in report["checks"]:
        status = "ok     " if check["ok"] else "WARNING" if check.get("warning") else "FAILED "
        print(f"  {status} {check['name']}: {check['detail']}")


# --- child side: the school the soak runs against (runs with the soak's environment, imports ecole) ---

def child_prepare(seed: int) -> dict:
    """After `ecole init` and the seed: the staff, the small sessions, issued certificates, and what the
    load generator needs to know (who signs in, which pages exist, which registers each trainer keeps)."""
    from datetime import timedelta

    from sqlalchemy import func, insert, select, update

    from benchmarks.certificates import _app, _ensure_key
    from ecole.accounts.models import User, UserRole
    from ecole.accounts.passwords import hash_secret
    from ecole.attendance.models import Register
    from ecole.catalogue.models import Course, Lesson
    from ecole.certificates import services as certificate_services
    from ecole.certificates.models import Certificate
    from ecole.core.models import utcnow
    from ecole.enrolment import services as enrolment_services
    from ecole.enrolment.models import Enrolment
    from ecole.extensions import db
    from ecole.seeding import SCALE_TRAINER
    from ecole.sessions.models import CourseSession, Meeting, Venue, session_trainers

    rng = random.Random(seed)
    with _app().app_context():
        _ensure_key()
        now = utcnow()
        password_hash = hash_secret(PASSWORD)

        def staff(email: str, role: str, name: str) -> User:
            user = User(email=email, password_hash=password_hash, name_latin=name, name_arabic="", name_tifinagh="",
                        commune="Tiznit", audience="other", organisation="", locale="fr", must_change_password=False,
                        session_epoch=0, active=True)
            user.role_rows = [UserRole(role=role)]
            db.session.add(user)
            return user

        scale_trainer = db.session.scalar(select(User).where(User.email == SCALE_TRAINER))
        trainers = [scale_trainer] + [staff(f"soak-trainer-{n}@example.org", "trainer", f"Formatrice {n}")
                                      for n in range(1, TRAINERS)]
        admin = staff("soak-admin@example.org", "admin", "Administratrice Soak")
        db.session.flush()
        # A school has several trainers: the seeded sessions are shared out by id.
        for number, trainer in enumerate(trainers[1:], start=1):
            db.session.execute(update(session_trainers).where(
                session_trainers.c.user_id == scale_trainer.id, session_trainers.c.session_id % TRAINERS == number)
                .values(user_id=trainer.id))

        # The small sessions, through the enrolment services: one seat left in half of them, full in the others.
        trainee_ids = list(db.session.scalars(select(User.id).where(User.email.like("scale-0%@example.org"))
                                              .order_by(User.id)))
        rng.shuffle(trainee_ids)
        course_ids = list(db.session.scalars(select(Course.id).where(Course.slug.like("scale-%")).order_by(Course.id)))
        venue = Venue(commune="Tafraout", place="Foyer féminin", address="")
        db.session.add(venue)
        db.session.flush()
        morning = now.replace(hour=8, minute=0, second=0, microsecond=0)
        hot, holders = [], {}
        for number in range(HOT_SESSIONS):
            starts = morning + timedelta(days=20 + number)
            course_session = CourseSession(course_id=rng.choice(course_ids), venue_id=venue.id, status="published",
                                           capacity=HOT_CAPACITY, seats_taken=0, languages="ar,zgh", offer_hours=48,
                                           starts_at=starts, ends_at=starts + timedelta(hours=26), notes="",
                                           cancel_reason="", created_at=now)
            db.session.add(course_session)
            db.session.flush()
            db.session.execute(insert(session_trainers).values(session_id=course_session.id,
                                                               user_id=trainers[number % TRAINERS].id))
            db.session.add_all([Meeting(session_id=course_session.id, starts_at=starts + timedelta(hours=h),
                                        ends_at=starts + timedelta(hours=h + 3)) for h in (0, 24)])
            db.session.flush()
            for _ in range(HOT_CAPACITY - (1 if number % 2 == 0 else 0)):
                person = db.session.get(User, trainee_ids.pop())
                enrolment_services.enrol(course_session, person, actor=person)
                holders.setdefault(person.email, []).append(course_session.id)
            hot.append(course_session.id)
        db.session.commit()

        # Certificates to verify, and the closed sessions whose certificates the batch will ask for.
        closed = list(db.session.scalars(select(CourseSession).where(CourseSession.status == "completed")
                                         .order_by(CourseSession.id)))
        chosen = [s for s in closed if len(certificate_services.to_issue(s)) >= 10][:VERIFY_SESSIONS + BATCH_SESSIONS]
        for course_session in chosen[:VERIFY_SESSIONS]:
            certificate_services.issue_all(course_session, actor=None, checkpoint=lambda _done, _total: db.session.commit())
        db.session.commit()
        codes = list(db.session.scalars(select(Certificate.code)))
        batch = {str(s.id): len(certificate_services.to_issue(s)) for s in chosen[VERIFY_SESSIONS:]}

        # Each trainer's registers (meetings begun, in sessions not closed, not locked) and sessions to come.
        registers = db.session.execute(
            select(session_trainers.c.user_id, Meeting.id)
            .join(CourseSession, CourseSession.id == session_trainers.c.session_id)
            .join(Meeting, Meeting.session_id == CourseSession.id)
            .outerjoin(Register, Register.meeting_id == Meeting.id)
            .where(CourseSession.status == "published", Meeting.starts_at <= now, Register.locked_at.is_(None))
            .where(select(Enrolment.id).where(Enrolment.session_id == CourseSession.id,
                                              Enrolment.status == "confirmed").exists())).all()
        coming = db.session.execute(
            select(session_trainers.c.user_id, CourseSession.id)
            .join(CourseSession, CourseSession.id == session_trainers.c.session_id)
            .where(CourseSession.status == "published", CourseSession.starts_at > now + timedelta(days=1))).all()
        staff_pages = [{"email": t.email, "meetings": sorted(m for uid, m in registers if uid == t.id),
                        "sessions": sorted(s for uid, s in coming if uid == t.id)} for t in trainers]
        if any(not t["meetings"] or not t["sessions"] for t in staff_pages):
            raise SystemExit(f"a trainer has no register or no session to come: {staff_pages}")
        upcoming = sorted(s for _uid, s in coming if s not in set(hot))

        # Pages to read: most of the scale catalogue and every course of courses/.
        slugs = list(db.session.scalars(select(Course.slug).where(Course.published).order_by(Course.slug)))
        lessons = [f"/courses/{slug}/lessons/{key}" for slug, key in db.session.execute(
            select(Course.slug, Lesson.key).join(Lesson, Lesson.course_id == Course.id).where(Course.published))]
        # Who signs in: the people of the small sessions (they cancel, seats go to the waitlist) and others.
        emails = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(trainee_ids))).all())
        others = [emails[uid] for uid in trainee_ids if uid in emails]
        first = [(email, held) for email, held in holders.items()]
        first += [(email, []) for email in others[:max(0, SIGNED_IN_AT_START - len(first))]]
        reserve = others[max(0, SIGNED_IN_AT_START - len(holders)):]
        answer = {"admin": admin.email, "trainers": staff_pages, "trainees": first, "reserve": reserve, "hot": hot,
                  "upcoming": upcoming, "courses": slugs, "lessons": lessons, "codes": codes, "batch": batch,
                  "sessions": db.session.scalar(select(func.count(CourseSession.id)))}
        return answer


def child_costs(world_file: Path, repeat: int) -> dict:
    """Each kind of request of the mix, `repeat` times in this one process through Flask's test client (no
    server, no other request at the same time), on the soak's database after the run: the median CPU it
    costs the application and the SQL statements it sends. What the mix asks of the CPUs follows."""
    from statistics import median

    from sqlalchemy import event

    from benchmarks.certificates import _app
    from ecole.extensions import db

    world = json.loads(world_file.read_text())
    app = _app()
    # Rendered each time: under the soak's writes (several a second) a kept page is seldom still good, and the
    # same page asked again here would be answered from the page cache (core/cache.py) at no cost.
    app.config["PAGE_CACHE"] = False
    # Production settings: Secure cookies and Flask-WTF's Referer check want HTTPS, on a trusted host.
    base = "https://127.0.0.1"
    costs: dict[str, dict] = {}
    statements = [0]

    def pick(items, number: int):
        return items[number % len(items)]

    def client():
        made = app.test_client()
        made.environ_base.update({"HTTP_USER_AGENT": "ecole-soak-costs", "HTTP_REFERER": base + "/"})
        return made

    def get(who, path: str, expect: int = 200):
        answer = who.get(path, base_url=base)
        if answer.status_code != expect:
            raise SystemExit(f"GET {path} answered {answer.status_code}")
        return answer.get_data(as_text=True)

    def post(who, path: str, page: str, fields: dict):
        answer = who.post(path, base_url=base, data={"csrf_token": unescape(_CSRF.search(page).group(1)), **fields})
        if answer.status_code != 302 or answer.location.startswith(ALLOWED_REDIRECT):
            raise SystemExit(f"POST {path} answered {answer.status_code} → {answer.location}")

    def sign_in(email: str):
        who = client()
        post(who, "/login", get(who, "/login"), {"identifier": email, "password": PASSWORD})
        return who

    def measure(kind: str, send, times: int = repeat, *, again: bool = False) -> None:
        """`again`: a page asked once untimed before it is timed, as the run's steady state finds it (its
        course's and lessons' fragments kept: the run asks each of them many times; the whole page is
        still rendered, PAGE_CACHE being off)."""
        cpu, wall, sent = [], [], []
        for number in range(times + 1):  # the first one warms the templates and caches up
            request_it = send(number)  # what a request needs first (its form's page) is done here, untimed
            if again:
                request_it()
            statements[0] = 0
            began_cpu, began = time.process_time(), time.perf_counter()
            request_it()
            if number:
                cpu.append(time.process_time() - began_cpu)
                wall.append(time.perf_counter() - began)
                sent.append(statements[0])
        costs[kind] = {"cpu_ms": round(1000 * median(cpu), 2), "wall_ms": round(1000 * median(wall), 2),
                       "statements": int(median(sent)), "runs": times}

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *_args: statements.__setitem__(0, statements[0] + 1))
    # The requests run outside that context: each gets its own, as under a server (a context around them
    # would be shared, and so would Flask-WTF's token in `g`, from one person to the next).
    visitor = client()
    measure("home", lambda n: lambda: get(visitor, f"/?lang={pick(('fr', 'ar', 'zgh'), n)}"))
    measure("catalogue", lambda n: lambda: get(visitor, "/courses"))
    measure("catalogue search", lambda n: lambda: get(visitor, "/courses?" + urlencode({"q": pick(SEARCHES, n)})))
    measure("course page", lambda n: lambda: get(visitor, f"/courses/{pick(world['courses'], 7 * n)}"), again=True)
    measure("lesson page", lambda n: lambda: get(visitor, pick(world["lessons"], 7 * n)), again=True)
    measure("session page", lambda n: lambda: get(visitor, f"/sessions/{pick(world['upcoming'], n)}"))
    measure("verify", lambda n: lambda: get(visitor, f"/verify/{pick(world['codes'], n)}"))
    measure("login page", lambda n: lambda: get(visitor, "/login"))

    def sign_in_post(number: int):
        who, email = client(), world["reserve"][-1 - number]
        page = get(who, "/login")
        return lambda: post(who, "/login", page, {"identifier": email, "password": PASSWORD})

    measure("sign-in (POST)", sign_in_post, times=max(3, repeat // 4))
    trainee = sign_in(world["trainees"][0][0])
    measure("home (trainee)", lambda n: lambda: get(trainee, "/"))
    measure("my training", lambda n: lambda: get(trainee, "/me/training"))
    measure("course page (signed in)", lambda n: lambda: get(trainee, f"/courses/{pick(world['courses'], 7 * n)}"), again=True)
    measure("session page (signed in)", lambda n: lambda: get(trainee, f"/sessions/{pick(world['upcoming'], n)}"))
    free = iter(world["upcoming"][::-1])

    def enrol_post(_number: int):
        for session_id in free:
            page = get(trainee, f"/sessions/{session_id}")
            if f'action="/sessions/{session_id}/enrol"' in page:
                return lambda: post(trainee, f"/sessions/{session_id}/enrol", page, {})
        raise SystemExit("no session left to enrol in")

    measure("enrol (POST)", enrol_post)
    cancellable = [e["cancel"] for e in my_enrolments(get(trainee, "/me/training")) if e["cancel"]]
    measure("cancel page", lambda n: lambda: get(trainee, f"/enrolments/{pick(cancellable, n)}/cancel"))

    def cancel_post(number: int):
        path = f"/enrolments/{cancellable[number]}/cancel"
        page = get(trainee, path)
        return lambda: post(trainee, path, page, {})

    measure("cancel (POST)", cancel_post, times=min(repeat, len(cancellable) - 1))
    keeper = world["trainers"][1]
    trainer = sign_in(keeper["email"])
    register = f"/meetings/{keeper['meetings'][0]}/register"
    measure("home (trainer)", lambda n: lambda: get(trainer, "/"))
    measure("register", lambda n: lambda: get(trainer, register))
    measure("roster", lambda n: lambda: get(trainer, f"/sessions/{pick(keeper['sessions'], n)}/roster"))

    def mark_post(number: int):
        page = get(trainer, register)
        marks = {f"mark-{eid}": value for eid, value, checked in _MARK.findall(page) if checked}
        if not marks:
            raise SystemExit(f"no mark on {register}")
        first = sorted(marks)[number % len(marks)]
        marks[first] = "late" if marks[first] != "late" else "present"
        return lambda: post(trainer, register, page, {**marks, "action": "save"})

    measure("mark attendance (POST)", mark_post)
    admin = sign_in(world["admin"])
    measure("home (admin)", lambda n: lambda: get(admin, "/"))
    batch = sorted(world["batch"], key=int)
    measure("certificates page (admin)", lambda n: lambda: get(admin, f"/sessions/{pick(batch, n)}/certificates"))
    return costs


def mix_cost(costs: dict, rate: float) -> dict:
    """The application's CPU the mix asks for at `rate` requests a second, from the costs measured alone,
    and each action's share of it."""
    weights = sum(w for _, w, _ in MIX.values())
    per_request = sum(w * len(kinds) for _, w, kinds in MIX.values()) / weights
    per_action = {name: sum(costs.get(kind, {}).get("cpu_ms", 0.0) for kind in kinds)
                  for name, (_, _, kinds) in MIX.items()}
    per_second = {name: rate / per_request * MIX[name][1] / weights * per_action[name] / 1000 for name in MIX}
    total = sum(per_second.values())
    return {"cpus": round(total, 2), "rate": rate,
            "shares": {name: round(value / total, 3) for name, value in sorted(per_second.items(), key=lambda kv: -kv[1])}}


def _child(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak child")
    sub = parser.add_subparsers(dest="command", required=True)
    prepare = sub.add_parser("prepare")
    prepare.add_argument("--seed", type=int, default=14)
    costs = sub.add_parser("costs")
    costs.add_argument("--world", type=Path, required=True)
    costs.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        _answer(child_prepare(args.seed))
    else:
        _answer(child_costs(args.world, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
