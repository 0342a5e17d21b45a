"""Enrolment tests use the test catalogue, and often a second trainer."""
import pytest

from tests.catalogue.conftest import catalogue  # noqa: F401


@pytest.fixture
def other_trainer(app_context):
    """A trainer who teaches none of the sessions a test builds."""
    from tests.factories import make_user

    return make_user("trainer", name="Youssef Autre", email="other.trainer@example.org")
