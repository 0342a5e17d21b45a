"""gunicorn's settings for Ecole (`gunicorn --config deploy/gunicorn.conf.py wsgi:app`, as
deploy/systemd/ecole-web.service runs it). Command-line options win over these.

- Sync workers: they beat threads on two cores, and nginx buffers slow clients in both directions.
- No access log here: the app writes its own lines (JSON in production, with the request's id and
  the account; ecole/core/logs.py); gunicorn's own messages (workers starting, timeouts) become JSON
  lines too.
- gunicorn leaves X-Forwarded-Proto alone: Werkzeug's ProxyFix (ECOLE_PROXY_HOPS) is the one place
  that decides which proxy headers to trust.
- The workers keep their Prometheus counters in PROMETHEUS_MULTIPROC_DIR, emptied when gunicorn
  starts, so that /metrics adds up every worker's (ecole/core/metrics.py).
"""
import importlib.util
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

wsgi_app = "wsgi:app"
chdir = str(ROOT)
# ECOLE_BIND: 127.0.0.1:8000 when nginx runs on the same machine; a private address (10.0.0.12:8000)
# for an app server that another machine's nginx reaches; unix:/run/ecole-web/gunicorn.sock also works.
bind = [address.strip() for address in os.environ.get("ECOLE_BIND", "127.0.0.1:8000").split(",") if address.strip()]
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
worker_class = "sync"
timeout = 60  # a handout or roster PDF printed on the spot takes a few seconds at most
graceful_timeout = 30
# A worker is replaced after this many requests (plus up to the jitter, so they do not all restart at
# once): memory that rendering PDFs and large pages left behind goes back with the process.
max_requests = 2000
max_requests_jitter = 200
accesslog = None
errorlog = "-"
secure_scheme_headers: dict[str, str] = {}

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(ROOT / "instance" / "metrics"))

# As config.py decides it. The master never imports the app (nor config.py): the workers it forks
# import it afresh, so `systemctl reload ecole-web` (HUP) brings new code in without dropping a request.
if (os.environ.get("ECOLE_LOG_FORMAT") or ("json" if os.environ.get("ECOLE_ENV") == "production" else "text")) == "json":
    from gunicorn.glogging import Logger

    class JsonLogger(Logger):
        """gunicorn's own messages as JSON lines, like the app's (the formatter is read from its file,
        not imported with the ecole package, for the reason above)."""

        def setup(self, cfg):
            super().setup(cfg)
            spec = importlib.util.spec_from_file_location("_ecole_gunicorn_logs", ROOT / "ecole" / "core" / "logs.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            for handler in self.error_log.handlers:
                handler.setFormatter(module.JsonFormatter())

    logger_class = JsonLogger


def on_starting(server):
    """A fresh folder of counters for this gunicorn: the files of a previous one hold dead workers'."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for counts in folder.glob("*.db"):  # only the counters' files, whatever else a wrong setting points at
        counts.unlink()


def child_exit(server, worker):
    """A worker ended (replaced after max_requests, or dead): its counts are added into one archive file
    per kind and its own files go, so the folder — read whole at each scrape — does not grow with every
    worker ever started, and the totals never go down."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
    fold_counts(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]), worker.pid)


def fold_counts(folder: Path, pid: int) -> None:
    import fcntl

    from prometheus_client.mmap_dict import MmapedDict

    dead = [path for path in (folder / f"counter_{pid}.db", folder / f"histogram_{pid}.db") if path.exists()]
    if not dead:
        return
    # /metrics reads the folder under the same lock (ecole/core/metrics.py, FOLDER_LOCK): it never sees a
    # worker's counts twice (in the archive and its file) or not at all.
    with open(folder / "metrics.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for path in dead:
            archive = MmapedDict(str(folder / f"{path.name.split('_', 1)[0]}_archive.db"))
            try:
                for key, value, timestamp, _position in MmapedDict.read_all_values_from_file(str(path)):
                    total, _ = archive.read_value(key)
                    archive.write_value(key, total + value, timestamp)
            finally:
                archive.close()
            path.unlink()
