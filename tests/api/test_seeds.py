"""locum.seeds: seed files applied through the API's own services, idempotently (natural keys)."""

import json
from pathlib import Path
from typing import Any

import bcrypt
import httpx
import pytest
import yaml
from fastapi import FastAPI

from locum.api.versioning import DEFAULT_VERSION
from locum.instances.context import RequestContext
from locum.instances.registry import load_instance
from locum.instances.service import InstanceKeys
from locum.seeds import SeedError, SeedResult, apply_seed, read_seed_file
from tests.conftest import TEST_ORIGIN, RecordedEvents

SEED: dict[str, Any] = {
    "users": [
        {
            "external_id": "alice",
            "email_address": ["alice@example.com"],
            "first_name": "Alice",
            "password": "correct-horse-battery-staple",
        },
        {
            "email_address": ["bob@example.com"],
            "password_digest": bcrypt.hashpw(b"bobs-long-password", bcrypt.gensalt(4)).decode(),
            "password_hasher": "bcrypt",
        },
    ],
    "organizations": [
        {
            "name": "Acme",
            "slug": "acme",
            "created_by": "alice",
            "public_metadata": {"plan": "pro"},
            "memberships": [{"user": "bob@example.com", "role": "org:member"}],
        }
    ],
    "jwt_templates": [{"name": "supabase", "claims": {"aud": "authenticated"}}],
    "webhook_endpoints": [{"url": "http://localhost:3000/api/webhooks", "event_types": ["user.created"]}],
}


async def seed(app: FastAPI, instance: InstanceKeys, document: dict[str, Any], tmp_path: Path) -> SeedResult:
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(document))
    async with app.state.sessionmaker() as session:
        sealer = app.state.registry._sealer
        ctx = RequestContext(
            instance=await load_instance(session, sealer, instance.instance_id),
            origin=TEST_ORIGIN,
            api_version=DEFAULT_VERSION,
        )
        result = await apply_seed(session, ctx, sealer, read_seed_file(path))
        await session.commit()
    return result


async def counts(client: httpx.AsyncClient) -> dict[str, int]:
    memberships = await client.get("/v1/organizations/acme/memberships")
    return {
        "users": (await client.get("/v1/users/count")).json()["total_count"],
        "organizations": (await client.get("/v1/organizations")).json()["total_count"],
        "memberships": memberships.json()["total_count"] if memberships.status_code == 200 else 0,
        "jwt_templates": len((await client.get("/v1/jwt_templates")).json()),
        "webhook_endpoints": len((await client.get("/locum/webhooks/endpoints")).json()["data"]),
    }


class TestApplySeed:
    async def test_creates_every_kind_through_the_api_services(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, tmp_path: Path
    ) -> None:
        result = await seed(app, instance, SEED, tmp_path)
        # The creator's membership comes with the organization (as POST /v1/organizations makes it).
        assert result.created == {
            "users": 2,
            "organizations": 1,
            "organization_memberships": 1,
            "jwt_templates": 1,
            "webhook_endpoints": 1,
        }
        alice = (await client.get("/v1/users", params={"external_id": "alice"})).json()[0]
        bob = (await client.get("/v1/users", params={"email_address": "bob@example.com"})).json()[0]
        assert alice["first_name"] == "Alice" and alice["password_enabled"] and bob["password_enabled"]
        verified = await client.post(f"/v1/users/{bob['id']}/verify_password", json={"password": "bobs-long-password"})
        assert verified.status_code == 200 and verified.json() == {"verified": True}
        members = (await client.get("/v1/organizations/acme/memberships")).json()["data"]
        roles = {m["public_user_data"]["user_id"]: m["role"] for m in members}
        assert roles == {alice["id"]: "org:admin", bob["id"]: "org:member"}
        organization = (await client.get("/v1/organizations/acme")).json()
        assert organization["created_by"] == alice["id"] and organization["public_metadata"] == {"plan": "pro"}
        assert [t["name"] for t in (await client.get("/v1/jwt_templates")).json()] == ["supabase"]

    async def test_applied_twice_it_creates_nothing_twice_and_records_no_event_twice(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        instance: InstanceKeys,
        recorded_events: RecordedEvents,
        tmp_path: Path,
    ) -> None:
        await seed(app, instance, SEED, tmp_path)
        once, events_once = await counts(client), await recorded_events()
        again = await seed(app, instance, SEED, tmp_path)
        assert again.total == 0 and again.summary() == "seed applied: nothing to create"
        assert (
            await counts(client)
            == once
            == {
                "users": 2,
                "organizations": 1,
                "memberships": 2,
                "jwt_templates": 1,
                "webhook_endpoints": 1,
            }
        )
        assert await recorded_events() == events_once
        assert [event for event, _ in events_once].count("user.created") == 2

    async def test_only_what_is_missing_is_created(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, tmp_path: Path
    ) -> None:
        created = await client.post("/v1/users", json={"external_id": "alice", "email_address": ["a2@example.com"]})
        assert created.status_code == 200
        result = await seed(app, instance, SEED, tmp_path)
        assert result.created["users"] == 1
        users = (await client.get("/v1/users", params={"external_id": "alice"})).json()
        assert [u["id"] for u in users] == [created.json()["id"]] and users[0]["first_name"] is None

    async def test_users_are_matched_by_first_email_when_they_have_no_external_id(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, tmp_path: Path
    ) -> None:
        await client.post("/v1/users", json={"email_address": ["BOB@example.com"]})
        result = await seed(app, instance, {"users": SEED["users"][1:]}, tmp_path)
        assert result.total == 0

    async def test_a_membership_added_later_is_created_alone(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, tmp_path: Path
    ) -> None:
        document = json.loads(json.dumps(SEED))
        document["organizations"][0]["memberships"] = []
        await seed(app, instance, document, tmp_path)
        result = await seed(app, instance, SEED, tmp_path)
        assert result.created == {**SeedResult().created, "organization_memberships": 1}

    async def test_a_failing_entry_is_named_and_nothing_is_applied(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, tmp_path: Path
    ) -> None:
        document = json.loads(json.dumps(SEED))
        document["organizations"][0]["memberships"][0]["role"] = "org:nonexistent"
        with pytest.raises(SeedError, match=r"organizations\[0\]\.memberships\[0\]"):
            await seed(app, instance, document, tmp_path)
        assert (await client.get("/v1/users/count")).json()["total_count"] == 0

    async def test_an_unknown_user_reference_is_named(
        self, app: FastAPI, instance: InstanceKeys, tmp_path: Path
    ) -> None:
        document = {"organizations": [{"name": "Acme", "slug": "acme", "created_by": "nobody"}]}
        with pytest.raises(SeedError, match=r"organizations\[0\]\.created_by: no user 'nobody'"):
            await seed(app, instance, document, tmp_path)

    async def test_the_api_s_body_rules_apply(self, app: FastAPI, instance: InstanceKeys, tmp_path: Path) -> None:
        with pytest.raises(SeedError, match=r"users\[0\]: favourite_colour"):
            await seed(app, instance, {"users": [{"external_id": "x", "favourite_colour": "red"}]}, tmp_path)
        with pytest.raises(SeedError, match=r"users\[0\]: .*password"):
            await seed(app, instance, {"users": [{"external_id": "x", "password": "short"}]}, tmp_path)

    async def test_natural_keys_are_required(self, app: FastAPI, instance: InstanceKeys, tmp_path: Path) -> None:
        with pytest.raises(SeedError, match="external_id or an email_address"):
            await seed(app, instance, {"users": [{"username": "carol"}]}, tmp_path)
        with pytest.raises(SeedError, match="needs a slug"):
            await seed(app, instance, {"organizations": [{"name": "Acme"}]}, tmp_path)


class TestReadSeedFile:
    def test_json_is_read_too(self, tmp_path: Path) -> None:
        path = tmp_path / "seed.json"
        path.write_text(json.dumps(SEED))
        assert read_seed_file(path).users == SEED["users"]

    def test_unknown_sections_are_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "seed.yaml"
        path.write_text("userz: []\n")
        with pytest.raises(SeedError, match="userz"):
            read_seed_file(path)

    def test_malformed_and_missing_files_say_so(self, tmp_path: Path) -> None:
        path = tmp_path / "seed.json"
        path.write_text("{")
        with pytest.raises(SeedError, match="not valid JSON"):
            read_seed_file(path)
        with pytest.raises(SeedError, match=r"absent\.yaml"):
            read_seed_file(tmp_path / "absent.yaml")
