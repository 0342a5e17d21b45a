"""The bench database and the gunicorn servers (2 sync workers, 127.0.0.1, a free port)."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.client import BenchError, request

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WORKERS = 2
BENCH_EMAIL = "bench@example.org"


def bench_env(tmp: Path) -> dict[str, str]:
    """Production settings on a throwaway SQLite database and storage folder in tmp."""
    env = dict(os.environ)
    for name in ("REDIS_URL", "MAIL_SERVER", "FLASK_APP", "FLASK_DEBUG"):
        env.pop(name, None)  # memory rate limits, mail to the log: nothing outside the run
    env.update({
        "ECOLE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": f"sqlite:///{tmp / 'ecole.sqlite3'}",  # sqlite:////tmp/…
        "ECOLE_STORAGE_DIR": str(tmp / "storage"),
        # The run's own signing key (made by `ecole init`), job queue and rate-limit counters: not
        # instance/keys, instance/jobs.sqlite3 and instance/ratelimit.sqlite3 of the working copy.
        "ECOLE_SIGNING_KEYS_DIR": str(tmp / "keys"),
        "ECOLE_JOBS_FILE": str(tmp / "jobs.sqlite3"),
        "RATELIMIT_STORAGE_URI": f"ecole-sqlite://{tmp / 'ratelimit.sqlite3'}",
        # /verify/<code> is limited to 60 a minute per address; the load test sends thousands from
        # 127.0.0.1. Still counted (the limiter's cost is part of the page's), never refused.
        "ECOLE_VERIFY_RATE_LIMIT": "1000000 per minute",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def flask_runner(env: dict[str, str]):
    """flask(*args, input=None): run `flask --app wsgi ARGS` in the project root; fail loudly."""

    def flask(*args: str, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
        done = subprocess.run(command, cwd=ROOT, env=env, input=input, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
            raise BenchError(f"`flask --app wsgi {' '.join(args)}` failed ({done.returncode}):\n  "
                             + "\n  ".join(tail))
        return done

    return flask


def python_runner(env: dict[str, str]):
    """python(module, *args, input=None): run `python -m MODULE ARGS` in the project root with the
    bench's environment (e.g. benchmarks.certificates, which imports the app); fail loudly."""

    def python(module: str, *args: str, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, input=input,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
            raise BenchError(f"`python -m {module} {' '.join(args)}` failed ({done.returncode}):\n  " + "\n  ".join(tail))
        return done

    return python


def prepare_database(flask, seeds: list[tuple[str, ...]]) -> str:
    """`ecole init` (its admin password is not shown: the run signs in as a trainee), the bench
    trainee, then the seed commands. Returns the trainee's password."""
    flask("ecole", "init")
    password = secrets.token_urlsafe(18)
    flask("ecole", "create-user", "--role", "trainee", "--email", BENCH_EMAIL, "--name", "Bench",
          "--password-stdin", input=password + "\n")
    for seed in seeds:
        started = time.monotonic()
        flask(*seed, timeout=600)
        print(f"  seed `{' '.join(seed)}`: {time.monotonic() - started:.1f} s", file=sys.stderr)
    return password


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """One gunicorn master and its workers, in their own process group so stop() ends them all."""

    def __init__(self, name: str, app: str, env: dict[str, str], log_path: Path, ready_path: str,
                 workers: int = WORKERS):
        self.name, self.app, self.env, self.log_path, self.ready_path = name, app, env, log_path, ready_path
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        for _attempt in range(3):  # the free port can be taken between bind-and-close and gunicorn's bind
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--worker-class", "sync",
                     "--bind", f"{HOST}:{self.port}", "--chdir", str(ROOT), "--graceful-timeout", "5",
                     "--log-level", "warning", self.app],
                    cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True)
            if self._wait_ready(timeout):
                return
            self.stop()
            if "already in use" not in self.log_tail():
                break
        raise BenchError(f"the {self.name} server did not start on {HOST}:{self.port}; its log:\n"
                         + self.log_tail())

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if request(self.base_url, "GET", self.ready_path, timeout=2).status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)  # our own group: the master and its workers
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=5)

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])
