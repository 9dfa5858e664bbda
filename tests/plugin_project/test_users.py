"""Users made through Clerk's SDK against the plugin's server, its data reset between tests."""

import os

import pytest
from clerk_backend_api import Clerk
from clerk_backend_api.security import verify_token
from clerk_backend_api.security.types import VerifyTokenOptions

from locum.testing.server import LocumTestServer


def clerk_from_environment() -> Clerk:
    """What an application does: its Clerk client from CLERK_SECRET_KEY and CLERK_API_URL."""
    return Clerk(bearer_auth=os.environ["CLERK_SECRET_KEY"], server_url=f"{os.environ['CLERK_API_URL']}/v1")


def test_creates_and_lists_users(locum_reset: LocumTestServer, locum_env: LocumTestServer) -> None:
    with clerk_from_environment() as clerk:
        for name in ("ada", "grace"):
            clerk.users.create(email_address=[f"{name}@example.com"], first_name=name.title())

        users = clerk.users.list(request={"order_by": "+created_at"})

    assert [user.first_name for user in users] == ["Ada", "Grace"]


def test_starts_from_no_users_after_a_reset(locum_reset: LocumTestServer, locum_env: LocumTestServer) -> None:
    with clerk_from_environment() as clerk:
        assert clerk.users.count().total_count == 0
        # The same address as the test above: free again once the instance is reset.
        clerk.users.create(email_address=["ada@example.com"])
        assert clerk.users.count().total_count == 1


@pytest.mark.locum_reset
def test_marker_resets_before_the_test(locum_env: LocumTestServer) -> None:
    with clerk_from_environment() as clerk:
        clerk.users.create(email_address=["grace@example.com"])
        assert clerk.users.count().total_count == 1


def test_session_token_verifies_with_clerk_jwt_key(locum_env: LocumTestServer) -> None:
    with clerk_from_environment() as clerk:
        user = clerk.users.create(email_address=["session.owner@example.com"], skip_password_requirement=True)
        session = clerk.sessions.create(request={"user_id": user.id})
        token = clerk.sessions.create_token(session_id=session.id).jwt

    claims = verify_token(token, VerifyTokenOptions(jwt_key=os.environ["CLERK_JWT_KEY"]))

    assert claims["sub"] == user.id
    assert claims["sid"] == session.id


def test_server_describes_its_instance(locum_server: LocumTestServer) -> None:
    assert locum_server.api_url.startswith("http://127.0.0.1:")
    assert not locum_server.api_url.endswith("/v1")
    assert locum_server.secret_key.startswith("sk_test_")
    assert locum_server.publishable_key.startswith("pk_test_")
    assert locum_server.jwt_key.startswith("-----BEGIN PUBLIC KEY-----")
    assert locum_server.instance_id.startswith("ins_")


def test_environment_is_set_only_inside_tests_using_locum_env() -> None:
    assert "CLERK_SECRET_KEY" not in os.environ
