"""Attendance tests use the test catalogue, often a second trainer, and for sign-in sheets a session
with 25 trainees."""
import pytest

from tests.attendance.helpers import make_meeting_with_trainees
from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.enrolment.conftest import other_trainer  # noqa: F401


@pytest.fixture
def big_meeting(people, catalogue):  # noqa: F811
    """A published session of people.trainer with 25 confirmed trainees and one meeting."""
    return make_meeting_with_trainees(people.trainer, 25)
