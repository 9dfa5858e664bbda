"""The ini option `locum_reset_each_test = true`: every test using locum starts without data
(run with `-o locum_reset_each_test=true`; skipped otherwise)."""

from collections.abc import Iterator

import pytest
from clerk_backend_api import Clerk

from locum.testing.server import LocumTestServer


@pytest.fixture
def clerk(request: pytest.FixtureRequest, locum_server: LocumTestServer) -> Iterator[Clerk]:
    if not request.config.getini("locum_reset_each_test"):
        pytest.skip("needs -o locum_reset_each_test=true")
    with Clerk(bearer_auth=locum_server.secret_key, server_url=locum_server.server_url) as clerk:
        yield clerk


@pytest.mark.parametrize("round", [1, 2, 3])
def test_each_test_sees_only_its_own_user(clerk: Clerk, round: int) -> None:
    clerk.users.create(email_address=["same.person@example.com"])
    assert clerk.users.count().total_count == 1
