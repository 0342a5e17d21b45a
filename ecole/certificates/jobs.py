"""The bulk issuing job: one session's certificates, with its progress; a checkpoint commits after
each certificate, so a worker killed midway loses at most one, and the job run again (the sweeper gives
it to another worker) goes on from there without a duplicate (the enrolment is the idempotency key)."""
from ecole.extensions import db

KIND = "issue_certificates"


def issue_certificates_job(payload: dict, job) -> None:
    from ecole.accounts.models import User
    from ecole.certificates import services
    from ecole.sessions.models import CourseSession

    course_session = db.session.get(CourseSession, payload["session"])
    if course_session is None:
        return
    actor = db.session.get(User, payload["actor"]) if payload.get("actor") else None
    services.issue_all(course_session, actor=actor,
                       checkpoint=lambda done, total: job.progress(int(100 * done / max(total, 1))))


def enqueue_session(course_session, *, actor) -> int:
    """Ask for the session's missing certificates (the job runs after the commit); returns how many are
    to be made. Its key is what remains to do: a double tap is one job, and a request after new results
    were validated is a new one."""
    import hashlib

    from ecole.certificates import services
    from ecole.jobs import enqueue

    todo = [enrolment.id for enrolment in services.to_issue(course_session)]
    if todo:
        digest = hashlib.sha256(",".join(map(str, todo)).encode()).hexdigest()[:16]
        enqueue(KIND, {"session": course_session.id, "actor": actor.id if actor else None},
                key=f"certificates:{course_session.id}:{digest}")
    return len(todo)
