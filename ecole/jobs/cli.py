"""`flask ecole worker`, `jobs list` and `jobs sweep`: run the background jobs, see them, re-queue lost ones."""
import logging
import sys
import threading

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ecole.jobs.models import STATES
from ecole.jobs.runner import get_runner, list_jobs, sweep

log = logging.getLogger("ecole.jobs")

jobs_group = AppGroup("jobs", help="Background jobs.")


@click.command("worker")
@click.option("--threads", default=1, type=click.IntRange(1, 32), help="Jobs run at once by this worker.")
@with_appcontext
def worker_command(threads: int):
    """Run the background job worker (SQLite queue by default, Redis when REDIS_URL is set)."""
    runner = get_runner()
    if runner.huey.immediate:
        click.echo("Erreur : JOBS_IMMEDIATE est actif, les tâches s’exécutent sans worker.", err=True)
        sys.exit(1)
    app = current_app._get_current_object()
    # Jobs whose worker died before this one started go back to the queue at once.
    sweep()
    stop = threading.Event()

    def sweeper() -> None:
        while not stop.wait(runner.sweep_interval):
            try:
                with app.app_context():
                    sweep()
            except Exception:  # noqa: BLE001 — a database hiccup must not stop the sweeper
                log.exception("sweeper failed; trying again")

    thread = threading.Thread(target=sweeper, name="ecole-sweeper", daemon=True)
    thread.start()
    backend = "Redis" if current_app.config.get("REDIS_URL") else current_app.config["JOBS_SQLITE_FILE"]
    click.echo(f"Worker prêt ({backend}, {threads} tâche(s) à la fois).")
    consumer = runner.huey.create_consumer(workers=threads, worker_type="thread", periodic=False,
                                           initial_delay=0.05, backoff=1.5, max_delay=1.0)
    try:
        consumer.run()
    finally:
        stop.set()


@jobs_group.command("list")
@click.option("--state", type=click.Choice(STATES), help="Only the jobs in this state.")
@click.option("--limit", default=100, type=click.IntRange(1, 100_000), help="How many jobs, most recent first.")
def list_command(state: str | None, limit: int):
    """Job id, kind, state, progress, attempts and error, most recent first."""
    for job in list_jobs(state, limit):
        error = job.error.replace("\n", " ")[:200]
        click.echo(f"{job.id}\t{job.kind}\t{job.state}\t{job.progress}%\t{job.attempts}/{job.max_attempts}\t{error}")


@jobs_group.command("sweep")
def sweep_command():
    """Put lost jobs back in the queue once (every worker also does it while it runs; a timer runs this
    so that it happens even while no worker is up). Safe to run at any time, from any server."""
    report = sweep()
    click.echo(f"{report['requeued']} tâche(s) relancée(s), {report['resent']} renvoyée(s) à la file, "
               f"{report['failed']} en échec.")
