"""Machines: CRUD, the secret key (reveal, rotate with a grace period) and scopes between machines."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, or_, select

from locum.db.models import M2MToken, MachineScope, MachineSecretKey
from locum.kit import clock
from locum.resources.machines.schemas import MAX_SCOPES_PER_MACHINE
from tests.builders import clerk_error, error_code, inspection_session, make_m2m_token, make_machine
from tests.conftest import api_client

MACHINE_KEYS = {"object", "id", "name", "instance_id", "created_at", "updated_at", "default_token_ttl"}
MISSING_MACHINE = "mch_" + "0" * 27


@asynccontextmanager
async def as_machine(app: FastAPI, secret_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client authenticating with a machine's secret key."""
    async with api_client(app, secret_key) as http:
        yield http


async def machine_key_works(app: FastAPI, secret_key: str) -> bool:
    """Whether `secret_key` authenticates a machine (which then finds a made-up token unknown)."""
    async with as_machine(app, secret_key) as machine:
        response = await machine.post("/m2m_tokens/verify", json={"token": "mt_made_up"})
    if response.status_code == 401:
        assert error_code(response) == "machine_secret_key_invalid"
        return False
    assert clerk_error(response) == (404, "resource_not_found", None)
    return True


async def scope(client: httpx.AsyncClient, from_id: str, to_id: str) -> httpx.Response:
    return await client.post(f"/v1/machines/{from_id}/scopes", json={"to_machine_id": to_id})


class TestCreateMachine:
    async def test_a_machine_comes_with_its_secret_key_and_default_ttl(self, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client, name="billing")
        assert set(machine) == MACHINE_KEYS | {"scoped_machines", "secret_key"}
        assert machine["object"] == "machine" and machine["name"] == "billing"
        assert machine["id"].startswith("mch_") and len(machine["id"]) == len("mch_") + 27
        assert machine["secret_key"].startswith("ak_")
        assert machine["default_token_ttl"] == 3600 and machine["scoped_machines"] == []

    async def test_scoped_machines_are_scoped_at_once(self, client: httpx.AsyncClient) -> None:
        first, second = await make_machine(client, name="a"), await make_machine(client, name="b")
        machine = await make_machine(client, scoped_machines=[second["id"], first["id"], first["id"]])
        scoped = machine["scoped_machines"]
        assert sorted(m["id"] for m in scoped) == sorted([first["id"], second["id"]])
        assert all(set(m) == MACHINE_KEYS for m in scoped)
        fetched = (await client.get(f"/v1/machines/{machine['id']}")).json()
        assert fetched["scoped_machines"] == scoped

    async def test_default_token_ttl_is_kept(self, client: httpx.AsyncClient) -> None:
        assert (await make_machine(client, default_token_ttl=60))["default_token_ttl"] == 60

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param({"name": ""}, "form_param_min_length_exceeded", "name", id="empty-name"),
            pytest.param({"name": "x" * 256}, "form_param_max_length_exceeded", "name", id="long-name"),
            pytest.param({"default_token_ttl": 0}, "form_param_value_invalid", "default_token_ttl", id="ttl-0"),
            pytest.param(
                {"default_token_ttl": 315_360_001}, "form_param_value_invalid", "default_token_ttl", id="ttl-max"
            ),
            pytest.param({"scoped_machines": "mch_x"}, "form_param_type_invalid", "scoped_machines", id="not-a-list"),
            pytest.param({"other": 1}, "form_param_unknown", "other", id="unknown-field"),
        ],
    )
    async def test_invalid_bodies_are_form_errors(
        self, client: httpx.AsyncClient, body: dict[str, Any], code: str, param: str
    ) -> None:
        response = await client.post("/v1/machines", json={"name": "worker", **body})
        assert clerk_error(response) == (422, code, param)

    async def test_a_name_is_required(self, client: httpx.AsyncClient) -> None:
        assert clerk_error(await client.post("/v1/machines", json={})) == (422, "form_param_missing", "name")

    async def test_at_most_150_scoped_machines(self, client: httpx.AsyncClient) -> None:
        too_many = [MISSING_MACHINE] * (MAX_SCOPES_PER_MACHINE + 1)
        response = await client.post("/v1/machines", json={"name": "worker", "scoped_machines": too_many})
        assert clerk_error(response) == (422, "form_param_array_size_exceeded", "scoped_machines")

    async def test_more_than_100_scoped_machines_are_allowed(self, client: httpx.AsyncClient) -> None:
        # The spec allows 150, more than the 100 items locum's bodies take by default.
        response = await client.post(
            "/v1/machines", json={"name": "worker", "scoped_machines": [MISSING_MACHINE] * 120}
        )
        assert clerk_error(response) == (422, "form_resource_not_found", "scoped_machines")

    async def test_scoped_machines_must_be_machines_of_the_instance(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        elsewhere = await make_machine(other_client)
        for unknown in (MISSING_MACHINE, elsewhere["id"]):
            response = await client.post("/v1/machines", json={"name": "worker", "scoped_machines": [unknown]})
            assert clerk_error(response) == (422, "form_resource_not_found", "scoped_machines")
        assert (await client.get("/v1/machines")).json()["total_count"] == 0


class TestListMachines:
    async def test_newest_first_with_total_count(self, client: httpx.AsyncClient) -> None:
        made = [await make_machine(client, name=f"m{i}") for i in range(3)]
        listed = (await client.get("/v1/machines")).json()
        assert listed["total_count"] == 3
        assert [m["id"] for m in listed["data"]] == [m["id"] for m in reversed(made)]
        assert all("secret_key" not in m for m in listed["data"])

    async def test_order_by_name(self, client: httpx.AsyncClient) -> None:
        for name in ("beta", "alpha", "gamma"):
            await make_machine(client, name=name)
        ascending = (await client.get("/v1/machines", params={"order_by": "name"})).json()["data"]
        descending = (await client.get("/v1/machines", params={"order_by": "-name"})).json()["data"]
        assert [m["name"] for m in ascending] == ["alpha", "beta", "gamma"]
        assert [m["name"] for m in descending] == ["gamma", "beta", "alpha"]

    async def test_unknown_order_is_a_form_error(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/machines", params={"order_by": "secret"})
        assert clerk_error(response) == (422, "form_param_value_invalid", "order_by")

    async def test_query_matches_part_of_a_name_or_a_whole_id(self, client: httpx.AsyncClient) -> None:
        billing = await make_machine(client, name="Billing worker")
        await make_machine(client, name="search")
        by_name = (await client.get("/v1/machines", params={"query": "BILL"})).json()
        assert [m["id"] for m in by_name["data"]] == [billing["id"]] and by_name["total_count"] == 1
        by_id = (await client.get("/v1/machines", params={"query": billing["id"]})).json()
        assert [m["id"] for m in by_id["data"]] == [billing["id"]]
        partial_id = (await client.get("/v1/machines", params={"query": billing["id"][:-2]})).json()
        assert partial_id["data"] == []
        assert (await client.get("/v1/machines", params={"query": ""})).json()["total_count"] == 2

    async def test_limit_and_offset(self, client: httpx.AsyncClient) -> None:
        made = [await make_machine(client, name=f"m{i}") for i in range(3)]
        page = (await client.get("/v1/machines", params={"limit": 1, "offset": 1})).json()
        assert [m["id"] for m in page["data"]] == [made[1]["id"]] and page["total_count"] == 3
        assert (await client.get("/v1/machines", params={"limit": 0})).status_code == 422

    async def test_lists_carry_scoped_machines(self, client: httpx.AsyncClient) -> None:
        target = await make_machine(client, name="target")
        await make_machine(client, name="caller", scoped_machines=[target["id"]])
        listed = {m["name"]: m for m in (await client.get("/v1/machines")).json()["data"]}
        assert [m["id"] for m in listed["caller"]["scoped_machines"]] == [target["id"]]
        assert listed["target"]["scoped_machines"] == []

    async def test_other_instances_machines_are_not_listed(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await make_machine(other_client)
        assert (await client.get("/v1/machines")).json() == {"data": [], "total_count": 0}


class TestGetMachine:
    async def test_a_machine_without_its_key(self, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        fetched = (await client.get(f"/v1/machines/{machine['id']}")).json()
        assert fetched == {key: value for key, value in machine.items() if key != "secret_key"}

    async def test_unknown_and_other_instances_machines_are_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        elsewhere = await make_machine(other_client)
        for machine_id in (MISSING_MACHINE, elsewhere["id"]):
            response = await client.get(f"/v1/machines/{machine_id}")
            assert clerk_error(response) == (404, "resource_not_found", None)


class TestUpdateMachine:
    async def test_only_the_given_fields_change(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        machine = await make_machine(client, name="before", default_token_ttl=120)
        clock.freeze(frozen_clock + 1000)
        renamed = (await client.patch(f"/v1/machines/{machine['id']}", json={"name": "after"})).json()
        assert (renamed["name"], renamed["default_token_ttl"]) == ("after", 120)
        assert renamed["updated_at"] == frozen_clock + 1000 and renamed["created_at"] == machine["created_at"]
        retimed = (await client.patch(f"/v1/machines/{machine['id']}", json={"default_token_ttl": 30})).json()
        assert (retimed["name"], retimed["default_token_ttl"]) == ("after", 30)

    async def test_bounds_hold(self, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        response = await client.patch(f"/v1/machines/{machine['id']}", json={"default_token_ttl": 0})
        assert clerk_error(response) == (422, "form_param_value_invalid", "default_token_ttl")
        response = await client.patch(f"/v1/machines/{machine['id']}", json={"name": ""})
        assert clerk_error(response) == (422, "form_param_min_length_exceeded", "name")

    async def test_unknown_machine(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        elsewhere = await make_machine(other_client)
        response = await client.patch(f"/v1/machines/{elsewhere['id']}", json={"name": "taken"})
        assert clerk_error(response) == (404, "resource_not_found", None)
        assert (await other_client.get(f"/v1/machines/{elsewhere['id']}")).json()["name"] == "worker"


class TestDeleteMachine:
    async def test_deleted_with_its_keys_scopes_and_tokens(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        peer = await make_machine(client, name="peer")
        machine = await make_machine(client, scoped_machines=[peer["id"]])
        assert (await scope(client, peer["id"], machine["id"])).status_code == 200
        async with as_machine(app, machine["secret_key"]) as own, as_machine(app, peer["secret_key"]) as other:
            token = await make_m2m_token(own)
            peer_token = await make_m2m_token(other)
        rotated = await client.post(f"/v1/machines/{machine['id']}/secret_key/rotate", json={"previous_token_ttl": 600})
        assert rotated.status_code == 200

        response = await client.delete(f"/v1/machines/{machine['id']}")
        assert response.status_code == 200, response.text
        assert response.json() == {"object": "machine", "id": machine["id"], "deleted": True}

        async with inspection_session(app) as session:
            keys = await session.scalar(select(func.count()).where(MachineSecretKey.machine_id == machine["id"]))
            scopes = await session.scalar(
                select(func.count()).where(
                    or_(MachineScope.from_machine_id == machine["id"], MachineScope.to_machine_id == machine["id"])
                )
            )
            tokens = await session.scalar(select(func.count()).where(M2MToken.machine_id == machine["id"]))
        assert (keys, scopes, tokens) == (0, 0, 0)
        assert not await machine_key_works(app, machine["secret_key"])
        assert not await machine_key_works(app, rotated.json()["secret"])
        verified = await client.post("/v1/m2m_tokens/verify", json={"token": token["token"]})
        assert clerk_error(verified) == (404, "resource_not_found", None)
        # The peer's token was made while it could reach the machine; it stays valid for what is left.
        assert (await client.post("/v1/m2m_tokens/verify", json={"token": peer_token["token"]})).status_code == 200
        assert (await client.get(f"/v1/machines/{peer['id']}")).json()["scoped_machines"] == []
        assert clerk_error(await client.delete(f"/v1/machines/{machine['id']}")) == (404, "resource_not_found", None)

    async def test_other_instances_machines_stay(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        elsewhere = await make_machine(other_client)
        assert clerk_error(await client.delete(f"/v1/machines/{elsewhere['id']}")) == (404, "resource_not_found", None)
        assert (await other_client.get(f"/v1/machines/{elsewhere['id']}")).status_code == 200


class TestGetMachineSecretKey:
    async def test_reveals_the_current_key(self, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        response = await client.get(f"/v1/machines/{machine['id']}/secret_key")
        assert response.json() == {"object": "machine_secret_key", "secret": machine["secret_key"]}
        rotated = await client.post(f"/v1/machines/{machine['id']}/secret_key/rotate", json={"previous_token_ttl": 60})
        assert (await client.get(f"/v1/machines/{machine['id']}/secret_key")).json() == rotated.json()

    async def test_the_key_is_stored_sealed(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        async with inspection_session(app) as session:
            row = await session.scalar(select(MachineSecretKey).where(MachineSecretKey.machine_id == machine["id"]))
        assert row is not None and machine["secret_key"].encode() not in row.sealed_secret
        assert machine["secret_key"] not in row.secret_digest

    async def test_other_instances_keys_are_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        elsewhere = await make_machine(other_client)
        response = await client.get(f"/v1/machines/{elsewhere['id']}/secret_key")
        assert clerk_error(response) == (404, "resource_not_found", None)


class TestRotateMachineSecretKey:
    async def test_the_old_key_works_for_the_grace_period(
        self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        machine = await make_machine(client)
        rotated = await client.post(f"/v1/machines/{machine['id']}/secret_key/rotate", json={"previous_token_ttl": 60})
        assert rotated.status_code == 200
        new_key = rotated.json()["secret"]
        assert rotated.json()["object"] == "machine_secret_key" and new_key.startswith("ak_")
        assert new_key != machine["secret_key"]
        clock.freeze(frozen_clock + 59_999)
        assert await machine_key_works(app, machine["secret_key"]) and await machine_key_works(app, new_key)
        clock.freeze(frozen_clock + 60_000)
        assert not await machine_key_works(app, machine["secret_key"])
        assert await machine_key_works(app, new_key)

    async def test_zero_ends_the_old_key_at_once(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        rotated = await client.post(f"/v1/machines/{machine['id']}/secret_key/rotate", json={"previous_token_ttl": 0})
        assert not await machine_key_works(app, machine["secret_key"])
        assert await machine_key_works(app, rotated.json()["secret"])

    async def test_keys_already_in_their_grace_period_keep_it(
        self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        machine = await make_machine(client)
        path = f"/v1/machines/{machine['id']}/secret_key/rotate"
        second = (await client.post(path, json={"previous_token_ttl": 600})).json()["secret"]
        third = (await client.post(path, json={"previous_token_ttl": 60})).json()["secret"]
        clock.freeze(frozen_clock + 120_000)
        assert await machine_key_works(app, machine["secret_key"])
        assert not await machine_key_works(app, second)
        assert await machine_key_works(app, third)
        clock.freeze(frozen_clock + 600_000)
        assert not await machine_key_works(app, machine["secret_key"])

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({}, "form_param_missing", id="missing"),
            pytest.param({"previous_token_ttl": -1}, "form_param_value_invalid", id="negative"),
            pytest.param({"previous_token_ttl": 28_801}, "form_param_value_invalid", id="over-8-hours"),
            pytest.param({"previous_token_ttl": "60"}, "form_param_type_invalid", id="string"),
        ],
    )
    async def test_previous_token_ttl_bounds(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        machine = await make_machine(client)
        response = await client.post(f"/v1/machines/{machine['id']}/secret_key/rotate", json=body)
        assert clerk_error(response) == (422, code, "previous_token_ttl")

    async def test_other_instances_machines_are_not_rotated(
        self, app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        elsewhere = await make_machine(other_client)
        response = await client.post(
            f"/v1/machines/{elsewhere['id']}/secret_key/rotate", json={"previous_token_ttl": 0}
        )
        assert clerk_error(response) == (404, "resource_not_found", None)
        assert await machine_key_works(app, elsewhere["secret_key"])


class TestCreateMachineScope:
    async def test_a_scope_is_made(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        caller, target = await make_machine(client, name="caller"), await make_machine(client, name="target")
        response = await scope(client, caller["id"], target["id"])
        assert response.status_code == 200, response.text
        assert response.json() == {
            "object": "machine_scope",
            "from_machine_id": caller["id"],
            "to_machine_id": target["id"],
            "created_at": frozen_clock,
        }
        fetched = (await client.get(f"/v1/machines/{caller['id']}")).json()
        assert [m["id"] for m in fetched["scoped_machines"]] == [target["id"]]
        # One way only.
        assert (await client.get(f"/v1/machines/{target['id']}")).json()["scoped_machines"] == []

    async def test_a_scope_that_exists_is_a_conflict(self, client: httpx.AsyncClient) -> None:
        target = await make_machine(client)
        caller = await make_machine(client, scoped_machines=[target["id"]])
        assert clerk_error(await scope(client, caller["id"], target["id"]))[0] == 409

    async def test_two_at_once_make_one_scope(self, client: httpx.AsyncClient) -> None:
        caller, target = await make_machine(client), await make_machine(client)
        responses = await asyncio.gather(*(scope(client, caller["id"], target["id"]) for _ in range(2)))
        assert sorted(r.status_code for r in responses) == [200, 409]
        assert len((await client.get(f"/v1/machines/{caller['id']}")).json()["scoped_machines"]) == 1

    async def test_a_machine_cannot_scope_itself(self, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        response = await scope(client, machine["id"], machine["id"])
        assert clerk_error(response) == (422, "form_param_value_invalid", "to_machine_id")

    async def test_unknown_machines_are_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        machine, elsewhere = await make_machine(client), await make_machine(other_client)
        for from_id, to_id in [
            (machine["id"], MISSING_MACHINE),
            (MISSING_MACHINE, machine["id"]),
            (machine["id"], elsewhere["id"]),
            (elsewhere["id"], machine["id"]),
        ]:
            assert clerk_error(await scope(client, from_id, to_id)) == (404, "resource_not_found", None)

    async def test_at_most_150_scopes(self, client: httpx.AsyncClient) -> None:
        targets = [(await make_machine(client, name=f"t{i}"))["id"] for i in range(MAX_SCOPES_PER_MACHINE + 1)]
        caller = await make_machine(client, scoped_machines=targets[:MAX_SCOPES_PER_MACHINE])
        assert len(caller["scoped_machines"]) == MAX_SCOPES_PER_MACHINE
        response = await scope(client, caller["id"], targets[-1])
        assert clerk_error(response) == (422, "form_param_array_size_exceeded", "to_machine_id")

    async def test_to_machine_id_is_required(self, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        response = await client.post(f"/v1/machines/{machine['id']}/scopes", json={})
        assert clerk_error(response) == (422, "form_param_missing", "to_machine_id")


class TestDeleteMachineScope:
    async def test_a_scope_is_removed(self, client: httpx.AsyncClient) -> None:
        target = await make_machine(client)
        caller = await make_machine(client, scoped_machines=[target["id"]])
        response = await client.delete(f"/v1/machines/{caller['id']}/scopes/{target['id']}")
        assert response.status_code == 200, response.text
        assert response.json() == {
            "object": "machine_scope",
            "from_machine_id": caller["id"],
            "to_machine_id": target["id"],
            "deleted": True,
        }
        assert (await client.get(f"/v1/machines/{caller['id']}")).json()["scoped_machines"] == []
        again = await client.delete(f"/v1/machines/{caller['id']}/scopes/{target['id']}")
        assert clerk_error(again) == (404, "resource_not_found", None)

    async def test_only_new_tokens_lose_the_scope(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        target = await make_machine(client)
        caller = await make_machine(client, scoped_machines=[target["id"]])
        async with as_machine(app, caller["secret_key"]) as machine:
            before = await make_m2m_token(machine)
            await client.delete(f"/v1/machines/{caller['id']}/scopes/{target['id']}")
            after = await make_m2m_token(machine)
        assert (before["scopes"], after["scopes"]) == ([target["id"]], [])
        verified = await client.post("/v1/m2m_tokens/verify", json={"token": before["token"]})
        assert verified.json()["scopes"] == [target["id"]]

    async def test_other_instances_scopes_stay(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        target = await make_machine(other_client)
        caller = await make_machine(other_client, scoped_machines=[target["id"]])
        response = await client.delete(f"/v1/machines/{caller['id']}/scopes/{target['id']}")
        assert clerk_error(response) == (404, "resource_not_found", None)
        assert len((await other_client.get(f"/v1/machines/{caller['id']}")).json()["scoped_machines"]) == 1
