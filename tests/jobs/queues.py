"""What the tests that run real worker processes share: a real queue for the app (the SQLite file or
Redis), and waiting for a condition with the worker's log at hand when it never comes. Each test
process gets a Redis database of its own (13 for gw0, 14 for gw1…): two of these tests running at once
in two processes must not flush each other's queue."""
import os
import socket
import time
from pathlib import Path

import pytest

from ecole.jobs.runner import build_huey, init_app

ROOT = Path(__file__).resolve().parents[2]


def redis_url() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    return f"redis://127.0.0.1:6379/{13 + number}"


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def queue(app, tmp_path, request):
    """The app enqueues into a real queue (not inline) for this test; put back afterwards."""
    backend = request.param
    url = redis_url()
    if backend == "redis":
        if not redis_up():
            if os.environ.get("CI"):
                pytest.fail("Redis is not running on 127.0.0.1:6379")
            pytest.skip("no Redis on 127.0.0.1:6379")
        _flush(url)
    settings = {"JOBS_IMMEDIATE": False, "REDIS_URL": url if backend == "redis" else "",
                "JOBS_SQLITE_FILE": str(tmp_path / "queue.sqlite3")}
    inline = app.extensions["ecole.jobs"]
    runner = init_app(app, inline.kinds, huey=build_huey(settings))
    settings["huey"] = runner.huey
    yield settings
    app.extensions["ecole.jobs"] = inline
    if backend == "redis":
        _flush(url)


def wait_for(condition, timeout: float, what: str, log: Path, every: float = 0.01):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")
        time.sleep(every)
