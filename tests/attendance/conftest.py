"""Attendance tests use the test catalogue, and often a second trainer."""
from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.enrolment.conftest import other_trainer  # noqa: F401
