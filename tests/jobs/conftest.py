"""The job tests' real queue (tests/jobs/queues.py)."""
from tests.jobs.queues import queue  # noqa: F401
