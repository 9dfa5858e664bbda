"""Concurrent writes to one row lose nothing: every read-modify-write holds its row locked (PostgreSQL)
or runs alone (SQLite's single writer), and a user's stored document always agrees with its columns.

Requests are launched together with asyncio.gather; on PostgreSQL the engine's pool gives them real
concurrency, so these tests fail there when a write reads its row without a lock.
"""

import asyncio
from typing import Any

import bcrypt
import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from locum.api.routing import LOCK_CONFLICT_ATTEMPTS
from locum.db.models import OrganizationMembership, User
from locum.instances.service import InstanceKeys
from locum.resources.users import service as users_service
from locum.resources.users.serializers import MAX_VERIFICATION_ATTEMPTS
from locum.settings import Settings
from tests.builders import (
    inspection_session,
    make_organization,
    make_user,
    primary_values_out_of_step,
    unique_email,
)
from tests.verification_codes import TEST_MODE_CODE

CONCURRENT_MERGES = 50
# The concurrent field updates run on several rows at once, so that a race shows on at least one.
CONCURRENT_ROWS = 5


def metadata_patches() -> list[dict[str, Any]]:
    """One patch per merge, each adding its own key; every other one nested under `nested`."""
    return [{f"key_{i}": i} if i % 2 else {"nested": {f"key_{i}": i}} for i in range(CONCURRENT_MERGES)]


def merged_metadata() -> dict[str, Any]:
    nested = {f"key_{i}": i for i in range(0, CONCURRENT_MERGES, 2)}
    return {**{f"key_{i}": i for i in range(1, CONCURRENT_MERGES, 2)}, "nested": nested}


async def merge_each_key_at_once(client: httpx.AsyncClient, path: str, field: str) -> None:
    """PATCH `path` once per metadata_patches() entry, all sent together, each merging into `field`."""
    all_ok(await asyncio.gather(*(client.patch(path, json={field: patch}) for patch in metadata_patches())))


def all_ok(responses: list[httpx.Response]) -> None:
    assert [r.status_code for r in responses] == [200] * len(responses), [r.text for r in responses if r.is_error]


async def patch_each_field_at_once(
    client: httpx.AsyncClient, path_template: str, changes: dict[str, dict[str, Any]]
) -> None:
    """One PATCH per row and field of `changes` (row id -> {field: value}), all sent together."""
    all_ok(
        await asyncio.gather(
            *(
                client.patch(path_template.format(row_id), json={name: value})
                for row_id, fields in changes.items()
                for name, value in fields.items()
            )
        )
    )


async def stored_user(app: FastAPI, user_id: str) -> tuple[dict[str, Any], User]:
    """(the stored document, the row's columns) read straight from the database."""
    async with inspection_session(app) as session:
        user = await session.scalar(select(User).where(User.id == user_id))
        assert user is not None
        return orjson.loads(user.document), user


async def lock_conflict(settings: Settings, instance_id: str) -> DBAPIError:
    """The error the test database raises for a write that gives up waiting for another
    transaction's row lock (PostgreSQL with a lock timeout, SQLite without a busy timeout)."""
    touch = text("UPDATE instances SET updated_at = updated_at WHERE id = :id")
    engine = create_async_engine(settings.async_database_url, connect_args={"timeout": 0} if settings.is_sqlite else {})
    try:
        async with engine.connect() as holder, engine.connect() as waiter:
            await holder.execute(touch, {"id": instance_id})
            if not settings.is_sqlite:
                await waiter.execute(text("SET LOCAL lock_timeout = '1ms'"))
            with pytest.raises(DBAPIError) as raised:
                await waiter.execute(touch, {"id": instance_id})
            return raised.value
    finally:
        await engine.dispose()


async def make_membership(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """(organization, member user): the user joins a new organization as org:member."""
    organization = await make_organization(client)
    user = await make_user(client)
    response = await client.post(
        f"/v1/organizations/{organization['id']}/memberships", json={"user_id": user["id"], "role": "org:member"}
    )
    assert response.status_code == 200, response.text
    return organization, user


async def membership_of(client: httpx.AsyncClient, organization_id: str, user_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/organizations/{organization_id}/memberships", params={"user_id": user_id})
    assert response.status_code == 200, response.text
    (membership,) = response.json()["data"]
    return membership  # type: ignore[no-any-return]


class TestConcurrentMetadataMergesKeepEveryKey:
    async def test_on_a_user(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        await merge_each_key_at_once(client, f"/v1/users/{user['id']}/metadata", "public_metadata")
        fetched = (await client.get(f"/v1/users/{user['id']}")).json()
        assert fetched["public_metadata"] == merged_metadata()
        document, row = await stored_user(app, user["id"])
        assert document["public_metadata"] == row.public_metadata == merged_metadata()

    async def test_on_an_organization(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        await merge_each_key_at_once(client, f"/v1/organizations/{organization['id']}/metadata", "private_metadata")
        fetched = (await client.get(f"/v1/organizations/{organization['id']}")).json()
        assert fetched["private_metadata"] == merged_metadata()

    async def test_on_an_organization_membership(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        organization, user = await make_membership(client)
        path = f"/v1/organizations/{organization['id']}/memberships/{user['id']}/metadata"
        await merge_each_key_at_once(client, path, "public_metadata")
        assert (await membership_of(client, organization["id"], user["id"]))["public_metadata"] == merged_metadata()
        async with inspection_session(app) as session:
            stored = await session.scalar(
                select(OrganizationMembership.public_metadata).where(
                    OrganizationMembership.organization_id == organization["id"],
                    OrganizationMembership.user_id == user["id"],
                )
            )
        assert stored == merged_metadata()


class TestConcurrentFieldUpdatesAllShow:
    async def test_user_fields_show_in_get_and_in_list_filters(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        users = [await make_user(client) for _ in range(CONCURRENT_ROWS)]
        changes = {
            user["id"]: {
                "first_name": f"First{n}",
                "last_name": f"Last{n}",
                "external_id": f"ext-{user['id']}",
            }
            for n, user in enumerate(users)
        }
        await patch_each_field_at_once(client, "/v1/users/{}", changes)
        for user_id, fields in changes.items():
            fetched = (await client.get(f"/v1/users/{user_id}")).json()
            assert {name: fetched[name] for name in fields} == fields
            by_query = (await client.get("/v1/users", params={"query": fields["last_name"]})).json()
            by_external_id = (await client.get("/v1/users", params={"external_id": fields["external_id"]})).json()
            assert by_query == by_external_id == [fetched]
            document, row = await stored_user(app, user_id)
            assert {name: document[name] for name in fields} == {name: getattr(row, name) for name in fields}

    async def test_organization_fields_show_in_get_and_in_the_list_query(self, client: httpx.AsyncClient) -> None:
        organizations = [await make_organization(client, name=f"Org {n}") for n in range(CONCURRENT_ROWS)]
        changes = {
            organization["id"]: {
                "name": f"Renamed {n}",
                "slug": f"renamed-{organization['id'][-8:].lower()}",
                "max_allowed_memberships": 10 + n,
            }
            for n, organization in enumerate(organizations)
        }
        await patch_each_field_at_once(client, "/v1/organizations/{}", changes)
        for organization_id, fields in changes.items():
            fetched = (await client.get(f"/v1/organizations/{organization_id}")).json()
            assert {name: fetched[name] for name in fields} == fields
            listed = (await client.get("/v1/organizations", params={"query": fields["slug"]})).json()
            assert [o["id"] for o in listed["data"]] == [organization_id]

    async def test_membership_role_and_metadata_both_show(self, client: httpx.AsyncClient) -> None:
        memberships = [await make_membership(client) for _ in range(CONCURRENT_ROWS)]
        all_ok(
            await asyncio.gather(
                *(
                    request
                    for organization, user in memberships
                    for request in (
                        client.patch(
                            f"/v1/organizations/{organization['id']}/memberships/{user['id']}",
                            json={"role": "org:admin"},
                        ),
                        client.patch(
                            f"/v1/organizations/{organization['id']}/memberships/{user['id']}/metadata",
                            json={"public_metadata": {"team": "core"}},
                        ),
                    )
                )
            )
        )
        for organization, user in memberships:
            membership = await membership_of(client, organization["id"], user["id"])
            assert (membership["role"], membership["public_metadata"]) == ("org:admin", {"team": "core"})
            listed = await client.get(
                f"/v1/organizations/{organization['id']}/memberships", params={"role": "org:admin"}
            )
            assert user["id"] in [m["public_user_data"]["user_id"] for m in listed.json()["data"]]


class TestConcurrentCountersCountEveryAttempt:
    async def test_wrong_verification_codes_count_up_to_the_limit(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        created = await client.post(
            "/v1/email_addresses",
            json={"user_id": user["id"], "email_address": unique_email("someone+clerk_test"), "verified": False},
        )
        email_id = created.json()["id"]
        verification = (await client.post(f"/v1/email_addresses/{email_id}/prepare_verification")).json()
        attempts = 5
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/v1/email_addresses/{email_id}/attempt_verification",
                    json={"verification_id": verification["id"], "code": "000000"},
                )
                for _ in range(attempts)
            )
        )
        all_ok(list(responses))
        # Three wrong codes fail the verification; the attempts after that count nothing more.
        assert sorted(r.json()["attempts"] for r in responses) == [1, 2, 3, 3, 3]
        assert sorted(r.json()["status"] for r in responses) == ["failed"] * 3 + ["unverified"] * 2
        right = await client.post(
            f"/v1/email_addresses/{email_id}/attempt_verification",
            json={"verification_id": verification["id"], "code": TEST_MODE_CODE},
        )
        assert (right.json()["status"], right.json()["attempts"]) == ("failed", 3)

    async def test_wrong_passwords_each_use_one_attempt(self, client: httpx.AsyncClient) -> None:
        # A bcrypt digest of cost 4 keeps the checks fast.
        digest = bcrypt.hashpw(b"right", bcrypt.gensalt(rounds=4)).decode()
        user = await make_user(client, password_digest=digest, password_hasher="bcrypt")
        failures = 4
        responses = await asyncio.gather(
            *(
                client.post(f"/v1/users/{user['id']}/verify_password", json={"password": "wrong"})
                for _ in range(failures)
            )
        )
        assert [r.status_code for r in responses] == [422] * failures
        fetched = (await client.get(f"/v1/users/{user['id']}")).json()
        assert fetched["verification_attempts_remaining"] == MAX_VERIFICATION_ATTEMPTS - failures


class TestConcurrentStatusChangesApplyOnce:
    async def test_an_invitation_is_either_accepted_or_revoked(self, client: httpx.AsyncClient) -> None:
        invitations = []
        for _ in range(CONCURRENT_ROWS):
            organization = await make_organization(client)
            user = await make_user(client)
            created = await client.post(
                f"/v1/organizations/{organization['id']}/invitations",
                json={"email_address": user["email_addresses"][0]["email_address"], "role": "org:member"},
            )
            assert created.status_code == 200, created.text
            invitations.append((organization, user, created.json()))
        outcomes = await asyncio.gather(
            *(
                asyncio.gather(
                    client.post(
                        f"/locum/organization_invitations/{invitation['id']}/accept", json={"user_id": user["id"]}
                    ),
                    client.post(f"/v1/organizations/{organization['id']}/invitations/{invitation['id']}/revoke"),
                )
                for organization, user, invitation in invitations
            )
        )
        for (organization, user, invitation), (accepted, revoked) in zip(invitations, outcomes, strict=True):
            assert sorted([accepted.status_code, revoked.status_code]) == [200, 404]
            stored = (await client.get(f"/v1/organizations/{organization['id']}/invitations/{invitation['id']}")).json()
            members = await client.get(
                f"/v1/organizations/{organization['id']}/memberships", params={"user_id": user["id"]}
            )
            if accepted.status_code == 200:
                assert (stored["status"], members.json()["total_count"]) == ("accepted", 1)
            else:
                assert (stored["status"], members.json()["total_count"]) == ("revoked", 0)


async def _users_with_a_second_email(client: httpx.AsyncClient) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """CONCURRENT_ROWS users, each with a verified email address besides its primary one."""
    pairs = []
    for _ in range(CONCURRENT_ROWS):
        user = await make_user(client)
        extra = await client.post(
            "/v1/email_addresses", json={"user_id": user["id"], "email_address": unique_email(), "verified": True}
        )
        assert extra.status_code == 200, extra.text
        pairs.append((user, extra.json()))
    return pairs


class TestChangesRacingADeletionFindItGone:
    async def test_an_email_address_changed_while_deleted(self, client: httpx.AsyncClient) -> None:
        pairs = await _users_with_a_second_email(client)
        outcomes = await asyncio.gather(
            *(
                asyncio.gather(
                    client.patch(f"/v1/email_addresses/{email['id']}", json={"verified": False}),
                    client.delete(f"/v1/email_addresses/{email['id']}"),
                )
                for _, email in pairs
            )
        )
        for (user, email), (changed, deleted) in zip(pairs, outcomes, strict=True):
            assert deleted.status_code == 200, deleted.text
            assert changed.status_code in (200, 404), changed.text
            fetched = (await client.get(f"/v1/users/{user['id']}")).json()
            assert email["id"] not in [e["id"] for e in fetched["email_addresses"]]
            assert fetched["primary_email_address_id"] == user["primary_email_address_id"]

    async def test_an_email_address_made_primary_while_deleted_leaves_the_stored_primary_value_right(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        pairs = await _users_with_a_second_email(client)
        outcomes = await asyncio.gather(
            *(
                asyncio.gather(
                    client.patch(f"/v1/users/{user['id']}", json={"primary_email_address_id": email["id"]}),
                    client.delete(f"/v1/email_addresses/{email['id']}"),
                )
                for user, email in pairs
            )
        )
        for made_primary, deleted in outcomes:
            # Made primary first (then deleted, the primary handed back), or deleted first (then unknown).
            assert made_primary.status_code in (200, 422), made_primary.text
            assert deleted.status_code == 200, deleted.text
        assert await primary_values_out_of_step(app, instance.instance_id) == []


class TestLockConflictsAreRetriedThenAnswerConflict:
    async def test_a_transaction_the_database_gave_up_on_is_a_409(
        self, client: httpx.AsyncClient, settings: Settings, instance: InstanceKeys, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        error = await lock_conflict(settings, instance.instance_id)
        user = await make_user(client)

        async def collide(*_args: Any, **_kwargs: Any) -> None:
            raise error

        monkeypatch.setattr(users_service, "update_user", collide)
        response = await client.patch(f"/v1/users/{user['id']}", json={"first_name": "Ada"})
        assert response.status_code == 409 and response.json()["errors"][0]["code"] == "conflict"

    async def test_a_conflict_that_clears_is_retried_unseen(
        self, client: httpx.AsyncClient, settings: Settings, instance: InstanceKeys, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        error = await lock_conflict(settings, instance.instance_id)
        user = await make_user(client)
        update_user = users_service.update_user
        calls = 0

        async def collide_once(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise error
            return await update_user(*args, **kwargs)

        monkeypatch.setattr(users_service, "update_user", collide_once)
        response = await client.patch(f"/v1/users/{user['id']}", json={"first_name": "Ada"})
        assert response.status_code == 200 and response.json()["first_name"] == "Ada"
        assert calls == 2

    async def test_a_conflict_is_retried_a_bounded_number_of_times(
        self, client: httpx.AsyncClient, settings: Settings, instance: InstanceKeys, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        error = await lock_conflict(settings, instance.instance_id)
        user = await make_user(client)
        calls = 0

        async def always_collide(*_args: Any, **_kwargs: Any) -> None:
            nonlocal calls
            calls += 1
            raise error

        monkeypatch.setattr(users_service, "update_user", always_collide)
        response = await client.patch(f"/v1/users/{user['id']}", json={"first_name": "Ada"})
        assert response.status_code == 409 and calls == LOCK_CONFLICT_ATTEMPTS
