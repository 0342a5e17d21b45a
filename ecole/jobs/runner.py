"""The job runner: a small facade over Huey, with the Job table as the source of truth.

Why both a queue and a table: Huey carries messages (on SQLite by default, on Redis in
production, inline in tests) but forgets a task whose worker dies in the middle (it has no
acknowledgement). So every unit of work is a Job row with the caller's idempotency key; a Huey
message only says "look at job 42". A worker claims the row with a conditional UPDATE
(queued → running, with a lease), does the work, and marks it done in the same transaction as
the work's own database changes. A second message for the same row finds nothing to claim. A
worker that dies leaves a running row whose lease runs out; the sweeper (run by every
`flask ecole worker`, and by `flask ecole jobs sweep` from a timer) puts it back in the queue.
Failures are retried with exponential backoff until `max_attempts`, then the row is marked
failed with its error.

Jobs are handed to the queue after the caller's transaction commits, never before: a worker
must not look for a row that is not there yet, and a rolled-back request must start no job.

Job kinds are a plain dict given to `init_app` by `create_app` (nothing registers itself).
A handler is `handler(payload: dict, job: JobContext) -> None`; it runs in an application
context of its own, uses `db.session` as usual and must not commit (the runner does), except
through `job.progress()`, which commits a checkpoint and renews the lease.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import case, event, func, update
from sqlalchemy.orm import Session

from ecole.core.models import utcnow
from ecole.core.transactions import take_write_lock
from ecole.extensions import db
from ecole.jobs.models import STATES, Job

log = logging.getLogger("ecole.jobs")

_EXTENSION = "ecole.jobs"
_PENDING = "ecole_jobs_pending"  # session.info: jobs to hand to the queue once the commit is done
MAX_KEY_LENGTH = 255


class JobError(Exception):
    """A job could not be enqueued as asked."""


class UnknownKind(JobError, ValueError):
    pass


class LeaseLost(JobError):
    """Another worker took the job over (this one was too slow and its lease ran out)."""


Handler = Callable[[dict[str, Any], "JobContext"], None]


@dataclass
class Runner:
    app: Flask
    huey: Any
    kinds: Mapping[str, Handler]
    lease: timedelta
    retry_base: float
    retry_max: float
    requeue_after: timedelta
    max_attempts: int
    run_task: Any = field(default=None, repr=False)

    def dispatch(self, job_id: int, delay: float = 0) -> None:
        """Hand one job to the queue (after the commit that created or re-queued it)."""
        if delay > 0:
            self.run_task.schedule((job_id,), delay=delay)
        else:
            self.run_task(job_id)

    @property
    def sweep_interval(self) -> float:
        return max(0.5, min(self.lease.total_seconds() / 4, 30.0))


def build_huey(config: Mapping[str, Any]):
    """The Huey instance the configuration asks for: inline, Redis or SQLite."""
    from huey import MemoryHuey, RedisHuey, SqliteHuey

    if config.get("JOBS_IMMEDIATE"):
        return MemoryHuey("ecole", immediate=True, results=False)
    if config.get("REDIS_URL"):
        return RedisHuey("ecole", url=config["REDIS_URL"], results=False)
    return SqliteHuey("ecole", filename=config["JOBS_SQLITE_FILE"], results=False)


def init_app(app: Flask, kinds: Mapping[str, Handler], *, huey=None) -> Runner:
    """Bind the runner to `app` with the job kinds it knows (written out in create_app)."""
    config = app.config
    runner = Runner(
        app=app, huey=huey if huey is not None else build_huey(config), kinds=dict(kinds),
        lease=timedelta(seconds=float(config.get("JOBS_LEASE_SECONDS", 300))),
        retry_base=float(config.get("JOBS_RETRY_BASE_SECONDS", 30)),
        retry_max=float(config.get("JOBS_RETRY_MAX_SECONDS", 3600)),
        requeue_after=timedelta(seconds=float(config.get("JOBS_REQUEUE_AFTER_SECONDS", 600))),
        max_attempts=int(config.get("JOBS_MAX_ATTEMPTS", 5)),
    )

    # The one Huey task: its name is fixed, so a worker built from the same code finds it.
    @runner.huey.task(name="run_job")
    def run_job_task(job_id: int) -> None:
        with app.app_context():
            run_job(job_id)

    runner.run_task = run_job_task
    app.extensions[_EXTENSION] = runner
    for name, listener in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    return runner


def get_runner() -> Runner:
    try:
        return current_app.extensions[_EXTENSION]
    except KeyError:
        raise RuntimeError("the job runner is not set up: create_app must call ecole.jobs.init_app") from None


def enqueue(kind: str, payload: dict[str, Any], *, key: str, max_attempts: int | None = None) -> Job:
    """Record a job in the current transaction; it goes to the queue when the transaction commits.

    `key` names the unit of work ("notice:42"): enqueueing it again returns the existing row,
    whatever its state, and starts nothing new.
    """
    runner = get_runner()
    if kind not in runner.kinds:
        raise UnknownKind(f"unknown job kind: {kind!r}")
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH or "\x00" in key:
        raise JobError(f"invalid idempotency key: {key!r}")
    try:
        if not isinstance(payload, dict):
            raise TypeError(type(payload).__name__)
        json.dumps(payload)  # stored as JSON: ids and strings, never objects
    except (TypeError, ValueError) as error:
        raise JobError(f"a job's payload is a dict of JSON values ({error})") from None
    take_write_lock()  # SQLite: a transaction that read first must not fail at its first write
    now = utcnow()
    values = dict(kind=kind, key=key, payload=payload, state="queued", progress=0, error="", attempts=0,
                  max_attempts=max_attempts or runner.max_attempts, created_at=now, enqueued_at=now, run_after=now)
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # ON CONFLICT DO NOTHING: two requests enqueueing one key at once get one row, no error.
    # RETURNING, not rowcount: with RETURNING on PostgreSQL the row count says -1 whether a row came or not.
    job = db.session.scalar(insert(Job).values(**values).on_conflict_do_nothing(index_elements=["key"])
                            .returning(Job))
    created = job is not None
    if job is None:
        job = db.session.scalar(db.select(Job).where(Job.key == key))
    if job.kind != kind:
        raise JobError(f"idempotency key {key!r} is already used by a {job.kind!r} job")
    if created:
        _dispatch_after_commit(db.session(), runner, job.id)
    return job


def _dispatch_after_commit(session: Session, runner: Runner, job_id: int, delay: float = 0) -> None:
    session.info.setdefault(_PENDING, []).append((runner, job_id, delay))


def _after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        # A savepoint was released (begin_nested): the transaction that recorded the jobs is still
        # open, and holds SQLite's write lock. They go to the queue when it commits.
        return
    for runner, job_id, delay in session.info.pop(_PENDING, ()):
        try:
            runner.dispatch(job_id, delay)
        except Exception:  # noqa: BLE001 — the row is committed: the sweeper hands it over later
            log.exception("job %s could not be handed to the queue; the sweeper will retry", job_id)


def _after_rollback(session: Session) -> None:
    # A savepoint rolled back leaves the outer transaction's jobs to go (a job recorded inside the
    # savepoint is gone with it: its message finds no row to claim).
    if session.get_nested_transaction() is None:
        session.info.pop(_PENDING, None)


class JobContext:
    """What a handler knows of its job, and how it reports progress."""

    def __init__(self, job: Job, token: str, runner: Runner):
        self.id = job.id
        self.kind = job.kind
        self.key = job.key
        self.attempt = job.attempts
        self._token = token
        self._runner = runner

    def progress(self, percent: int) -> None:
        """Record progress and renew the lease; commits the handler's work so far (a checkpoint).
        Raises LeaseLost when another worker has taken the job over: the handler must stop."""
        take_write_lock()
        now = utcnow()
        claimed = db.session.execute(
            update(Job).where(Job.id == self.id, Job.lease_token == self._token, Job.state == "running")
            .values(progress=max(0, min(100, int(percent))), heartbeat_at=now,
                    lease_expires_at=now + self._runner.lease)).rowcount
        if claimed != 1:
            db.session.rollback()
            raise LeaseLost(f"job {self.id} was taken over")
        db.session.commit()


def run_job(job_id: int) -> str | None:
    """Claim and run one job; returns its new state, or None when there was nothing to claim."""
    runner = get_runner()
    token = uuid.uuid4().hex
    now = utcnow()
    # A scheduled retry may arrive a little before its time: a second of slack.
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == "queued", Job.run_after <= now + timedelta(seconds=1))
        .values(state="running", lease_token=token, attempts=Job.attempts + 1, started_at=now,
                heartbeat_at=now, lease_expires_at=now + runner.lease)).rowcount
    db.session.commit()
    if claimed != 1:
        return None
    job = db.session.get(Job, job_id)
    handler = runner.kinds.get(job.kind)
    context = JobContext(job, token, runner)
    payload, kind, attempts = dict(job.payload or {}), job.kind, job.attempts
    db.session.commit()  # the handler starts a transaction of its own (SQLite: a fresh snapshot)
    heartbeat = _Heartbeat(db.engine, job_id, token, runner.lease)
    heartbeat.start()
    try:
        if handler is None:
            raise UnknownKind(f"unknown job kind: {kind!r}")
        handler(payload, context)
        _mark_done(job_id, token)
        return "done"
    except LeaseLost:
        db.session.rollback()
        log.warning("job %s: lease lost, its work is left to the worker that took it over", job_id)
        return None
    except Exception as error:  # noqa: BLE001 — any failure of a handler is recorded and retried
        db.session.rollback()
        log.warning("job %s (%s) failed on attempt %s: %r", job_id, kind, attempts, error)
        return _record_failure(runner, job_id, token, error)
    finally:
        heartbeat.stop.set()


def _mark_done(job_id: int, token: str) -> None:
    """Commit the handler's work with the job's "done" mark. The work has happened (an e-mail
    has left): a busy database here must not make it run again, so the mark is tried a few
    times before the failure is recorded (and the job retried, at worst)."""
    from sqlalchemy.exc import OperationalError

    pending = _pending_writes()
    for attempt in range(5):
        try:
            if attempt:
                _write_again(pending)
            # On SQLite, a handler that only read would meet the write lock here, after other
            # writers committed: take it properly (keeping the handler's writes, if any).
            take_write_lock()
            finished = utcnow()
            done = db.session.execute(
                update(Job).where(Job.id == job_id, Job.lease_token == token, Job.state == "running")
                .values(state="done", progress=100, error="", finished_at=finished, heartbeat_at=finished,
                        lease_token=None, lease_expires_at=None)).rowcount
            if done != 1:
                raise LeaseLost(f"job {job_id} was taken over")
            db.session.commit()
            return
        except OperationalError as error:
            # Only SQLite's "locked" is worth a new try. A handler that read, then changed rows
            # without writing them yet, meets it when another writer committed since its read
            # (its snapshot is too old to write from): the rollback drops those changes, so they
            # are written again on the next try, under the write lock.
            if attempt == 4 or "locked" not in str(error):
                raise
            db.session.rollback()
            log.warning("job %s: could not mark it done (attempt %s), trying again", job_id, attempt + 1)
            time.sleep(0.2 * 2 ** attempt)


def _pending_writes() -> tuple[list, list, list]:
    """The handler's changes not yet written: (object, {column: new value}) for changed rows, then
    new and deleted objects; what _write_again needs to apply them again after a rollback."""
    from sqlalchemy import inspect

    session = db.session()
    changed = []
    for obj in session.dirty:
        state = inspect(obj)
        values = {column.key: state.attrs[column.key].history.added[0] for column in state.mapper.column_attrs
                  if state.attrs[column.key].history.added}
        if values:
            changed.append((obj, values))
    return changed, list(session.new), list(session.deleted)


def _write_again(pending: tuple[list, list, list]) -> None:
    changed, new, deleted = pending
    take_write_lock()  # first, so that the rows reload from a snapshot this transaction can write from
    for obj, values in changed:
        for key, value in values.items():
            setattr(obj, key, value)
    db.session.add_all(new)
    for obj in deleted:
        db.session.delete(obj)


class _Heartbeat(threading.Thread):
    """Renews a running job's lease while its worker lives, so a long job is not taken for a
    dead one; when the process dies, the renewals stop and the lease runs out."""

    def __init__(self, engine, job_id: int, token: str, lease: timedelta):
        super().__init__(name=f"ecole-heartbeat-{job_id}", daemon=True)
        self.engine, self.job_id, self.token, self.lease = engine, job_id, token, lease
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.lease.total_seconds() / 3):
            now = utcnow()
            try:
                with self.engine.begin() as connection:
                    connection.execute(update(Job).where(
                        Job.id == self.job_id, Job.lease_token == self.token, Job.state == "running")
                        .values(heartbeat_at=now, lease_expires_at=now + self.lease))
            except Exception:  # noqa: BLE001 — the next beat tries again; the lease has slack
                log.exception("job %s: heartbeat failed", self.job_id)


def retry_delay(runner: Runner, attempts: int) -> float:
    """Exponential backoff: base, 2×base, 4×base… capped at retry_max."""
    return min(runner.retry_base * 2 ** max(0, attempts - 1), runner.retry_max)


def _record_failure(runner: Runner, job_id: int, token: str, error: Exception) -> str | None:
    take_write_lock()
    job = db.session.get(Job, job_id)
    message = f"{type(error).__name__}: {error}"[:2000]
    now = utcnow()
    mine = (Job.id == job_id, Job.lease_token == token, Job.state == "running")
    if job.attempts < job.max_attempts:
        delay = retry_delay(runner, job.attempts)
        changed = db.session.execute(update(Job).where(*mine).values(
            state="queued", error=message, run_after=now + timedelta(seconds=delay), enqueued_at=now,
            lease_token=None, lease_expires_at=None)).rowcount
        state = "queued"
        if changed:
            _dispatch_after_commit(db.session(), runner, job_id, delay)
    else:
        changed = db.session.execute(update(Job).where(*mine).values(
            state="failed", error=message, finished_at=now, lease_token=None, lease_expires_at=None)).rowcount
        state = "failed"
    db.session.commit()
    return state if changed else None


def sweep() -> dict[str, int]:
    """Put back in the queue the jobs whose worker died (lease run out) and the queued jobs whose
    message was lost (not handed over for `requeue_after`); fail those out of attempts."""
    runner = get_runner()
    take_write_lock()  # SQLite: read and re-queue in one go, without losing the race to a worker
    now = utcnow()
    report = {"requeued": 0, "failed": 0, "resent": 0}
    lost = db.session.scalars(db.select(Job.id).where(Job.state == "running", Job.lease_expires_at < now)).all()
    for job_id in lost:
        expired = (Job.id == job_id, Job.state == "running", Job.lease_expires_at < now)
        again = db.session.execute(update(Job).where(*expired, Job.attempts < Job.max_attempts).values(
            state="queued", error="worker lost", run_after=now, enqueued_at=now, lease_token=None,
            lease_expires_at=None)).rowcount
        if again:
            report["requeued"] += 1
            _dispatch_after_commit(db.session(), runner, job_id)
            continue
        report["failed"] += db.session.execute(update(Job).where(*expired).values(
            state="failed", error="worker lost", finished_at=now, lease_token=None,
            lease_expires_at=None)).rowcount
    forgotten = db.session.scalars(db.select(Job.id).where(
        Job.state == "queued", Job.run_after <= now, Job.enqueued_at < now - runner.requeue_after)).all()
    for job_id in forgotten:
        if db.session.execute(update(Job).where(Job.id == job_id, Job.state == "queued",
                                                Job.enqueued_at < now - runner.requeue_after)
                              .values(enqueued_at=now)).rowcount:
            report["resent"] += 1
            _dispatch_after_commit(db.session(), runner, job_id)
    db.session.commit()
    if any(report.values()):
        log.info("sweeper: %s", report)
    return report


def queue_depth() -> list[tuple[str, str, int, float | None]]:
    """(state, kind, count, seconds waited by the oldest due one) for the jobs queued, running or
    failed: one grouped count over the state index, for /metrics. Done jobs, which only grow in
    number, are left out."""
    now = utcnow()
    oldest_due = func.min(case((Job.run_after <= now, Job.run_after)))
    rows = db.session.execute(db.select(Job.state, Job.kind, func.count(), oldest_due)
                              .where(Job.state.in_(("queued", "running", "failed")))
                              .group_by(Job.state, Job.kind)).all()
    return [(state, kind, count, None if due is None else max(0.0, (now - due).total_seconds()))
            for state, kind, count, due in rows]


def list_jobs(state: str | None = None, limit: int = 100) -> list[Job]:
    """The most recent jobs first (optionally in one state)."""
    if state is not None and state not in STATES:
        raise ValueError(f"unknown state: {state!r}")
    query = db.select(Job).order_by(Job.id.desc()).limit(limit)
    if state is not None:
        query = query.where(Job.state == state)
    return list(db.session.scalars(query))
