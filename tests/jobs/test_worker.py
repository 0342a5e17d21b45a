"""A real `flask ecole worker` killed in the middle of 50 notices to e-mail, then another: each
notice delivered once.

The worker runs as a separate process, on the test's database, against a real SMTP server on
loopback; the queue is a SQLite file (the embedded default) or Redis (a database per test process).
"""
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from email import message_from_bytes
from pathlib import Path

import pytest

from ecole.accounts.models import User
from ecole.extensions import db
from ecole.jobs.mail import message_id
from ecole.jobs.models import Job
from ecole.notifications.models import Notification
from ecole.notifications.services import notify
from tests.jobs.queues import ROOT, wait_for

BATCH = 50




class Mailbox:
    """An SMTP server's handler that keeps every message it accepts, a little slowly (a real
    server takes a few milliseconds), so that a kill lands in the middle of the batch."""

    def __init__(self):
        self.received: list[tuple[str, str]] = []  # (recipient, Message-ID), in order of acceptance

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.01)
        parsed = message_from_bytes(envelope.content)
        self.received.append((envelope.rcpt_tos[0], parsed["Message-ID"]))
        return "250 OK"


@pytest.fixture
def mail_server():
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.port = port
    yield mailbox
    controller.stop()




def start_worker(database_url: str, settings: dict, mail_port: int, log: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items()
           if key not in ("ECOLE_ENV", "REDIS_URL", "TEST_DATABASE_URL") and not key.startswith("MAIL_")}
    env.update(DATABASE_URL=database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(mail_port),
               ECOLE_JOBS_FILE=settings["JOBS_SQLITE_FILE"], ECOLE_JOBS_LEASE_SECONDS="2", ECOLE_JOBS_RETRY_SECONDS="1",
               ECOLE_JOBS_REQUEUE_SECONDS="6",
               PYTHONPATH=str(ROOT))
    if settings["REDIS_URL"]:
        env["REDIS_URL"] = settings["REDIS_URL"]
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "ecole", "worker"], cwd=ROOT, env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)




def states() -> dict[str, int]:
    db.session.commit()  # a fresh snapshot: the worker writes from another process
    rows = db.session.execute(db.select(Job.state, db.func.count()).group_by(Job.state))
    return dict(rows.all())


@pytest.mark.slow
@pytest.mark.parametrize("queue", ["sqlite", "redis"], indirect=True)
def test_a_worker_killed_mid_batch_and_another_deliver_every_message_once(app, database_url, queue, mail_server,
                                                                          tmp_path):
    log = tmp_path / "worker.log"
    expected = {}
    people = [User(name_latin=f"Person {number}", email=f"person{number}@example.org", locale=("fr", "ar", "zgh")[number % 3])
              for number in range(BATCH)]
    db.session.add_all(people)
    db.session.flush()
    for person in people:  # what a cancelled session does: a notice each, e-mailed by a job
        notice = notify(person, "session.cancelled", reason="Route coupée")
        expected[message_id(f"notice:{notice.id}")] = person.email
    db.session.commit()  # the 50 notices go to the queue now, and only now
    assert states() == {"queued": BATCH} and mail_server.received == []

    first = start_worker(database_url, queue, mail_server.port, log)
    try:
        wait_for(lambda: len(mail_server.received) >= 10, 25, "the first messages", log)
        time.sleep(random.uniform(0, 0.03))  # anywhere in the cycle of one message
        first.send_signal(signal.SIGKILL)
        first.wait(5)
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = len(mail_server.received)
    assert at_kill < BATCH, "the worker finished before it was killed: the test proves nothing"
    assert states().get("done", 0) < BATCH

    second = start_worker(database_url, queue, mail_server.port, log)
    try:
        wait_for(lambda: states() == {"done": BATCH}, 25, "every job done", log)
    finally:
        second.send_signal(signal.SIGINT)  # Huey's graceful stop
        try:
            second.wait(10)
        except subprocess.TimeoutExpired:
            second.kill()

    received_ids = [mid for _, mid in mail_server.received]
    # Every message arrived, at its own recipient, and none is missing.
    assert set(received_ids) == set(expected)
    assert all(expected[mid] == to for to, mid in mail_server.received)
    # Exactly once, but for one case no sender can rule out: killed after the SMTP server accepted
    # a message and before the job was marked done, the worker sends that one message again, with
    # the same Message-ID (mail clients show it once). At most one such message per kill.
    duplicates = len(received_ids) - len(set(received_ids))
    assert duplicates <= 1, f"{duplicates} messages sent twice"
    jobs = db.session.scalars(db.select(Job)).all()
    assert all(job.state == "done" and job.progress == 100 for job in jobs)
    retried = [job for job in jobs if job.attempts > 1]
    assert len(retried) <= 1  # only the job the first worker was holding when it died
    if duplicates:
        assert retried and expected[message_id(retried[0].key)]
    # Every notice is stamped as e-mailed, once (the stamp commits with the job's "done").
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.emailed_at.is_not(None))) == BATCH
