"""The bulk issuing of a session's certificates: a real `flask ecole worker` killed (SIGKILL) in the
middle of the batch, then another, and every eligible person has exactly one valid certificate whose
stored PDF matches its row; the job's key makes a double tap one job; the command run twice issues
each certificate once; eight threads issuing the same enrolment at once make one certificate.

The worker runs as a separate process on the test's database, its stored files and signing keys; the
queue is a SQLite file (the embedded default) or Redis (database 13, as in tests/jobs/test_worker.py).
"""
import csv
import hashlib
import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from ecole.accounts.models import User
from ecole.certificates import services
from ecole.certificates.jobs import KIND, enqueue_session
from ecole.certificates.models import Certificate
from ecole.core.audit import AuditEntry
from ecole.core.storage import get_storage
from ecole.enrolment.models import Enrolment
from ecole.extensions import db
from ecole.jobs.models import Job
from tests.factories import make_user, make_validated_session
from tests.jobs.queues import ROOT, wait_for

ELIGIBLE = 30
ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
ABSENT_AT = (4, 15, 27)  # the ineligible people sit among the others, so the batch passes over them


# --- the session, the queue, the worker -----------------------------------------------------------

@pytest.fixture
def big_session(people, catalogue):
    """A held session of 33 trainees whose results are validated: 30 completed it, 3 were absent
    throughout. Returns (session, eligible enrolments, ineligible enrolments)."""
    trainees = [make_user("trainee", name=f"Stagiaire {number:02d}", email=f"stagiaire{number}@example.org",
                          name_arabic=f"متدرب {number:02d}")
                for number in range(ELIGIBLE + len(ABSENT_AT))]
    absent = [trainees[index] for index in ABSENT_AT]
    course_session, enrolments = make_validated_session(people.trainer, trainees, absent=absent)
    missing = {person.id for person in absent}
    eligible = [e for e in enrolments if e.user_id not in missing]
    ineligible = [e for e in enrolments if e.user_id in missing]
    assert len(eligible) == ELIGIBLE and len(ineligible) == len(ABSENT_AT)
    return course_session, eligible, ineligible






def start_worker(app, database_url: str, settings: dict, log: Path) -> subprocess.Popen:
    """`flask ecole worker` on the test's database, stored files and signing keys; a lease of 2 s, so
    that the job of a killed worker goes back to the queue soon."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("ECOLE_ENV", "REDIS_URL", "TEST_DATABASE_URL", "ECOLE_STORAGE_URL")}
    env.update(DATABASE_URL=database_url, ECOLE_STORAGE_DIR=app.config["STORAGE_DIR"],
               ECOLE_SIGNING_KEYS_DIR=app.config["SIGNING_KEYS_DIR"], ECOLE_BASE_URL=app.config["BASE_URL"],
               ECOLE_JOBS_FILE=settings["JOBS_SQLITE_FILE"], ECOLE_JOBS_LEASE_SECONDS="2",
               ECOLE_JOBS_RETRY_SECONDS="1", ECOLE_JOBS_REQUEUE_SECONDS="6", PYTHONPATH=str(ROOT))
    if settings["REDIS_URL"]:
        env["REDIS_URL"] = settings["REDIS_URL"]
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "ecole", "worker"], cwd=ROOT, env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def stop(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGINT)  # Huey's graceful stop
    try:
        worker.wait(10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(5)




def fresh() -> None:
    db.session.commit()  # a fresh snapshot: the worker writes from another process


def job_states() -> dict[str, int]:
    """The certificate jobs by state (registering people queued e-mails of their own, run inline)."""
    fresh()
    rows = db.session.execute(db.select(Job.state, db.func.count()).where(Job.kind == KIND).group_by(Job.state))
    return dict(rows.all())


def certificate_count() -> int:
    fresh()
    return db.session.scalar(db.select(db.func.count(Certificate.id)))


def stored_files(app) -> set[str]:
    """The names in the storage folder `certificates/` (temporary files of a write included)."""
    folder = Path(app.config["STORAGE_DIR"]) / "certificates"
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def stored_pdfs(app) -> set[str]:
    return {name for name in stored_files(app) if name.endswith(".pdf")}


def certificates_by_enrolment() -> dict[int, list[Certificate]]:
    fresh()
    found: dict[int, list[Certificate]] = {}
    for certificate in db.session.scalars(db.select(Certificate).order_by(Certificate.id)):
        found.setdefault(certificate.enrolment_id, []).append(certificate)
    return found


# --- a worker killed mid-batch, then another ------------------------------------------------------

# Where the kill lands: "stored", the moment the next certificate's PDF appears in the storage folder
# (between storing the file and committing its row: the one window that leaves a file without a row);
# "anywhere", at a random moment of a certificate's cycle (mostly while rendering). One per queue, each
# with the database it runs beside in a school: the embedded one (SQLite, the SQLite queue) in CI's
# SQLite stage, production's (PostgreSQL, Redis) in its PostgreSQL stage (40 s each on a slow machine).
KILLS = [("redis", "anywhere")] if ON_POSTGRESQL else [("sqlite", "stored")]


@pytest.mark.slow
@pytest.mark.parametrize("queue, moment", KILLS, indirect=["queue"])
def test_a_worker_killed_mid_batch_and_another_issue_every_certificate_once(app, database_url, big_session, queue,
                                                                            moment, people, tmp_path):
    course_session, eligible, ineligible = big_session
    log = tmp_path / "worker.log"
    # The storage folder is the test session's: only the files this test makes are looked at.
    before = stored_files(app)
    assert enqueue_session(course_session, actor=people.admin) == ELIGIBLE
    db.session.commit()  # the job goes to the queue now, and only now
    assert job_states() == {"queued": 1} and certificate_count() == 0

    first = start_worker(app, database_url, queue, log)
    try:
        target = random.randint(5, 15)
        wait_for(lambda: certificate_count() >= target, 60, f"{target} certificates", log)
        if moment == "stored":
            committed = certificate_count()
            wait_for(lambda: len(stored_pdfs(app) - before) > committed, 10, "the next PDF stored", log, every=0.001)
        else:
            time.sleep(random.uniform(0, 0.4))  # anywhere in the cycle of one certificate
        first.send_signal(signal.SIGKILL)
        first.wait(5)
    finally:
        if first.poll() is None:
            first.kill()
    files_at_kill = stored_files(app) - before
    at_kill = {c.code for certificates in certificates_by_enrolment().values() for c in certificates}
    assert 5 <= len(at_kill) <= 25, f"{len(at_kill)} certificates when the worker died: the test proves little"
    assert job_states() == {"running": 1}  # its lease runs out; the sweeper of the next worker re-queues it

    second = start_worker(app, database_url, queue, log)
    try:
        wait_for(lambda: job_states() == {"done": 1}, 90, "the job done", log)
    finally:
        stop(second)

    found = certificates_by_enrolment()
    # Every eligible enrolment has exactly one certificate, valid; nobody else has one.
    assert sorted(found) == sorted(e.id for e in eligible)
    assert all(len(certificates) == 1 and certificates[0].status == "valid" for certificates in found.values())
    assert not set(found) & {e.id for e in ineligible}
    certificates = [certificates[0] for certificates in found.values()]
    # The first worker's certificates stand: the second went on from there, it did not start again.
    assert at_kill <= {c.code for c in certificates}
    # Every row's PDF is stored, byte for byte what its SHA-256 says.
    storage = get_storage()
    for certificate in certificates:
        assert certificate.storage_key == f"certificates/{certificate.code}.pdf"
        data = storage.get(certificate.storage_key)
        assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == certificate.sha256, certificate.code
        assert certificate.holder_latin.startswith("Stagiaire") and certificate.minutes_attended == 360
    # No stored file without a row, but for one: the worker killed after storing the PDF of the
    # certificate it was making and before its row was committed leaves that file (or, killed while
    # writing it, the temporary file of the write). At most one such leftover per kill.
    new_files = stored_files(app) - before
    rows = {Path(c.storage_key).name for c in certificates}
    assert rows <= new_files
    leftovers = new_files - rows
    assert len(leftovers) <= 1, leftovers
    # …and it is the file of the certificate the first worker was making when it died.
    assert leftovers <= files_at_kill - {f"{code}.pdf" for code in at_kill}, (leftovers, files_at_kill)
    for name in leftovers:
        assert name.startswith(".tmp-") or name.endswith(".pdf")
        if name.endswith(".pdf"):  # a whole certificate, but "check a file" knows it for no certificate
            orphan = storage.get(f"certificates/{name}")
            assert orphan.startswith(b"%PDF-") and services.by_file(orphan) is None
    # One audit entry per certificate (the row and its entry commit together).
    fresh()
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "certificate.issue")) == ELIGIBLE
    job = db.session.scalar(db.select(Job).where(Job.kind == KIND))
    assert (job.kind, job.state, job.progress, job.attempts, job.error) == (KIND, "done", 100, 2, "")


# --- one job per request, the command run twice -----------------------------------------------------

@pytest.mark.parametrize("queue", ["sqlite"], indirect=True)
def test_asking_twice_before_the_job_runs_is_one_job(app, big_session, queue, people):
    course_session, eligible, _ineligible = big_session
    assert enqueue_session(course_session, actor=people.admin) == ELIGIBLE
    db.session.commit()
    assert enqueue_session(course_session, actor=people.admin) == ELIGIBLE  # a double tap
    db.session.commit()
    [job] = db.session.scalars(db.select(Job).where(Job.kind == KIND)).all()
    assert job.state == "queued" and job.key.startswith(f"certificates:{course_session.id}:")
    assert job.payload == {"session": course_session.id, "actor": people.admin.id}
    # Once some are issued, what remains is another unit of work: a new request is a new job.
    services.issue(eligible[0], actor=people.admin)
    db.session.commit()
    assert enqueue_session(course_session, actor=people.admin) == ELIGIBLE - 1
    db.session.commit()
    keys = db.session.scalars(db.select(Job.key).where(Job.kind == KIND)).all()
    assert len(keys) == 2 and len(set(keys)) == 2


# ecole/jobs/runner.py `enqueue` reads `.rowcount` of its INSERT … ON CONFLICT DO NOTHING to know whether
# the row is new; on PostgreSQL SQLAlchemy adds `RETURNING jobs.id` to that INSERT and the rowcount is
# -1 (truthy) whether a row was inserted or not, so every enqueue of an existing key sends a message.
@pytest.mark.parametrize("queue", ["sqlite"], indirect=True)
def test_asking_twice_hands_the_queue_one_message(app, big_session, queue, people):
    course_session, _eligible, _ineligible = big_session
    for _ in range(2):
        enqueue_session(course_session, actor=people.admin)
        db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Job.id)).where(Job.kind == KIND)) == 1
    assert queue["huey"].pending_count() == 1


def test_nothing_to_do_enqueues_nothing(held, people):
    course_session, (done, other, _away) = held
    for enrolment in (done, other):
        services.issue(enrolment, actor=people.admin)
    db.session.commit()
    assert enqueue_session(course_session, actor=people.admin) == 0
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Job.id)).where(Job.kind == KIND)) == 0


def test_the_inline_job_issues_the_session(held, people):
    """With JOBS_IMMEDIATE (the suite's default) the job runs at the commit, as a worker would run it."""
    course_session, (done, other, away) = held
    assert enqueue_session(course_session, actor=people.admin) == 2
    db.session.commit()
    job = db.session.scalar(db.select(Job).where(Job.kind == KIND))
    assert (job.state, job.progress, job.attempts) == ("done", 100, 1)
    assert sorted(certificates_by_enrolment()) == sorted([done.id, other.id])
    assert all(c.issued_by_id == people.admin.id for cs in certificates_by_enrolment().values() for c in cs)


def test_the_command_run_twice_issues_each_once_and_the_list_shows_them(app, runner, held):
    course_session, (done, other, away) = held
    first = runner.invoke(args=["ecole", "issue-certificates", "--session", str(course_session.id)])
    assert first.exit_code == 0, first.output
    assert "2 certificat(s) délivré(s), 2 au total" in first.output and "1 personne(s)" in first.output
    assert "Said Absent" in first.output  # who has none, and why (on stderr, mixed in by the runner)
    codes = {c.code for cs in certificates_by_enrolment().values() for c in cs}
    second = runner.invoke(args=["ecole", "issue-certificates", "--session", str(course_session.id)])
    assert second.exit_code == 0, second.output
    assert "0 certificat(s) délivré(s), 2 au total" in second.output
    found = certificates_by_enrolment()
    assert sorted(found) == sorted([done.id, other.id]) and all(len(cs) == 1 for cs in found.values())
    assert {c.code for cs in found.values() for c in cs} == codes
    assert all(c.issued_by_id is None for cs in found.values() for c in cs)  # the command acts for nobody

    listed = runner.invoke(args=["ecole", "certificates", "list", "--format", "csv"])
    assert listed.exit_code == 0, listed.output
    rows = list(csv.reader(io.StringIO(listed.output)))
    assert rows[0] == ["code", "holder", "course", "issued", "status"]
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == codes
    today = {c.issued_at.date().isoformat() for cs in found.values() for c in cs}
    for certificate in (cs[0] for cs in found.values()):
        code, holder, course, issued, status = by_code[certificate.code]
        assert holder == certificate.holder_latin and course == certificate.course_titles["fr"]
        assert issued in today and status == "valid"
    assert {row[1] for row in rows[1:]} == {"Fatima Aït Ali", "Brahim Oubella"}
    only = runner.invoke(args=["ecole", "certificates", "list", "--session", str(course_session.id + 1000)])
    assert only.exit_code == 0 and only.output.strip() == ""


# ecole/certificates/queries.py `certificate_rows` (and the register's CSV, views.py) write the date of
# issue as `issued_at.date()`, the UTC date, where the certificate prints (and /verify shows) the date on
# the school's clock: issued between midnight and 1 a.m. while Morocco is on UTC+1 (the pinned tzdata:
# until September 2026, but for Ramadan), the list says the day before the paper.
def test_the_list_dates_a_certificate_as_it_was_printed(runner, held, people):
    from ecole.core.timezone import school_zone

    certificate = services.issue(held[1][0], actor=people.admin)
    certificate.issued_at = datetime(2026, 6, 1, 23, 30, tzinfo=timezone.utc)  # 00:30 on the 2nd in Morocco
    db.session.commit()
    printed = certificate.issued_at.astimezone(school_zone()).date()
    assert printed == date(2026, 6, 2)
    listed = runner.invoke(args=["ecole", "certificates", "list", "--format", "csv"])
    [row] = list(csv.reader(io.StringIO(listed.output)))[1:]
    assert row[3] == printed.isoformat()


def test_the_command_refuses_an_unknown_session(runner, held):
    result = runner.invoke(args=["ecole", "issue-certificates", "--session", "999999"])
    assert result.exit_code != 0 and "999999" in result.output


# --- eight threads, one enrolment ---------------------------------------------------------------------

def test_eight_threads_issuing_one_enrolment_at_once_make_one_certificate(app, held, people, monkeypatch):
    from ecole.certificates import printing

    course_session, (done, *_rest) = held
    enrolment_id, actor_id = done.id, people.admin.id
    before = stored_files(app)
    rendered, deleted = [], []  # how many raced through rendering; how many lost and removed their file
    render, delete = printing.certificate_pdf, services._delete_quietly
    monkeypatch.setattr(printing, "certificate_pdf", lambda certificate: rendered.append(1) or render(certificate))
    monkeypatch.setattr(services, "_delete_quietly", lambda key: deleted.append(key) or delete(key))
    db.session.commit()  # the test's own transaction ends: the threads see everything, wait on nothing
    threads, barrier = 8, threading.Barrier(8)
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def issue() -> None:
        try:
            with app.app_context():
                enrolment = db.session.get(Enrolment, enrolment_id)
                actor = db.session.get(User, actor_id)
                barrier.wait(10)
                certificate = services.issue(enrolment, actor=actor)
                db.session.commit()
                results.append((certificate.id, certificate.code))
        except BaseException as error:  # noqa: BLE001 — reported below, with the others
            errors.append(error)

    workers = [threading.Thread(target=issue) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert not any(worker.is_alive() for worker in workers)
    assert errors == [], errors
    assert len(results) == threads and len(set(results)) == 1, results  # every thread got the winner
    found = certificates_by_enrolment()
    [certificate] = found[enrolment_id]
    assert certificate.status == "valid" and (certificate.id, certificate.code) == results[0]
    assert sum(len(cs) for cs in found.values()) == 1
    data = get_storage().get(certificate.storage_key)
    assert hashlib.sha256(data).hexdigest() == certificate.sha256
    # They did race (all rendered before any committed), and the losers deleted the files they had
    # stored: only the winner's is left.
    assert len(rendered) >= 2 and len(deleted) == len(rendered) - 1, (len(rendered), len(deleted))
    assert certificate.storage_key not in deleted
    assert stored_files(app) - before == {f"{certificate.code}.pdf"}
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "certificate.issue")) == 1
