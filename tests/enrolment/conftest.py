"""Enrolment tests use the test catalogue."""
from tests.catalogue.conftest import catalogue  # noqa: F401
