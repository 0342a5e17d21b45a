"""Background jobs: `enqueue(kind, payload, key=…)` after the commit, run by `flask ecole worker`.

The facade other domains use; see runner.py for how a job is claimed, retried and swept.
"""
from ecole.jobs.runner import JobError, UnknownKind, enqueue, init_app, run_job, sweep

__all__ = ["JobError", "UnknownKind", "enqueue", "init_app", "run_job", "sweep"]
