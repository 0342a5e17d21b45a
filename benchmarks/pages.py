"""The pages `make bench` measures. Later issues append their own pages (and seed data) here.

A page is a name, a path on the Ecole server, and an optional setup hook. The hook runs once, before
the page's warm-up, with a `benchmarks.client.Context`; it returns extra request headers (a Cookie
for signed-in pages) or None. `weight=True` also measures the page's weight in Chromium. The path may
also be a `callable(ctx) -> str`, called once after the setup hook, for a page whose address is only
known once its data exists (a certificate's random code). `aim` is the issue's target ratio to bare
(at least), printed next to the measured one; it never fails a run.

    Page("profile", "/account", setup=signed_in)   # as the bench trainee
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Callable

from benchmarks.certificates import CHILD_MARK
from benchmarks.client import BenchError, Context

Setup = Callable[[Context], "dict[str, str] | None"]


@dataclass(frozen=True)
class Page:
    name: str
    path: str | Callable[[Context], str]
    setup: Setup | None = None
    weight: bool = False  # also report first-visit and repeat-visit bytes in Chromium
    aim: float | None = None  # the ratio to bare the page should reach (shown, never enforced)
    # A slow page (a second or more a request): fewer connections than the usual 16, one per server
    # worker, so that no backlog is left to the bare run after it; and more seconds of load, so that
    # its few requests are enough to count.
    connections: int | None = None
    min_duration: float | None = None


def signed_in(ctx: Context) -> dict[str, str]:
    """Setup hook: request the page as the bench trainee (bench@example.org), signed in once per run."""
    return {"Cookie": ctx.session_cookie()}


def as_scale_trainer(ctx: Context) -> dict[str, str]:
    """Setup hook: request the page as the trainer of the seeded sessions (ecole.seeding)."""
    return {"Cookie": ctx.session_cookie_for("scale-trainer@example.org", "scale password")}


BENCH_ADMIN = "bench-admin@example.org"


def as_bench_admin(ctx: Context) -> dict[str, str]:
    """Setup hook: request the page as an administrator, created once per run (`ecole create-user`)."""
    password = ctx.__dict__.get("_bench_admin_password")
    if password is None:
        password = ctx.__dict__["_bench_admin_password"] = secrets.token_urlsafe(18)
        ctx.flask("ecole", "create-user", "--role", "admin", "--email", BENCH_ADMIN, "--name", "Bench Admin",
                  "--password-stdin", input=password + "\n")
    return {"Cookie": ctx.session_cookie_for(BENCH_ADMIN, password)}


def _child_answer(ctx: Context, module: str, command: str, key: str):
    """`key` of the JSON line that `python -m MODULE child COMMAND` prints, asked once per run."""
    cached = f"_{module}_{command}_{key}"
    if cached not in ctx.__dict__:
        if ctx.python is None:
            raise BenchError("no python runner in this context")
        done = ctx.python(module, "child", command, timeout=120)
        line = next(line for line in reversed(done.stdout.splitlines()) if line.startswith(CHILD_MARK))
        ctx.__dict__[cached] = json.loads(line[len(CHILD_MARK):])[key]
    return ctx.__dict__[cached]


def certificate_verify_path(ctx: Context) -> str:
    """Path hook: /verify/<code> of a certificate issued for the run (a held session of one trainee whose
    results are validated, then `services.issue()`, by benchmarks.certificates in a child process)."""
    return f"/verify/{_child_answer(ctx, 'benchmarks.certificates', 'verify-code', 'code')}"


def scale_programme_path(ctx: Context) -> str:
    """Path hook: the report dashboard of SCALE-PROG, the funder's programme the seed makes over most of
    the scale sessions (`ecole seed-scale … --programme`); its id is looked up by benchmarks.reports in
    a child process."""
    return f"/reports?programme={_child_answer(ctx, 'benchmarks.reports', 'programme-id', 'id')}&lang=fr"


PUBLIC, SIGNED_IN = 0.5, 0.2

PAGES: list[Page] = [
    # Issue 14 sets the aims: public pages at least 0.5 of the bare page, signed-in pages at least 0.2.
    Page("home fr", "/?lang=fr", weight=True, aim=PUBLIC),
    Page("home ar", "/?lang=ar", weight=True, aim=PUBLIC),
    Page("home zgh", "/?lang=zgh", weight=True, aim=PUBLIC),
    Page("login", "/login"),
    Page("healthz", "/healthz"),
    # Catalogue (issue 3), on 1,000 seeded courses
    Page("catalogue", "/courses?lang=fr", weight=True, aim=PUBLIC),
    Page("catalogue ar", "/courses?lang=ar", weight=True, aim=PUBLIC),
    Page("catalogue zgh", "/courses?lang=zgh", weight=True, aim=PUBLIC),
    Page("catalogue search", "/courses?q=safran+eau&audience=farmer", aim=PUBLIC),
    Page("course page", "/courses/scale-000500", aim=PUBLIC),
    Page("lesson page", "/courses/scale-000500/lessons/lesson-2", aim=PUBLIC),
    Page("course signed in", "/courses/scale-000500", setup=signed_in, aim=SIGNED_IN),
    # Sessions and enrolment (issue 4), on 100,000 seeded enrolments
    Page("my training", "/me/training", setup=signed_in, aim=SIGNED_IN),
    Page("session page", "/sessions/1", setup=signed_in, aim=SIGNED_IN),
    Page("roster", "/sessions/1/roster", setup=as_scale_trainer, aim=SIGNED_IN),
    # A home for each role (issue 8): the bench trainee (5 sessions), the trainer of all 3,000
    # sessions, an administrator (the whole school's decisions over 100,000 enrolments)
    Page("home trainee", "/", setup=signed_in, aim=SIGNED_IN),
    Page("home trainer", "/", setup=as_scale_trainer, aim=SIGNED_IN),
    Page("home admin", "/", setup=as_bench_admin, aim=SIGNED_IN),
    # Attendance (issue 9): the register of a held meeting of 40 trainees, seeded after the 3,000
    # scale sessions (two meetings each), so its meeting is number 6,001 (ecole.seeding.seed_register)
    Page("register (40)", "/meetings/6001/register", setup=as_scale_trainer, aim=SIGNED_IN),
    # Certificates (issue 12): the public verification page of an issued certificate, anonymous. Its
    # rate limit (60/min per address) is lifted to 1,000,000/min by the bench environment (servers.py).
    Page("verify", certificate_verify_path, aim=PUBLIC),
    # Funders' reports (issue 13): the dashboard of SCALE-PROG as an administrator — every figure and its
    # disaggregations over 5,000 people, 1,800 held sessions and about 104,000 marks (90,000 present or
    # late) of the seed's 2,250 held sessions. About a second a request: 2 connections (one per
    # worker) for 15 s. No aim in the issue: the ratio is reported.
    Page("report dashboard", scale_programme_path, setup=as_bench_admin, connections=2, min_duration=15),
]

# Commands run against the fresh database after `flask --app wsgi ecole init` and before serving,
# each as the arguments of `flask --app wsgi …`, e.g. ("ecole", "seed-scale", "--users", "10000").
# `python -m benchmarks --seed "ecole seed-scale …"` adds one for a single run.
SEED: list[tuple[str, ...]] = [
    # --held: the last 2,250 of the 3,000 sessions took place over the past year (marks, registers,
    # validated results); --programme: SCALE-PROG holds most of them (issue 13's report dashboard).
    ("ecole", "seed-scale", "--courses", "1000", "--trainees", "5000", "--sessions", "3000", "--enrolments", "100000",
     "--register", "40", "--held", "2250", "--programme"),
]
