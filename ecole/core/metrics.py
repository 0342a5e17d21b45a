"""Figures for Prometheus: requests counted by endpoint, method and status, their durations, and what the
page at /metrics adds when it is read (jobs waiting, the build), for the configured addresses only.

Why prometheus_client in its multiprocess mode: gunicorn runs several worker processes per server, each
counting the requests it served; a scrape reaches one of them, which must answer for all. In that mode
(PROMETHEUS_MULTIPROC_DIR set before the first import, as deploy/gunicorn.conf.py does) each process
keeps its counters in a small memory-mapped file of that folder and the scraped one adds every file up;
the folder is emptied when gunicorn starts, and gunicorn's master adds a dead worker's counts into an
archive file (counters never go down, and the folder does not grow with each worker replaced).
Without the variable (`flask run`, tests) the counters live in the one process. Nothing is shared
between servers: Prometheus scrapes each app server and adds them up itself.

Labels are bounded: the Flask endpoint's name, never the path (a 404 is "none"), a known method or
"other", the status code. Counting costs a few microseconds per request (README, "Deployment").
"""
from __future__ import annotations

import fcntl
import ipaddress
import os
import platform
from collections.abc import Iterable
from pathlib import Path

from flask import Flask, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from ecole.core import logs

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Pages answer in milliseconds; PDFs and exports in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("ecole_http_requests", "HTTP requests answered, by Flask endpoint, method and status.",
                   ["endpoint", "method", "status"], registry=None)
DURATION = Histogram("ecole_http_request_duration_seconds", "Time from the first to the last request hook.",
                     ["endpoint", "method"], buckets=BUCKETS, registry=None)
_EXTENSION = "ecole.metrics"
# deploy/gunicorn.conf.py adds a dead worker's counts into an archive file and removes its files under this
# lock, taken here while a scrape reads the folder.
FOLDER_LOCK = "metrics.lock"


def init_app(app: Flask) -> None:
    """Count every request (after logs.init_app, whose start time it reads), and read who may see them."""
    app.extensions[_EXTENSION] = allowed_networks(app.config.get("METRICS_ALLOWED", ""))

    @app.after_request
    def count_request(response):
        asking = request._get_current_object()
        observe(asking.endpoint or "none", asking.method if asking.method in METHODS else "other",
                response.status_code, logs.request_seconds())
        return response


_counters: dict = {}  # (endpoint, method, status) → its counter and histogram (labels() looks up under a lock)


def observe(endpoint: str, method: str, status: int, seconds: float | None) -> None:
    """One request answered (also by core/cache.py's KeptForVisitors, before Flask)."""
    key = (endpoint, method, status)
    if key not in _counters:
        _counters[key] = (REQUESTS.labels(*key), DURATION.labels(endpoint, method))
    count, duration = _counters[key]
    count.inc()
    if seconds is not None:
        duration.observe(seconds)


def allowed_networks(setting: str) -> tuple:
    """ECOLE_METRICS_ALLOWED ("127.0.0.1,::1,10.0.0.0/8") as networks; a wrong entry stops the start-up."""
    networks = []
    for entry in setting.split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise RuntimeError(f"ECOLE_METRICS_ALLOWED: {entry!r} is not an address or a network") from None
    return tuple(networks)


def may_read(app: Flask, address: str | None) -> bool:
    """May a request from `address` (the client's, after the proxy's headers) read /metrics?"""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:  # a Unix socket, or nothing
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in app.extensions.get(_EXTENSION, ()))


def exposition(jobs: Iterable[tuple[str, str, int, float | None]] | None) -> bytes:
    """The text format: every process's request figures, then the job queue as read now ((state, kind,
    count, seconds the oldest due job has waited) rows; None when the database did not answer)."""
    registry = CollectorRegistry(auto_describe=False)
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        registry.register(REQUESTS)
        registry.register(DURATION)
        registry.register(_Snapshot(jobs))
        return generate_latest(registry)
    from prometheus_client import multiprocess

    multiprocess.MultiProcessCollector(registry)
    registry.register(_Snapshot(jobs))
    with open(Path(folder) / FOLDER_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)  # gunicorn's master folds a dead worker's files under it
        return generate_latest(registry)


class _Snapshot:
    """The figures read at scrape time rather than counted."""

    def __init__(self, jobs):
        self.jobs = None if jobs is None else list(jobs)

    def collect(self):
        info = GaugeMetricFamily("ecole_build_info", "The code this server runs.", labels=["commit", "python"])
        info.add_metric([COMMIT, platform.python_version()], 1)
        yield info
        yield GaugeMetricFamily("ecole_database_up", "1 when the database answered this scrape.",
                                value=0 if self.jobs is None else 1)
        depth = GaugeMetricFamily("ecole_jobs", "Background jobs waiting, running or failed, by state and kind.",
                                  labels=["state", "kind"])
        waited = GaugeMetricFamily("ecole_jobs_oldest_due_seconds",
                                   "How long the oldest queued job that may run has waited, by kind.", labels=["kind"])
        for state, kind, count, seconds in self.jobs or ():
            depth.add_metric([state, kind], count)
            if state == "queued" and seconds is not None:
                waited.add_metric([kind], seconds)
        yield depth
        yield waited


def _git_commit(root: Path) -> str:
    """The commit of the checkout the server runs from, read from .git once (no git command)."""
    try:
        head = (root / ".git" / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:12]
        ref = head[5:]
        if (root / ".git" / ref).is_file():
            return (root / ".git" / ref).read_text().strip()[:12]
        for line in (root / ".git" / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0][:12]
    except OSError:
        pass
    return "unknown"


COMMIT = _git_commit(Path(__file__).resolve().parents[2])
