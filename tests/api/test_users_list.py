"""GET /users and GET /users/count: every filter, ordering and the cursor."""

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, select, update

from locum.db.models import Instance, Organization, OrganizationMembership, PhoneNumber
from locum.db.row_counts import ROW_COUNTS, instance_row_count
from locum.instances.service import InstanceKeys
from locum.kit.ids import new_id
from locum.resources.organizations.lookup import get_role_by_key
from tests.builders import inspection_session, make_user, primary_values_out_of_step
from tests.conftest import api_client, new_instance


@pytest.fixture
async def people(client: httpx.AsyncClient) -> dict[str, dict]:
    return {
        "ada": await make_user(
            client,
            email_address=["ada@analytical.org"],
            phone_number=["+14155550101"],
            username="ada_l",
            first_name="Ada",
            last_name="Lovelace",
            external_id="ext-ada",
        ),
        "grace": await make_user(
            client,
            email_address=["grace@navy.mil"],
            username="grace_h",
            first_name="Grace",
            last_name="Hopper",
            web3_wallet=["0x52908400098527886E0F7030069857D2E4169EE7"],
            banned=True,
        ),
        "alan": await make_user(client, email_address=["alan@bletchley.uk"], first_name="Alan", last_name="Turing"),
    }


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [user["id"] for user in response.json()]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"email_address": ["ADA@analytical.org", "alan@bletchley.uk"]}, ["alan", "ada"], id="email"),
        pytest.param({"phone_number": "+14155550101"}, ["ada"], id="phone"),
        pytest.param({"username": "GRACE_H"}, ["grace"], id="username"),
        pytest.param({"external_id": "ext-ada"}, ["ada"], id="external-id"),
        pytest.param({"external_id": "-ext-ada"}, ["alan", "grace"], id="external-id-excluded"),
        pytest.param({"web3_wallet": "0x52908400098527886e0f7030069857d2e4169ee7"}, ["grace"], id="web3"),
        pytest.param({"query": "lovelace"}, ["ada"], id="query-name"),
        pytest.param({"query": "navy"}, ["grace"], id="query-email"),
        pytest.param({"query": "5550101"}, ["ada"], id="query-phone"),
        pytest.param({"email_address_query": "bletchley"}, ["alan"], id="email-query"),
        pytest.param({"phone_number_query": "415"}, ["ada"], id="phone-query"),
        pytest.param({"username_query": "_h"}, ["grace"], id="username-query"),
        pytest.param({"name_query": "grace hop"}, ["grace"], id="name-query"),
        pytest.param({"banned": "true"}, ["grace"], id="banned"),
        pytest.param({"banned": "false"}, ["alan", "ada"], id="not-banned"),
        pytest.param({"organization_id": "org_123"}, [], id="organization"),
        pytest.param({"query": "100%"}, [], id="query-escapes-wildcards"),
        pytest.param({"order_by": "first_name"}, ["ada", "alan", "grace"], id="order-first-name"),
        pytest.param({"order_by": "-username"}, ["alan", "grace", "ada"], id="order-username-desc-nulls-first"),
        pytest.param({"order_by": "username"}, ["ada", "grace", "alan"], id="order-username-nulls-last"),
        pytest.param({"order_by": "+email_address"}, ["ada", "alan", "grace"], id="order-email"),
        pytest.param({"order_by": ["created_at", "-first_name"]}, ["ada", "grace", "alan"], id="first-order-by-wins"),
    ],
)
async def test_filters_and_ordering(
    client: httpx.AsyncClient, people: dict[str, dict], params: dict, expected: list[str]
) -> None:
    assert ids(await client.get("/v1/users", params=params)) == [people[name]["id"] for name in expected]
    if "order_by" not in params:
        count = await client.get("/v1/users/count", params=params)
        assert count.json() == {"object": "total_count", "total_count": len(expected)}


async def test_user_id_include_and_exclude(client: httpx.AsyncClient, people: dict[str, dict]) -> None:
    ada, grace = people["ada"]["id"], people["grace"]["id"]
    assert ids(await client.get("/v1/users", params={"user_id": [ada, grace]})) == [grace, ada]
    assert ids(await client.get("/v1/users", params={"user_id": [f"-{ada}"]})) == [people["alan"]["id"], grace]


async def test_created_at_bounds(client: httpx.AsyncClient, people: dict[str, dict]) -> None:
    grace = people["grace"]
    after = ids(await client.get("/v1/users", params={"created_at_after": grace["created_at"] - 1}))
    before = ids(await client.get("/v1/users", params={"created_at_before": grace["created_at"] + 1}))
    assert grace["id"] in after and people["ada"]["id"] in before


async def test_cursor_pages_through_everything(client: httpx.AsyncClient) -> None:
    created = [(await make_user(client))["id"] for _ in range(5)]
    for order, expected in (("-created_at", created[::-1]), ("+created_at", created)):
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2, "order_by": order, **({"starting_after": cursor} if cursor else {})}
            page = ids(await client.get("/v1/users", params=params))
            seen += page
            if len(page) < 2:
                break
            cursor = page[-1]
        assert seen == expected


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param({"limit": 0}, "form_param_value_invalid", id="limit-too-small"),
        pytest.param({"limit": 501}, "form_param_value_invalid", id="limit-too-big"),
        pytest.param({"offset": -1}, "form_param_value_invalid", id="negative-offset"),
        pytest.param({"limit": "ten"}, "form_param_type_invalid", id="limit-not-a-number"),
        pytest.param({"order_by": "password"}, "form_param_value_invalid", id="unknown-order"),
        pytest.param(
            {"starting_after": "user_x", "order_by": "first_name"}, "form_param_value_invalid", id="cursor-order"
        ),
        pytest.param({"starting_after": "user_x", "offset": 3}, "form_param_value_invalid", id="cursor-offset"),
        pytest.param({"provider": "google"}, "form_conditional_param_missing", id="provider-alone"),
        pytest.param(
            {"email_address": [f"u{i}@x.co" for i in range(101)]}, "form_param_array_size_exceeded", id="too-many"
        ),
    ],
)
async def test_bad_parameters(client: httpx.AsyncClient, params: dict, code: str) -> None:
    response = await client.get("/v1/users", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["code"] == code


async def test_other_instances_users_are_never_listed(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, people: dict[str, dict]
) -> None:
    assert ids(await other_client.get("/v1/users", params={"email_address": "ada@analytical.org"})) == []
    assert (await other_client.get("/v1/users/count")).json()["total_count"] == 0


async def test_organization_filters(
    app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, people: dict[str, dict]
) -> None:
    async with inspection_session(app) as session:
        member_role = await get_role_by_key(session, instance_id=instance.instance_id, key="org:member")
        assert member_role is not None
        organization = Organization(
            id=new_id("organization"), instance_id=instance.instance_id, name="Navy", slug="navy"
        )
        session.add(organization)
        await session.flush()
        session.add(
            OrganizationMembership(
                id=new_id("organization_membership"),
                instance_id=instance.instance_id,
                organization_id=organization.id,
                user_id=people["grace"]["id"],
                role_id=member_role.id,
            )
        )
        await session.commit()
    assert ids(await client.get("/v1/users", params={"organization_id": organization.id})) == [people["grace"]["id"]]
    excluded = ids(await client.get("/v1/users", params={"organization_id": f"-{organization.id}"}))
    assert excluded == [people["alan"]["id"], people["ada"]["id"]]


async def test_last_active_at_since_is_the_deprecated_name_of_last_active_at_after(client: httpx.AsyncClient) -> None:
    await make_user(client)  # never active: no last_active_at
    for params in ({}, {"last_active_at_since": "1"}, {"last_active_at_after": "1"}):
        response = await client.get("/v1/users/count", params=params)
        assert response.json()["total_count"] == (0 if params else 1), params


@pytest.mark.parametrize(
    ("field", "collection"), [("email_address", "email_addresses"), ("phone_number", "phone_numbers")]
)
async def test_an_order_by_the_primary_identification_pages_through_everyone(
    client: httpx.AsyncClient, field: str, collection: str
) -> None:
    """Users with a primary identification of the kind by its value, those without one after them
    ascending and before them descending, in id order; every offset cuts the same sequence."""
    values = {"email_address": ["b@x.co", "d@x.co", "a@x.co"], "phone_number": ["+14155550102", "+14155550104"]}
    users = [await make_user(client, **{field: [value]}) for value in values[field]]
    users += [await make_user(client, email_address=[]) for _ in range(3)]
    # a second identification, not the primary: it sorts first but orders no one
    second = {"email_address": "0@x.co", "phone_number": "+14155550100"}[field]
    created = await client.post(f"/v1/{collection}", json={"user_id": users[0]["id"], field: second, "verified": True})
    assert created.status_code == 200, created.text

    def value(user: dict) -> str | None:
        primary = user[f"primary_{field}_id"]
        return next((row[field] for row in user[collection] if row["id"] == primary), None)

    with_primary = sorted((u for u in users if value(u) is not None), key=lambda u: value(u) or "")
    without_primary = sorted((u for u in users if value(u) is None), key=lambda u: u["id"])
    ascending = [u["id"] for u in with_primary + without_primary]
    for order, expected in ((f"+{field}", ascending), (f"-{field}", ascending[::-1])):
        assert ids(await client.get("/v1/users", params={"order_by": order, "limit": 100})) == expected
        for offset in range(len(users) + 1):
            page = ids(await client.get("/v1/users", params={"order_by": order, "limit": 2, "offset": offset}))
            assert page == expected[offset : offset + 2], (order, offset)
        banned = ids(await client.get("/v1/users", params={"order_by": order, "banned": "false", "offset": 1}))
        assert banned == expected[1:]


async def test_an_order_by_the_primary_email_follows_a_change_of_primary(client: httpx.AsyncClient) -> None:
    first = await make_user(client, email_address=["m@x.co"])
    second = await make_user(client, email_address=["n@x.co"])
    created = await client.post(
        "/v1/email_addresses", json={"user_id": second["id"], "email_address": "a@x.co", "verified": True}
    )
    assert created.status_code == 200, created.text
    order = {"order_by": "email_address"}
    assert ids(await client.get("/v1/users", params=order)) == [first["id"], second["id"]]
    patched = await client.patch(f"/v1/users/{second['id']}", json={"primary_email_address_id": created.json()["id"]})
    assert patched.status_code == 200, patched.text
    assert ids(await client.get("/v1/users", params=order)) == [second["id"], first["id"]]


class TestOrderByAPrimaryValue:
    """Users hold their primaries' values (migration 0020's triggers): the order follows every change
    of a primary or of its value, and no stored value is out of step with its row."""

    async def test_a_deleted_primary_email_hands_the_order_to_its_successor_then_to_none(
        self, client: httpx.AsyncClient, instance: InstanceKeys, app: FastAPI
    ) -> None:
        first = await make_user(client, email_address=["m@x.co"], phone_number=["+14155550100"])
        successor = await client.post(
            "/v1/email_addresses", json={"user_id": first["id"], "email_address": "k@x.co", "verified": True}
        )
        assert successor.status_code == 200, successor.text
        second = await make_user(client, email_address=["l@x.co"])
        order = {"order_by": "email_address"}
        assert ids(await client.get("/v1/users", params=order)) == [second["id"], first["id"]]

        deleted = await client.delete(f"/v1/email_addresses/{first['primary_email_address_id']}")
        assert deleted.status_code == 200, deleted.text
        assert ids(await client.get("/v1/users", params=order)) == [first["id"], second["id"]]

        deleted = await client.delete(f"/v1/email_addresses/{successor.json()['id']}")
        assert deleted.status_code == 200, deleted.text
        assert ids(await client.get("/v1/users", params=order)) == [second["id"], first["id"]]
        assert ids(await client.get("/v1/users", params={"order_by": "-email_address"})) == [first["id"], second["id"]]
        assert await primary_values_out_of_step(app, instance.instance_id) == []

    async def test_a_deleted_primary_web3_wallet_hands_the_order_to_its_successor(
        self, client: httpx.AsyncClient, instance: InstanceKeys, app: FastAPI
    ) -> None:
        first = await make_user(client, web3_wallet=["0x0000000000000000000000000000000000000009"])
        added = await client.post(
            f"/locum/users/{first['id']}/web3_wallets",
            json={"web3_wallet": "0x0000000000000000000000000000000000000001"},
        )
        assert added.status_code == 200, added.text
        second = await make_user(client, web3_wallet=["0x0000000000000000000000000000000000000005"])
        order = {"order_by": "web3wallet"}
        assert ids(await client.get("/v1/users", params=order)) == [second["id"], first["id"]]

        deleted = await client.delete(f"/v1/users/{first['id']}/web3_wallets/{first['primary_web3_wallet_id']}")
        assert deleted.status_code == 200, deleted.text
        assert ids(await client.get("/v1/users", params=order)) == [first["id"], second["id"]]
        assert await primary_values_out_of_step(app, instance.instance_id) == []

    async def test_a_changed_value_of_a_primary_reorders_and_of_another_row_does_not(
        self, client: httpx.AsyncClient, instance: InstanceKeys, app: FastAPI
    ) -> None:
        first = await make_user(client, phone_number=["+14155550101"])
        second = await make_user(client, phone_number=["+14155550102"])
        other = await client.post(
            "/v1/phone_numbers", json={"user_id": second["id"], "phone_number": "+14155550100", "primary": False}
        )
        assert other.status_code == 200, other.text
        order = {"order_by": "phone_number"}
        assert ids(await client.get("/v1/users", params=order)) == [first["id"], second["id"]]

        async with inspection_session(app) as session:
            renumbered = {first["primary_phone_number_id"]: "+14155550109", other.json()["id"]: "+14155550108"}
            for phone_id, number in renumbered.items():
                await session.execute(update(PhoneNumber).where(PhoneNumber.id == phone_id).values(phone_number=number))
            await session.commit()
        assert ids(await client.get("/v1/users", params=order)) == [second["id"], first["id"]]
        assert await primary_values_out_of_step(app, instance.instance_id) == []

    async def test_a_user_deleted_with_its_primaries_leaves_the_others_in_order(
        self, client: httpx.AsyncClient, instance: InstanceKeys, app: FastAPI
    ) -> None:
        users = [await make_user(client, email_address=[f"{name}@x.co"]) for name in ("c", "a", "b")]
        assert (await client.delete(f"/v1/users/{users[1]['id']}")).status_code == 200
        order = {"order_by": "email_address"}
        assert ids(await client.get("/v1/users", params=order)) == [users[2]["id"], users[0]["id"]]
        assert await primary_values_out_of_step(app, instance.instance_id) == []


async def test_the_count_without_filters_follows_creations_and_deletions(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    async def count(http: httpx.AsyncClient) -> int:
        response = await http.get("/v1/users/count")
        assert response.status_code == 200, response.text
        total: int = response.json()["total_count"]
        return total

    assert await count(client) == 0
    users = [await make_user(client) for _ in range(3)]
    await make_user(other_client)
    assert (await count(client), await count(other_client)) == (3, 1)
    assert (await client.delete(f"/v1/users/{users[0]['id']}")).status_code == 200
    assert (await count(client), await count(other_client)) == (2, 1)


async def test_the_count_stays_exact_under_concurrent_creations_and_deletions(client: httpx.AsyncClient) -> None:
    """Each write changes the count in its own transaction (db/row_counts.py); on PostgreSQL these
    run on several connections at once."""
    kept = [await make_user(client) for _ in range(6)]
    created = await asyncio.gather(*(client.post("/v1/users", json={}) for _ in range(12)))
    deleted = await asyncio.gather(*(client.delete(f"/v1/users/{user['id']}") for user in kept))
    assert [r.status_code for r in created + deleted] == [200] * 18
    assert (await client.get("/v1/users/count")).json()["total_count"] == 12
    assert len(ids(await client.get("/v1/users", params={"limit": 100}))) == 12


async def test_an_instance_deleted_with_its_users_leaves_no_count(app: FastAPI) -> None:
    """The deletion of the users that an instance's deletion cascades to does not count them back
    into a row for the instance gone (PostgreSQL's trigger would break the foreign key)."""
    keys = await new_instance(app)
    async with api_client(app, keys.secret_key) as client:
        for _ in range(2):
            await make_user(client)
    async with inspection_session(app) as session:
        await session.execute(delete(Instance).where(Instance.id == keys.instance_id))
        await session.commit()
        counts = select(ROW_COUNTS.c.table_name).where(ROW_COUNTS.c.instance_id == keys.instance_id)
        assert list(await session.scalars(counts)) == []
        assert await session.scalar(instance_row_count("users", keys.instance_id)) == 0
