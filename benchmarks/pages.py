"""The pages `make bench` measures. Later issues append their own pages (and seed data) here.

A page is a name, a path on the Ecole server, and an optional setup hook. The hook runs once, before
the page's warm-up, with a `benchmarks.client.Context`; it returns extra request headers (a Cookie
for signed-in pages) or None. `weight=True` also measures the page's weight in Chromium.

    Page("profile", "/account", setup=signed_in)   # as the bench trainee
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from benchmarks.client import Context

Setup = Callable[[Context], "dict[str, str] | None"]


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    setup: Setup | None = None
    weight: bool = False  # also report first-visit and repeat-visit bytes in Chromium


def signed_in(ctx: Context) -> dict[str, str]:
    """Setup hook: request the page as the bench trainee (bench@example.org), signed in once per run."""
    return {"Cookie": ctx.session_cookie()}


PAGES: list[Page] = [
    Page("home fr", "/?lang=fr", weight=True),
    Page("home ar", "/?lang=ar", weight=True),
    Page("home zgh", "/?lang=zgh", weight=True),
    Page("login", "/login"),
    Page("healthz", "/healthz"),
]

# Commands run against the fresh database after `flask --app wsgi ecole init` and before serving,
# each as the arguments of `flask --app wsgi …`, e.g. ("ecole", "seed-scale", "--users", "10000").
# `python -m benchmarks --seed "ecole seed-scale …"` adds one for a single run.
SEED: list[tuple[str, ...]] = []
