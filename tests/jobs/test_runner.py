"""The job runner, inline as in every test: after the commit, once per key, retried with backoff, swept."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from config import ProductionConfig
from ecole.accounts.models import User
from ecole.core.models import utcnow
from ecole.extensions import db
from ecole.jobs import JobError, UnknownKind, enqueue, run_job, sweep
from ecole.jobs.mail import enqueue_mail, message_id
from ecole.jobs.models import Job
from ecole.jobs.runner import JobContext, LeaseLost, get_runner, retry_delay
from ecole.notifications.models import Notification
from tests.helpers import read_mail


class Recorder:
    """A job kind that records what it was given; `fail` makes the next calls raise."""

    def __init__(self):
        self.calls: list[dict] = []
        self.fail = 0

    def __call__(self, payload: dict, job: JobContext) -> None:
        self.calls.append(payload)
        if self.fail:
            self.fail -= 1
            raise RuntimeError("printer out of paper")


@pytest.fixture
def recorder(monkeypatch):
    handler = Recorder()
    monkeypatch.setitem(get_runner().kinds, "record", handler)
    return handler


def job_by_key(key: str) -> Job:
    db.session.expire_all()
    return db.session.scalar(db.select(Job).where(Job.key == key))


def test_a_job_runs_after_the_commit_and_never_after_a_rollback(recorder):
    enqueue("record", {"n": 1}, key="k:1")
    assert recorder.calls == []  # not before the commit: a worker would not find the row
    db.session.commit()
    assert recorder.calls == [{"n": 1}]
    job = job_by_key("k:1")
    assert (job.state, job.progress, job.attempts, job.error) == ("done", 100, 1, "")
    assert job.finished_at is not None and job.lease_token is None

    enqueue("record", {"n": 2}, key="k:2")
    db.session.rollback()
    assert recorder.calls == [{"n": 1}] and job_by_key("k:2") is None


def test_one_key_is_one_unit_of_work(recorder):
    first = enqueue("record", {"n": 1}, key="notice:7")
    db.session.commit()
    again = enqueue("record", {"n": 1}, key="notice:7")
    db.session.commit()
    assert again.id == first.id and recorder.calls == [{"n": 1}]
    assert run_job(first.id) is None  # a second message for a done job claims nothing
    assert recorder.calls == [{"n": 1}]
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 1


def test_bad_requests_are_refused_and_record_nothing(recorder):
    with pytest.raises(UnknownKind):
        enqueue("no-such-kind", {}, key="x:1")
    for key in ("", "k" * 256, "nul\x00"):
        with pytest.raises(JobError):
            enqueue("record", {}, key=key)
    for payload in ([1], {"when": utcnow()}, {"user": object()}):
        with pytest.raises(JobError):
            enqueue("record", payload, key="bad-payload")
    enqueue("record", {}, key="shared")
    db.session.commit()
    with pytest.raises(JobError):
        enqueue("send_mail", {"to": "a@example.org", "subject": "s", "body": "b"}, key="shared")
    db.session.rollback()
    assert [job.kind for job in db.session.scalars(db.select(Job))] == ["record"]


def test_a_failure_is_retried_later_with_backoff(recorder, monkeypatch):
    runner = get_runner()
    monkeypatch.setattr(runner, "retry_base", 30.0)
    recorder.fail = 1
    before = utcnow()
    enqueue("record", {"n": 1}, key="retry:1")
    db.session.commit()
    job = job_by_key("retry:1")
    assert (job.state, job.attempts) == ("queued", 1)
    assert job.error == "RuntimeError: printer out of paper"
    assert timedelta(seconds=29) <= job.run_after - before <= timedelta(seconds=32)
    assert sweep() == {"requeued": 0, "failed": 0, "resent": 0}  # not due yet
    assert run_job(job.id) is None and len(recorder.calls) == 1  # an early message claims nothing

    # Its time comes (and its message was lost): the sweeper hands it over again, and it succeeds.
    past = utcnow() - timedelta(hours=1)
    db.session.execute(update(Job).where(Job.id == job.id).values(run_after=past, enqueued_at=past))
    db.session.commit()
    assert sweep()["resent"] == 1
    job = job_by_key("retry:1")
    assert (job.state, job.attempts, job.error) == ("done", 2, "")
    assert len(recorder.calls) == 2

    assert [retry_delay(runner, n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    monkeypatch.setattr(runner, "retry_max", 100.0)
    assert retry_delay(runner, 10) == 100


def test_a_job_that_keeps_failing_ends_failed_with_its_error(recorder, monkeypatch):
    monkeypatch.setattr(get_runner(), "retry_base", 0.0)  # retries at once, inline
    recorder.fail = 99
    enqueue("record", {}, key="doomed", max_attempts=3)
    db.session.commit()
    job = job_by_key("doomed")
    assert (job.state, job.attempts, job.error) == ("failed", 3, "RuntimeError: printer out of paper")
    assert len(recorder.calls) == 3


def _running(key: str, *, lease_in: timedelta, attempts: int = 1, max_attempts: int = 5) -> Job:
    """A job as a worker leaves it when it dies in the middle: running, with a lease."""
    now = utcnow()
    job = Job(kind="record", key=key, payload={"key": key}, state="running", attempts=attempts,
              max_attempts=max_attempts, started_at=now, lease_token="dead-worker", lease_expires_at=now + lease_in)
    db.session.add(job)
    db.session.commit()
    return job


def test_the_sweeper_reruns_jobs_whose_worker_died(recorder):
    lost = _running("lost", lease_in=timedelta(seconds=-1))
    busy = _running("busy", lease_in=timedelta(minutes=5))
    spent = _running("spent", lease_in=timedelta(seconds=-1), attempts=5, max_attempts=5)
    report = sweep()
    assert report == {"requeued": 1, "failed": 1, "resent": 0}
    assert recorder.calls == [{"key": "lost"}]
    assert (job_by_key("lost").state, job_by_key("lost").attempts) == ("done", 2)
    assert job_by_key("busy").state == "running"  # its worker is alive: its lease still runs
    assert (job_by_key("spent").state, job_by_key("spent").error) == ("failed", "worker lost")
    assert sweep() == {"requeued": 0, "failed": 0, "resent": 0}
    assert {lost.id, busy.id, spent.id} == {job.id for job in db.session.scalars(db.select(Job))}


def test_a_worker_whose_lease_was_taken_over_does_not_mark_the_job(monkeypatch):
    seen = []

    def slow(payload, job):
        seen.append(job.attempt)
        # Meanwhile the sweeper gave the job to another worker (this one was too slow).
        db.session.execute(update(Job).where(Job.id == job.id).values(lease_token="another-worker"))
        with pytest.raises(LeaseLost):
            job.progress(50)
        raise LeaseLost("stop")

    monkeypatch.setitem(get_runner().kinds, "slow", slow)
    enqueue("slow", {}, key="slow:1")
    db.session.commit()
    job = job_by_key("slow:1")
    assert seen == [1] and job.state == "running" and job.progress == 0


def test_progress_is_a_checkpoint(monkeypatch):
    def steps(payload, job):
        job.progress(40)
        assert job_by_key("steps").progress == 40

    monkeypatch.setitem(get_runner().kinds, "steps", steps)
    enqueue("steps", {}, key="steps")
    db.session.commit()
    assert job_by_key("steps").state == "done"


def test_send_mail_job_sends_once_per_key(smtp):
    enqueue_mail("amina@example.org", "Séance confirmée", "ⴰⵣⵓⵍ — مرحبا", key="notice:1")
    db.session.commit()
    enqueue_mail("amina@example.org", "Séance confirmée", "ⴰⵣⵓⵍ — مرحبا", key="notice:1")
    db.session.commit()
    assert len(smtp.wait(1)) == 1
    message = smtp.messages[0]
    assert message.rcpt_tos == ["amina@example.org"]
    subject, body = read_mail(message)
    assert (subject, body.strip()) == ("Séance confirmée", "ⴰⵣⵓⵍ — مرحبا")
    assert f"Message-ID: {message_id('notice:1')}".encode() in message.content
    job = job_by_key("notice:1")
    assert run_job(job.id) is None
    assert (job.state, job.attempts) == ("done", 1) and len(smtp.messages) == 1


def test_send_mail_job_is_retried_when_the_server_is_down(app, monkeypatch):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    enqueue_mail("a@example.org", "s", "b", key="notice:2")
    db.session.commit()
    job = job_by_key("notice:2")
    assert (job.state, job.attempts) == ("queued", 1) and "MailNotSent" in job.error


def test_without_mail_server_the_message_is_logged_and_the_job_done(app, monkeypatch, caplog):
    caplog.set_level("INFO", logger="ecole.mail")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    enqueue_mail("a@example.org", "Sujet", "Corps", key="notice:3")
    db.session.commit()
    assert job_by_key("notice:3").state == "done"
    assert "Sujet" in caplog.text and "Corps" in caplog.text  # a developer's machine: the whole message


def test_in_production_the_log_never_gets_a_messages_body(app, monkeypatch, caplog):
    """A one-time code or a reset link in the log would open the account to whoever reads the logs."""
    caplog.set_level("INFO", logger="ecole.mail")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "MAIL_LOG_BODY", ProductionConfig.MAIL_LOG_BODY)
    enqueue_mail("a@example.org", "Sujet", "Votre code : 493027", key="notice:4")
    db.session.commit()
    assert job_by_key("notice:4").state == "done"
    assert "Sujet" in caplog.text and "493027" not in caplog.text


def test_jobs_list_command(runner, recorder):
    recorder.fail = 99
    enqueue("record", {}, key="a", max_attempts=1)
    enqueue("send_mail", {"to": "x@example.org", "subject": "s", "body": "b"}, key="b")
    db.session.commit()
    failed, done = job_by_key("a"), job_by_key("b")
    result = runner.invoke(args=["ecole", "jobs", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split("\t")[:4] == [str(done.id), "send_mail", "done", "100%"]
    assert lines[1].split("\t") == [str(failed.id), "record", "failed", "0%", "1/1",
                                     "RuntimeError: printer out of paper"]
    result = runner.invoke(args=["ecole", "jobs", "list", "--state", "failed"])
    assert result.exit_code == 0 and [line.split("\t")[0] for line in result.output.splitlines()] == [str(failed.id)]
    result = runner.invoke(args=["ecole", "jobs", "list", "--state", "bogus"])
    assert result.exit_code != 0 and "bogus" in result.output


def test_jobs_sweep_command_requeues_lost_jobs_once(runner, recorder):
    """`flask ecole jobs sweep` (deploy/systemd/ecole-sweep-jobs.timer): the sweeper without a worker."""
    _running("lost", lease_in=timedelta(seconds=-1))
    _running("busy", lease_in=timedelta(minutes=5))
    _running("spent", lease_in=timedelta(seconds=-1), attempts=5, max_attempts=5)
    result = runner.invoke(args=["ecole", "jobs", "sweep"])
    assert result.exit_code == 0, result.output
    assert result.output == "1 tâche(s) relancée(s), 0 renvoyée(s) à la file, 1 en échec.\n"
    assert recorder.calls == [{"key": "lost"}]  # (inline here; a worker would take it from the queue)
    assert [job_by_key(key).state for key in ("lost", "busy", "spent")] == ["done", "running", "failed"]
    result = runner.invoke(args=["ecole", "jobs", "sweep"])
    assert result.exit_code == 0 and result.output.startswith("0 tâche(s) relancée(s)")
    assert recorder.calls == [{"key": "lost"}]


def test_worker_refuses_to_start_when_jobs_run_inline(runner):
    result = runner.invoke(args=["ecole", "worker"])
    assert result.exit_code == 1 and "JOBS_IMMEDIATE" in result.output


def test_a_long_job_keeps_its_lease_while_its_worker_lives(monkeypatch):
    import time

    runner = get_runner()
    monkeypatch.setattr(runner, "lease", timedelta(seconds=0.6))
    leases = []

    def long(payload, job):
        for _ in range(4):  # 1.2 s: twice its lease, and it never reports progress
            time.sleep(0.3)
            with db.engine.connect() as connection:
                leases.append(connection.scalar(db.select(Job.lease_expires_at).where(Job.id == job.id)))
            assert sweep() == {"requeued": 0, "failed": 0, "resent": 0}  # not taken for a dead one

    monkeypatch.setitem(runner.kinds, "long", long)
    enqueue("long", {}, key="long")
    db.session.commit()
    assert job_by_key("long").state == "done"
    assert leases == sorted(leases) and leases[-1] > leases[0]


def test_changes_a_handler_made_after_others_wrote_are_kept_with_the_done_mark(monkeypatch, people):
    """A handler reads, another process writes meanwhile (an e-mail takes seconds to leave), then the
    handler changes the row it read: on SQLite its snapshot is too old to write from, and the done
    mark must still carry the change rather than drop it (the mail has left; it will not be sent again)."""
    trainee_id, trainer_id = people.trainee.id, people.trainer.id

    def stamp(payload, job):
        person = db.session.get(User, trainee_id)  # a read: on SQLite, a snapshot from here on
        with db.engine.begin() as other:  # another worker's write, committed after that snapshot
            other.execute(update(User).where(User.id == trainer_id).values(name_latin="Brahim Oubella II"))
        person.name_latin = "Fatima Aït Ali (stamped)"
        db.session.add(Notification(user_id=trainee_id, kind="welcome"))

    monkeypatch.setitem(get_runner().kinds, "stamp", stamp)
    enqueue("stamp", {}, key="stamp:1")
    db.session.commit()
    assert job_by_key("stamp:1").state == "done"
    db.session.expire_all()
    assert db.session.get(User, trainee_id).name_latin == "Fatima Aït Ali (stamped)"
    assert db.session.get(User, trainer_id).name_latin == "Brahim Oubella II"
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.user_id == trainee_id)) == 1
