"""The small test catalogue in tests/fixtures/courses, imported through the real importer."""
from pathlib import Path

import pytest

from ecole.catalogue.services import import_catalogue
from ecole.extensions import db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "courses"


def load_fixture_catalogue():
    report = import_catalogue(FIXTURES, actor=None)
    assert not report.problems, report.problems
    db.session.commit()
    return report


@pytest.fixture
def catalogue(app_context):
    return load_fixture_catalogue()
