"""Billing subscriptions: checkout (POST /locum/billing/subscriptions), a payer's subscription
(GetUserBillingSubscription, GetOrganizationBillingSubscription), the item list, canceling,
free trials, price transitions, and locum's clock (/locum/billing/subscription_items/{id}/advance)."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.builders import clerk_error, make_organization, make_plan, make_user, subscribe
from tests.conftest import RecordedEvents
from tests.contract.webhook_spec import validate_event_data, webhooks_spec_available

DAY_MS = 86_400_000


def running_item(subscription: dict[str, Any]) -> dict[str, Any]:
    return next(i for i in subscription["subscription_items"] if i["status"] in ("active", "past_due", "canceled"))


def items_by_status(subscription: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in subscription["subscription_items"]:
        found.setdefault(item["status"], []).append(item["plan"]["slug"])
    return found


async def advance(client: httpx.AsyncClient, item_id: str) -> dict[str, Any]:
    response = await client.post(f"/locum/billing/subscription_items/{item_id}/advance")
    assert response.status_code == 200, response.text
    subscription: dict[str, Any] = response.json()
    return subscription


def assert_events_valid(events: list[tuple[str, dict[str, Any]]]) -> None:
    if not webhooks_spec_available():
        return
    for event_type, data in events:
        assert validate_event_data(event_type, data) == [], event_type


class TestSubscribe:
    async def test_a_user_subscribes_to_a_paid_plan_and_is_charged(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        plan = await make_plan(client, slug="pro", monthly_fee=1000, features=["reports"])
        subscription = await subscribe(client, user["id"], plan["id"])
        assert subscription["object"] == "commerce_subscription" and subscription["id"].startswith("csub_")
        assert subscription["status"] == "active" and subscription["active_at"] is not None
        item = running_item(subscription)
        assert item["status"] == "active" and item["plan"]["slug"] == "pro" and item["plan_period"] == "month"
        assert item["payer"]["user_id"] == user["id"] and item["payer_id"].startswith("cpayer_")
        assert item["lifetime_paid"]["amount"] == 1000 and not item["is_free_trial"]
        assert item["period_end"] > item["period_start"]
        assert subscription["next_payment"]["amount"]["amount"] == 1000
        assert subscription["next_payment"]["date"] == item["period_end"]
        events = await recorded_events()
        types = [t for t, _ in events]
        assert "subscription.created" in types and "subscriptionItem.active" in types
        assert types.count("paymentAttempt.created") == 1 and types.count("paymentAttempt.updated") == 1
        assert_events_valid(events)

    async def test_an_annual_period_is_charged_twelve_annual_monthly_fees(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        plan = await make_plan(client, monthly_fee=1000, annual_monthly_fee=800)
        item = running_item(await subscribe(client, user["id"], plan["id"], plan_period="annual"))
        assert item["plan_period"] == "annual" and item["lifetime_paid"]["amount"] == 9600
        start = datetime.fromtimestamp(item["period_start"] / 1000, tz=UTC)
        end = datetime.fromtimestamp(item["period_end"] / 1000, tz=UTC)
        assert (end.year - start.year, end.month, end.day) == (1, start.month, start.day)

    async def test_an_organization_subscribes_by_plan_slug(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        await make_plan(client, slug="team", payer_type="org")
        response = await client.post("/locum/billing/subscriptions", json={"payer": organization["id"], "plan": "team"})
        assert response.status_code == 200
        item = running_item(response.json())
        assert item["payer"]["organization_id"] == organization["id"]
        assert item["payer"]["organization_name"] == organization["name"]

    async def test_the_plan_must_be_for_the_payers_type(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        org_plan = await make_plan(client, payer_type="org")
        response = await client.post(
            "/locum/billing/subscriptions", json={"payer": user["id"], "plan_id": org_plan["id"]}
        )
        assert clerk_error(response) == (422, "form_param_value_invalid", "plan_id")

    async def test_unknown_payers_and_plans_are_not_found(self, client: httpx.AsyncClient) -> None:
        plan = await make_plan(client)
        unknown_user = await client.post(
            "/locum/billing/subscriptions", json={"payer": "user_x", "plan_id": plan["id"]}
        )
        assert unknown_user.status_code == 404
        user = await make_user(client)
        unknown_plan = await client.post(
            "/locum/billing/subscriptions", json={"payer": user["id"], "plan_id": "cplan_x"}
        )
        assert clerk_error(unknown_plan)[:2] == (404, "plan_not_found")
        not_a_payer = await client.post("/locum/billing/subscriptions", json={"payer": "sess_x", "plan_id": plan["id"]})
        assert clerk_error(not_a_payer) == (422, "form_param_value_invalid", "payer")

    async def test_subscribing_again_to_the_same_plan_conflicts(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        plan = await make_plan(client)
        await subscribe(client, user["id"], plan["id"])
        again = await client.post("/locum/billing/subscriptions", json={"payer": user["id"], "plan_id": plan["id"]})
        assert clerk_error(again)[:2] == (409, "already_subscribed")

    async def test_an_upgrade_takes_effect_at_once_and_a_downgrade_at_period_end(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        basic = await make_plan(client, slug="basic", monthly_fee=500)
        pro = await make_plan(client, slug="pro", monthly_fee=2000)
        await subscribe(client, user["id"], basic["id"])
        upgraded = await subscribe(client, user["id"], pro["id"])
        assert items_by_status(upgraded) == {"active": ["pro"], "ended": ["basic"]}
        downgraded = await subscribe(client, user["id"], basic["id"])
        assert items_by_status(downgraded) == {"upcoming": ["basic"], "canceled": ["pro"], "ended": ["basic"]}
        canceled = running_item(downgraded)
        upcoming = next(i for i in downgraded["subscription_items"] if i["status"] == "upcoming")
        assert upcoming["period_start"] == canceled["period_end"]

    async def test_the_default_plan_is_what_a_payer_falls_back_to(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        await make_plan(client, slug="free", name="Free", is_default=True)
        pro = await make_plan(client, slug="pro")
        subscription = await subscribe(client, user["id"], pro["id"])
        item = running_item(subscription)
        ended = await client.delete(f"/v1/billing/subscription_items/{item['id']}", params={"end_now": "true"})
        assert ended.json()["status"] == "ended"
        current = (await client.get(f"/v1/users/{user['id']}/billing/subscription")).json()
        assert items_by_status(current) == {"active": ["free"], "ended": ["pro"]}
        assert "next_payment" not in current

    async def test_concurrent_checkouts_of_one_payer_make_one_subscription(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        plans = [await make_plan(client, slug=f"p{i}", monthly_fee=1000 + i * 100) for i in range(4)]
        responses = await asyncio.gather(
            *(
                client.post("/locum/billing/subscriptions", json={"payer": user["id"], "plan_id": plan["id"]})
                for plan in plans
            )
        )
        assert all(r.status_code in (200, 409) for r in responses), [r.text for r in responses]
        assert len({r.json()["id"] for r in responses if r.status_code == 200}) == 1
        current = (await client.get(f"/v1/users/{user['id']}/billing/subscription")).json()
        assert len([i for i in current["subscription_items"] if i["status"] in ("active", "canceled")]) == 1


class TestGetUserBillingSubscription:
    async def test_answers_the_users_subscription(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        plan = await make_plan(client)
        subscribed = await subscribe(client, user["id"], plan["id"])
        response = await client.get(f"/v1/users/{user['id']}/billing/subscription")
        assert response.status_code == 200 and response.json() == subscribed

    async def test_a_user_without_one_or_an_unknown_user_is_not_found(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        assert clerk_error(await client.get(f"/v1/users/{user['id']}/billing/subscription"))[:2] == (
            404,
            "subscription_not_found",
        )
        assert clerk_error(await client.get("/v1/users/user_unknown/billing/subscription"))[:2] == (
            404,
            "resource_not_found",
        )


class TestGetOrganizationBillingSubscription:
    async def test_answers_the_organizations_subscription(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        plan = await make_plan(client, payer_type="org")
        subscribed = await subscribe(client, organization["id"], plan["id"])
        response = await client.get(f"/v1/organizations/{organization['id']}/billing/subscription")
        assert response.status_code == 200 and response.json()["id"] == subscribed["id"]

    async def test_unknown_or_unsubscribed_is_not_found(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        response = await client.get(f"/v1/organizations/{organization['id']}/billing/subscription")
        assert response.status_code == 404
        assert (await client.get("/v1/organizations/org_unknown/billing/subscription")).status_code == 404


class TestGetCommerceSubscriptionItemList:
    async def test_filters(self, client: httpx.AsyncClient) -> None:
        alice = await make_user(client, first_name="Alice")
        bob = await make_user(client, first_name="Bob")
        organization = await make_organization(client, name="Initech")
        free = await make_plan(client, slug="free", is_default=True)
        pro = await make_plan(client, slug="pro", free_trial_days=7)
        team = await make_plan(client, slug="team", payer_type="org")
        await subscribe(client, alice["id"], pro["id"])
        await subscribe(client, bob["id"], pro["id"], free_trial=True)
        await subscribe(client, organization["id"], team["id"])
        await subscribe(client, (await make_user(client))["id"], free["id"])

        async def listed(**params: Any) -> list[str]:
            response = await client.get("/v1/billing/subscription_items", params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["total_count"] == len(body["data"])
            return sorted(
                item["payer"]["first_name"] or item["payer"]["organization_name"] or "" for item in body["data"]
            )

        assert await listed() == ["Alice", "Bob", "Initech"]
        assert len(await listed(include_free="true")) == 4
        assert await listed(payer_type="org") == ["Initech"]
        assert await listed(status="free_trial") == ["Bob"]
        assert await listed(plan_id=team["id"]) == ["Initech"]
        assert await listed(query="ali") == ["Alice"]
        assert await listed(query="initech") == ["Initech"]
        assert await listed(status="ended") == []

    async def test_newest_first_and_paged(self, client: httpx.AsyncClient) -> None:
        plan = await make_plan(client)
        ids = []
        for _ in range(3):
            ids.append(running_item(await subscribe(client, (await make_user(client))["id"], plan["id"]))["id"])
        page = (await client.get("/v1/billing/subscription_items", params={"limit": 2, "offset": 1})).json()
        assert [i["id"] for i in page["data"]] == [ids[1], ids[0]] and page["total_count"] == 3

    async def test_an_unknown_status_is_refused(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/billing/subscription_items", params={"status": "x"})).status_code == 422


class TestCancelCommerceSubscriptionItem:
    async def test_cancel_runs_to_period_end_then_advance_ends_it(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        plan = await make_plan(client)
        item = running_item(await subscribe(client, user["id"], plan["id"]))
        response = await client.delete(f"/v1/billing/subscription_items/{item['id']}")
        assert response.status_code == 200
        canceled = response.json()
        assert canceled["status"] == "canceled" and canceled["canceled_at"] is not None
        assert canceled["ended_at"] is None and canceled["next_payment"] is None
        after = await advance(client, item["id"])
        ended = next(i for i in after["subscription_items"] if i["id"] == item["id"])
        assert ended["status"] == "ended" and ended["ended_at"] == item["period_end"]
        assert after["status"] == "ended"
        types = [t for t, _ in await recorded_events()]
        assert "subscriptionItem.canceled" in types and "subscriptionItem.ended" in types
        assert_events_valid(await recorded_events())

    async def test_end_now_ends_at_once(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        plan = await make_plan(client)
        item = running_item(await subscribe(client, user["id"], plan["id"]))
        ended = (await client.delete(f"/v1/billing/subscription_items/{item['id']}", params={"end_now": "true"})).json()
        assert ended["status"] == "ended" and ended["ended_at"] is not None
        again = await client.delete(f"/v1/billing/subscription_items/{item['id']}")
        assert clerk_error(again)[:2] == (400, "subscription_item_not_cancelable")

    async def test_canceling_an_upcoming_item_abandons_it(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        cheap = await make_plan(client, monthly_fee=500)
        pricey = await make_plan(client, monthly_fee=5000)
        await subscribe(client, user["id"], pricey["id"])
        downgraded = await subscribe(client, user["id"], cheap["id"])
        upcoming = next(i for i in downgraded["subscription_items"] if i["status"] == "upcoming")
        response = await client.delete(f"/v1/billing/subscription_items/{upcoming['id']}")
        assert response.json()["status"] == "abandoned"

    async def test_the_free_plan_cannot_be_canceled(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        free = await make_plan(client, slug="free", is_default=True)
        item = running_item(await subscribe(client, user["id"], free["id"]))
        response = await client.delete(f"/v1/billing/subscription_items/{item['id']}")
        assert clerk_error(response)[:2] == (400, "subscription_item_not_cancelable")

    async def test_an_unknown_item_is_not_found(self, client: httpx.AsyncClient) -> None:
        assert (await client.delete("/v1/billing/subscription_items/csubi_x")).status_code == 404


class TestExtendBillingSubscriptionItemFreeTrial:
    async def _trial_item(self, client: httpx.AsyncClient) -> dict[str, Any]:
        user = await make_user(client)
        plan = await make_plan(client, free_trial_days=14)
        item = running_item(await subscribe(client, user["id"], plan["id"], free_trial=True))
        assert item["is_free_trial"] and item["lifetime_paid"]["amount"] == 0
        assert item["period_end"] - item["period_start"] == 14 * DAY_MS
        return item

    @staticmethod
    def _iso(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()

    async def test_extends_the_trial(self, client: httpx.AsyncClient) -> None:
        item = await self._trial_item(client)
        target = item["period_end"] + 7 * DAY_MS
        response = await client.post(
            f"/v1/billing/subscription_items/{item['id']}/extend_free_trial", json={"extend_to": self._iso(target)}
        )
        assert response.status_code == 200, response.text
        assert response.json()["period_end"] == target and response.json()["is_free_trial"]
        again = await client.post(
            f"/v1/billing/subscription_items/{item['id']}/extend_free_trial", json={"extend_to": self._iso(target)}
        )
        assert again.json()["period_end"] == target

    async def test_at_most_365_days_after_the_current_trial_end(self, client: httpx.AsyncClient) -> None:
        item = await self._trial_item(client)
        too_far = item["period_end"] + 366 * DAY_MS
        response = await client.post(
            f"/v1/billing/subscription_items/{item['id']}/extend_free_trial", json={"extend_to": self._iso(too_far)}
        )
        assert clerk_error(response) == (422, "form_param_value_invalid", "extend_to")

    async def test_the_past_is_refused(self, client: httpx.AsyncClient) -> None:
        item = await self._trial_item(client)
        past = datetime.now(tz=UTC) - timedelta(days=1)
        response = await client.post(
            f"/v1/billing/subscription_items/{item['id']}/extend_free_trial", json={"extend_to": past.isoformat()}
        )
        assert clerk_error(response) == (422, "form_param_value_invalid", "extend_to")

    async def test_an_item_not_in_trial_is_refused(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        plan = await make_plan(client, free_trial_days=14)
        item = running_item(await subscribe(client, user["id"], plan["id"]))
        future = (datetime.now(tz=UTC) + timedelta(days=60)).isoformat()
        response = await client.post(
            f"/v1/billing/subscription_items/{item['id']}/extend_free_trial", json={"extend_to": future}
        )
        assert clerk_error(response)[:2] == (400, "subscription_item_not_in_free_trial")

    async def test_extend_to_is_required_and_a_date_time(self, client: httpx.AsyncClient) -> None:
        item = await self._trial_item(client)
        url = f"/v1/billing/subscription_items/{item['id']}/extend_free_trial"
        assert clerk_error(await client.post(url, json={})) == (422, "form_param_missing", "extend_to")
        assert clerk_error(await client.post(url, json={"extend_to": "soon"}))[0] == 422

    async def test_a_trial_is_once_per_payer_and_converts_when_it_ends(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        plan = await make_plan(client, free_trial_days=7, monthly_fee=1200)
        subscription = await subscribe(client, user["id"], plan["id"], free_trial=True)
        assert subscription["eligible_for_free_trial"] is False
        item = running_item(subscription)
        converted = running_item(await advance(client, item["id"]))
        assert not converted["is_free_trial"] and converted["lifetime_paid"]["amount"] == 1200


class TestCreateBillingPriceTransition:
    async def _setup(self, client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
        user = await make_user(client)
        plan = await make_plan(client, monthly_fee=1000)
        item = running_item(await subscribe(client, user["id"], plan["id"]))
        return plan, item

    async def test_a_higher_price_takes_effect_at_once(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        plan, item = await self._setup(client)
        higher = (await client.post("/v1/billing/prices", json={"plan_id": plan["id"], "amount": 3000})).json()
        response = await client.post(
            f"/v1/billing/subscription_items/{item['id']}/price_transition",
            json={"from_price_id": item["price_id"], "to_price_id": higher["id"]},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["object"] == "commerce_price_transition"
        assert body["subscription_item"]["price_id"] == higher["id"]
        assert body["subscription_item"]["status"] == "active"
        transition = body["transition"]
        assert transition["effective_mode"] == "immediate" and transition["charged_immediately"]
        assert transition["immediate_charge"]["amount"] == 3000
        assert transition["previous_subscription_item_id"] == item["id"]
        assert transition["previous_subscription_item_status"] == "ended"
        assert transition["previous_price"]["id"] == item["price_id"]
        assert_events_valid(await recorded_events())

    async def test_a_lower_price_takes_effect_at_period_end(self, client: httpx.AsyncClient) -> None:
        plan, item = await self._setup(client)
        lower = (await client.post("/v1/billing/prices", json={"plan_id": plan["id"], "amount": 500})).json()
        body = (
            await client.post(
                f"/v1/billing/subscription_items/{item['id']}/price_transition",
                json={"from_price_id": item["price_id"], "to_price_id": lower["id"]},
            )
        ).json()
        assert body["subscription_item"]["status"] == "upcoming"
        assert body["transition"]["effective_mode"] == "end_of_period"
        assert body["transition"]["effective_at"] == item["period_end"]
        assert body["transition"]["previous_subscription_item_status"] == "canceled"
        assert not body["transition"]["charged_immediately"]
        started = await advance(client, body["subscription_item"]["id"])
        assert running_item(started)["price_id"] == lower["id"]

    async def test_from_price_must_be_the_current_price(self, client: httpx.AsyncClient) -> None:
        plan, item = await self._setup(client)
        other = (await client.post("/v1/billing/prices", json={"plan_id": plan["id"], "amount": 3000})).json()
        response = await client.post(
            f"/v1/billing/subscription_items/{item['id']}/price_transition",
            json={"from_price_id": other["id"], "to_price_id": other["id"]},
        )
        assert clerk_error(response)[:2] == (409, "price_transition_not_allowed")

    async def test_to_price_must_be_of_the_same_plan(self, client: httpx.AsyncClient) -> None:
        _, item = await self._setup(client)
        elsewhere = await make_plan(client, monthly_fee=9000)
        foreign = (await client.post("/v1/billing/prices", json={"plan_id": elsewhere["id"], "amount": 3000})).json()
        response = await client.post(
            f"/v1/billing/subscription_items/{item['id']}/price_transition",
            json={"from_price_id": item["price_id"], "to_price_id": foreign["id"]},
        )
        assert clerk_error(response) == (422, "form_param_value_invalid", "to_price_id")
        unknown = await client.post(
            f"/v1/billing/subscription_items/{item['id']}/price_transition",
            json={"from_price_id": item["price_id"], "to_price_id": "cprice_x"},
        )
        assert unknown.status_code == 404

    async def test_an_ended_item_cannot_transition(self, client: httpx.AsyncClient) -> None:
        plan, item = await self._setup(client)
        higher = (await client.post("/v1/billing/prices", json={"plan_id": plan["id"], "amount": 3000})).json()
        await client.delete(f"/v1/billing/subscription_items/{item['id']}", params={"end_now": "true"})
        response = await client.post(
            f"/v1/billing/subscription_items/{item['id']}/price_transition",
            json={"from_price_id": item["price_id"], "to_price_id": higher["id"]},
        )
        assert clerk_error(response)[:2] == (409, "price_transition_not_allowed")


class TestAdvance:
    async def test_a_renewal_is_charged_on_a_new_statement(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        plan = await make_plan(client, monthly_fee=1000)
        item = running_item(await subscribe(client, user["id"], plan["id"]))
        renewed = running_item(await advance(client, item["id"]))
        assert renewed["period_start"] == item["period_end"] and renewed["lifetime_paid"]["amount"] == 2000
        statements = (await client.get("/v1/billing/statements")).json()
        assert statements["total_count"] == 2
        newest, oldest = statements["data"]
        assert (newest["status"], oldest["status"]) == ("open", "closed")
        assert newest["timestamp"] == item["period_end"]
        assert newest["totals"]["grand_total"]["amount"] == 1000

    @pytest.mark.parametrize("checks_webhooks", [True])
    async def test_a_failed_renewal_makes_the_item_and_subscription_past_due(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents, checks_webhooks: bool
    ) -> None:
        user = await make_user(client)
        plan = await make_plan(client)
        item = running_item(await subscribe(client, user["id"], plan["id"], payment_outcome="failed"))
        assert item["status"] == "active"
        after = await advance(client, item["id"])
        assert after["status"] == "past_due" and after["past_due_at"] == item["period_end"]
        past_due = running_item(after)
        assert past_due["status"] == "past_due" and past_due["past_due_at"] == item["period_end"]
        statement = (await client.get("/v1/billing/statements")).json()["data"][0]
        attempts = (await client.get(f"/v1/billing/statements/{statement['id']}/payment_attempts")).json()
        assert [a["status"] for a in attempts["data"]] == ["failed"]
        types = [t for t, _ in await recorded_events()]
        assert "subscription.pastDue" in types and "subscriptionItem.pastDue" in types
        assert_events_valid(await recorded_events())
        ended = await advance(client, item["id"])
        assert running_item(ended) if ended["status"] != "ended" else True
        assert next(i for i in ended["subscription_items"] if i["id"] == item["id"])["status"] == "ended"

    async def test_a_free_item_has_no_period_to_advance(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        free = await make_plan(client, slug="free", is_default=True)
        item = running_item(await subscribe(client, user["id"], free["id"]))
        response = await client.post(f"/locum/billing/subscription_items/{item['id']}/advance")
        assert clerk_error(response)[:2] == (400, "subscription_item_not_advanceable")
