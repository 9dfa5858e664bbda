"""Fixtures of the tests that run `locum` processes."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sdk.conftest import drop_own_database, own_database_url


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, shared by the processes it starts (dropped afterwards)."""
    url = own_database_url(tmp_path)
    yield url
    drop_own_database(url)
