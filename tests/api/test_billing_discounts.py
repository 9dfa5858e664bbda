"""Discounts on subscription items: POST /billing/subscription_items/{id}/discounts, DELETE
/billing/subscription_items/{id}/discounts/{discount_id}, and locum's /locum/billing/discounts."""

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import BillingDiscountRedemption
from locum.instances.service import InstanceKeys
from tests.builders import (
    clerk_error,
    insert_subscription_item,
    inspection_session,
    make_discount,
    make_plan,
    make_user,
    subscribe,
)
from tests.conftest import RecordedEvents

CONCURRENT_APPLICATIONS = 10


def usd(cents: int) -> dict[str, Any]:
    units, remainder = divmod(cents, 100)
    return {"amount": cents, "amount_formatted": f"{units}.{remainder:02d}", "currency": "USD", "currency_symbol": "$"}


@pytest.fixture
async def item_id(app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys) -> str:
    """An active monthly item at $20.00."""
    user = await make_user(client)
    return await insert_subscription_item(app, instance.instance_id, user_id=user["id"], amount=2000)


async def apply(client: httpx.AsyncClient, item_id: str, discount_id: str) -> httpx.Response:
    return await client.post(f"/v1/billing/subscription_items/{item_id}/discounts", json={"discount_id": discount_id})


async def redemptions_of(app: FastAPI, item_id: str) -> list[tuple[str, str]]:
    """(discount_id, status) of the item's redemptions, oldest first."""
    async with inspection_session(app) as session:
        rows = await session.execute(
            select(BillingDiscountRedemption.discount_id, BillingDiscountRedemption.status)
            .where(BillingDiscountRedemption.subscription_item_id == item_id)
            .order_by(BillingDiscountRedemption.created_at, BillingDiscountRedemption.id)
        )
        return [(row.discount_id, row.status) for row in rows]


class TestLocumDiscounts:
    async def test_a_percentage_discount(self, client: httpx.AsyncClient) -> None:
        discount = await make_discount(client, name="Spring", percent_off=12.5, cycles=3)
        assert discount["id"].startswith("cdisc_")
        assert discount["object"] == "commerce_discount"
        assert (discount["name"], discount["effect"], discount["percent_off"]) == ("Spring", "percentage", 12.5)
        assert (discount["amount_off"], discount["cycles"], discount["currency"]) == (None, 3, "USD")

    async def test_a_fixed_amount_discount_lasting_forever(self, client: httpx.AsyncClient) -> None:
        discount = await make_discount(client, effect="fixed_amount", percent_off=None, amount_off=500)
        assert discount["amount_off"] == usd(500)
        assert discount["percent_off"] is None and discount["cycles"] is None

    @pytest.mark.parametrize(
        ("body", "param"),
        [
            ({"effect": "percentage", "percent_off": None}, "percent_off"),
            ({"effect": "fixed_amount", "percent_off": None}, "amount_off"),
            ({"effect": "percentage", "amount_off": 100}, "amount_off"),
            ({"effect": "fixed_amount", "percent_off": 10, "amount_off": 100}, "percent_off"),
            ({"percent_off": 0}, "percent_off"),
            ({"percent_off": 100.5}, "percent_off"),
            ({"effect": "fixed_amount", "percent_off": None, "amount_off": 0}, "amount_off"),
            ({"cycles": 0}, "cycles"),
            ({"currency": "EUR"}, "currency"),
            ({"effect": "bogo"}, "effect"),
            ({"name": ""}, "name"),
        ],
    )
    async def test_invalid_discounts_are_refused(
        self, client: httpx.AsyncClient, body: dict[str, Any], param: str
    ) -> None:
        response = await client.post(
            "/locum/billing/discounts", json={"name": "x", "effect": "percentage", "percent_off": 20, **body}
        )
        status, _code, named = clerk_error(response)
        assert (status, named) == (422, param)

    async def test_list_get_and_delete(self, client: httpx.AsyncClient) -> None:
        first = await make_discount(client, name="first")
        second = await make_discount(client, name="second")
        listed = (await client.get("/locum/billing/discounts", params={"limit": 1})).json()
        assert listed == {"data": [second], "total_count": 2}
        assert (await client.get(f"/locum/billing/discounts/{first['id']}")).json() == first
        deleted = await client.delete(f"/locum/billing/discounts/{first['id']}")
        assert deleted.json() == {"object": "commerce_discount", "id": first["id"], "deleted": True}
        assert clerk_error(await client.get(f"/locum/billing/discounts/{first['id']}"))[0] == 404

    async def test_another_instance_sees_none_of_them(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        discount = await make_discount(client)
        assert (await other_client.get("/locum/billing/discounts")).json() == {"data": [], "total_count": 0}
        assert clerk_error(await other_client.get(f"/locum/billing/discounts/{discount['id']}"))[0] == 404
        assert clerk_error(await other_client.delete(f"/locum/billing/discounts/{discount['id']}"))[0] == 404


class TestApplyBillingSubscriptionItemDiscount:
    async def test_a_percentage_discount_takes_its_share_of_the_next_charge(
        self, client: httpx.AsyncClient, item_id: str
    ) -> None:
        discount = await make_discount(client, name="Launch", percent_off=15, cycles=3)
        response = await apply(client, item_id, discount["id"])
        assert response.status_code == 200, response.text
        redemption = response.json()
        assert redemption["object"] == "commerce_discount_redemption"
        assert redemption["id"].startswith("cdr_")
        assert (redemption["subscription_item_id"], redemption["discount_id"]) == (item_id, discount["id"])
        assert (redemption["name"], redemption["source"], redemption["status"]) == ("Launch", "manual", "active")
        assert (redemption["effect"], redemption["percent_off"], redemption["amount_off"]) == ("percentage", 15, None)
        assert redemption["amount"] == usd(300)
        assert (redemption["cycles_applied"], redemption["cycles_remaining"]) == (0, 3)
        assert redemption["redeemed_by"] is None and redemption["redeemed_at"] > 0

    async def test_a_fixed_amount_never_takes_more_than_the_charge(
        self, client: httpx.AsyncClient, item_id: str
    ) -> None:
        discount = await make_discount(client, effect="fixed_amount", percent_off=None, amount_off=5000)
        redemption = (await apply(client, item_id, discount["id"])).json()
        assert redemption["amount_off"] == usd(5000)
        assert redemption["amount"] == usd(2000)
        assert redemption["cycles_remaining"] is None

    async def test_an_annual_item_is_discounted_on_its_yearly_charge(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        user = await make_user(client)
        item_id = await insert_subscription_item(
            app, instance.instance_id, user_id=user["id"], annual_monthly_amount=1600, plan_period="annual"
        )
        discount = await make_discount(client, percent_off=10)
        assert (await apply(client, item_id, discount["id"])).json()["amount"] == usd(1920)

    async def test_reapplying_the_active_discount_is_a_conflict(self, client: httpx.AsyncClient, item_id: str) -> None:
        discount = await make_discount(client)
        assert (await apply(client, item_id, discount["id"])).status_code == 200
        assert clerk_error(await apply(client, item_id, discount["id"])) == (
            409,
            "discount_already_applied",
            "discount_id",
        )

    async def test_another_discount_replaces_the_active_one(
        self, app: FastAPI, client: httpx.AsyncClient, item_id: str
    ) -> None:
        first, second = await make_discount(client, name="first"), await make_discount(client, name="second")
        await apply(client, item_id, first["id"])
        assert (await apply(client, item_id, second["id"])).json()["status"] == "active"
        assert await redemptions_of(app, item_id) == [(first["id"], "removed"), (second["id"], "active")]

    async def test_a_removed_discount_can_be_applied_again(
        self, app: FastAPI, client: httpx.AsyncClient, item_id: str
    ) -> None:
        discount = await make_discount(client)
        await apply(client, item_id, discount["id"])
        await client.delete(f"/v1/billing/subscription_items/{item_id}/discounts/{discount['id']}")
        assert (await apply(client, item_id, discount["id"])).status_code == 200
        assert await redemptions_of(app, item_id) == [(discount["id"], "removed"), (discount["id"], "active")]

    @pytest.mark.parametrize("status", ["upcoming", "past_due"])
    async def test_an_item_still_to_be_charged_takes_a_discount(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, status: str
    ) -> None:
        user = await make_user(client)
        item_id = await insert_subscription_item(app, instance.instance_id, user_id=user["id"], status=status)
        assert (await apply(client, item_id, (await make_discount(client))["id"])).status_code == 200

    @pytest.mark.parametrize("status", ["canceled", "ended", "abandoned", "incomplete"])
    async def test_an_item_that_will_not_be_charged_again_takes_no_discount(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, status: str
    ) -> None:
        user = await make_user(client)
        item_id = await insert_subscription_item(app, instance.instance_id, user_id=user["id"], status=status)
        response = await apply(client, item_id, (await make_discount(client))["id"])
        assert clerk_error(response)[:2] == (409, "subscription_item_not_discountable")
        assert await redemptions_of(app, item_id) == []

    async def test_an_unknown_item_is_not_found(self, client: httpx.AsyncClient) -> None:
        discount = await make_discount(client)
        assert clerk_error(await apply(client, "csubi_missing", discount["id"]))[:2] == (404, "resource_not_found")

    async def test_an_unknown_discount_is_not_found(self, client: httpx.AsyncClient, item_id: str) -> None:
        assert clerk_error(await apply(client, item_id, "cdisc_missing"))[:2] == (404, "resource_not_found")

    async def test_another_instances_discount_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, item_id: str
    ) -> None:
        theirs = await make_discount(other_client)
        assert clerk_error(await apply(client, item_id, theirs["id"]))[:2] == (404, "resource_not_found")

    async def test_the_discount_id_is_required(self, client: httpx.AsyncClient, item_id: str) -> None:
        response = await client.post(f"/v1/billing/subscription_items/{item_id}/discounts", json={})
        assert clerk_error(response) == (422, "form_param_missing", "discount_id")

    async def test_deleting_the_discount_removes_its_redemptions(
        self, app: FastAPI, client: httpx.AsyncClient, item_id: str
    ) -> None:
        discount = await make_discount(client)
        await apply(client, item_id, discount["id"])
        await client.delete(f"/locum/billing/discounts/{discount['id']}")
        assert await redemptions_of(app, item_id) == []

    async def test_no_webhook_event_is_recorded(
        self, client: httpx.AsyncClient, item_id: str, recorded_events: RecordedEvents
    ) -> None:
        before = await recorded_events()
        await apply(client, item_id, (await make_discount(client))["id"])
        assert await recorded_events() == before

    async def test_concurrent_applications_leave_one_active_discount(
        self, app: FastAPI, client: httpx.AsyncClient, item_id: str
    ) -> None:
        discounts = [await make_discount(client, name=f"d{i}") for i in range(CONCURRENT_APPLICATIONS)]
        responses = await asyncio.gather(*(apply(client, item_id, d["id"]) for d in discounts))
        assert [r.status_code for r in responses] == [200] * CONCURRENT_APPLICATIONS, [r.text for r in responses]
        statuses = [status for _, status in await redemptions_of(app, item_id)]
        assert sorted(statuses) == ["active"] + ["removed"] * (CONCURRENT_APPLICATIONS - 1)

    async def test_concurrent_applications_of_one_discount_redeem_it_once(
        self, app: FastAPI, client: httpx.AsyncClient, item_id: str
    ) -> None:
        discount = await make_discount(client)
        responses = await asyncio.gather(
            *(apply(client, item_id, discount["id"]) for _ in range(CONCURRENT_APPLICATIONS))
        )
        assert sorted(r.status_code for r in responses) == [200] + [409] * (CONCURRENT_APPLICATIONS - 1)
        assert await redemptions_of(app, item_id) == [(discount["id"], "active")]


class TestRemoveBillingSubscriptionItemDiscount:
    async def test_removing_the_active_discount(self, client: httpx.AsyncClient, item_id: str) -> None:
        discount = await make_discount(client)
        applied = (await apply(client, item_id, discount["id"])).json()
        response = await client.delete(f"/v1/billing/subscription_items/{item_id}/discounts/{discount['id']}")
        assert response.status_code == 200, response.text
        assert response.json() == applied | {"status": "removed"}

    async def test_removing_a_discount_that_is_not_active_is_a_conflict(
        self, client: httpx.AsyncClient, item_id: str
    ) -> None:
        first, second = await make_discount(client), await make_discount(client)
        path = f"/v1/billing/subscription_items/{item_id}/discounts"
        assert clerk_error(await client.delete(f"{path}/{first['id']}")) == (409, "discount_not_applied", "discount_id")
        await apply(client, item_id, first["id"])
        assert clerk_error(await client.delete(f"{path}/{second['id']}"))[:2] == (409, "discount_not_applied")
        assert (await client.delete(f"{path}/{first['id']}")).status_code == 200
        assert clerk_error(await client.delete(f"{path}/{first['id']}"))[:2] == (409, "discount_not_applied")

    async def test_an_unknown_item_or_discount_is_not_found(self, client: httpx.AsyncClient, item_id: str) -> None:
        discount = await make_discount(client)
        missing_item = await client.delete(f"/v1/billing/subscription_items/csubi_missing/discounts/{discount['id']}")
        missing_discount = await client.delete(f"/v1/billing/subscription_items/{item_id}/discounts/cdisc_missing")
        assert clerk_error(missing_item)[:2] == clerk_error(missing_discount)[:2] == (404, "resource_not_found")


class TestWithBillingCheckout:
    """Items made by billing's checkout (/locum/billing/subscriptions), as an app's users make them."""

    async def test_a_discount_on_a_subscribed_plan_takes_from_its_fee(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        plan = await make_plan(client, monthly_fee=1000)
        subscription = await subscribe(client, user["id"], plan["id"])
        item = next(i for i in subscription["subscription_items"] if i["status"] == "active")
        redemption = (await apply(client, item["id"], (await make_discount(client, percent_off=25))["id"])).json()
        assert redemption["amount"] == usd(250)

    async def test_a_canceled_item_takes_no_discount(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        plan = await make_plan(client, monthly_fee=1000)
        subscription = await subscribe(client, user["id"], plan["id"])
        item = next(i for i in subscription["subscription_items"] if i["status"] == "active")
        assert (await client.delete(f"/v1/billing/subscription_items/{item['id']}")).status_code == 200
        response = await apply(client, item["id"], (await make_discount(client))["id"])
        assert clerk_error(response)[:2] == (409, "subscription_item_not_discountable")
