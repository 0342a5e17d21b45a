"""The "send_mail" job: one e-mail, sent once, whose idempotency key the caller chooses."""
import hashlib

from flask import current_app

from ecole.core.mail import send_mail
from ecole.jobs.models import Job
from ecole.jobs.runner import JobContext, enqueue

KIND = "send_mail"


class MailNotSent(Exception):
    """The SMTP server could not be reached or refused the message: the job is retried."""


def enqueue_mail(to: str, subject: str, body: str, *, key: str) -> Job:
    """Send this message after the current transaction commits, once for `key` (e.g. "notice:42")."""
    return enqueue(KIND, {"to": to, "subject": subject, "body": body}, key=key)


def message_id(key: str) -> str:
    """The same Message-ID for every attempt of one job: should a worker die between the SMTP
    server's acceptance and the job's "done" mark, the one message sent again is recognisable
    (and merged by mail clients) as the same message."""
    domain = current_app.config.get("MAIL_SENDER", "ecole@localhost").rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def send_mail_job(payload: dict, job: JobContext) -> None:
    """Handler of the "send_mail" kind. The runner marks the job done (its delivery mark) in the
    transaction that follows the SMTP server's acceptance, so a re-run of a done job sends nothing."""
    sent = send_mail(payload["to"], payload["subject"], payload["body"], headers={"Message-ID": message_id(job.key)})
    # Without MAIL_SERVER the message is written to the log: that is its delivery, not a failure.
    if not sent and current_app.config.get("MAIL_SERVER"):
        raise MailNotSent(f"mail to {payload['to']} not accepted by {current_app.config['MAIL_SERVER']}")
