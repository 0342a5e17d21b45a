"""Study-trip tests use the test catalogue and a published trip of people.trainer: two stops with
hosts, one minibus of 3 seats (the capacity follows the seats)."""
import pytest

from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.factories import make_trip


@pytest.fixture
def trip(people, catalogue):  # noqa: F811
    return make_trip(people.trainer, seats=3)
