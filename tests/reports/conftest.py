"""Report tests build their worlds on the test catalogue."""
from tests.catalogue.conftest import catalogue  # noqa: F401
