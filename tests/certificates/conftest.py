"""Certificate tests use the test catalogue and a held session whose results are validated: two
people completed it, one was absent throughout."""
import pytest

from ecole.accounts import services as accounts
from tests.catalogue.conftest import catalogue  # noqa: F401
from tests.factories import make_user, make_validated_session
from tests.jobs.queues import queue  # noqa: F401  (a real queue, for the bulk job tests)


@pytest.fixture
def held(people, catalogue):  # noqa: F811
    done = make_user("trainee", name="Fatima Aït Ali", email="fatima@example.org")
    accounts.update_profile(done, {"name_arabic": "فاطمة آيت علي"}, actor=people.admin)
    other = make_user("trainee", name="Brahim Oubella", email="brahim@example.org")
    away = make_user("trainee", name="Said Absent", email="said@example.org")
    return make_validated_session(people.trainer, [done, other, away], absent=[away])
