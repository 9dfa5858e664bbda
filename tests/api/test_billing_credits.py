"""Account credits: GET/POST /users/{user_id}/billing/credits and /organizations/{organization_id}/billing/credits."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from locum.api.bodies import INT64_MAX
from tests.builders import adjust_credits, clerk_error, make_organization, make_plan, make_user, subscribe
from tests.conftest import RecordedEvents

CONCURRENT_ADJUSTMENTS = 20


def usd(cents: int) -> dict[str, Any]:
    units, remainder = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return {
        "amount": cents,
        "amount_formatted": f"{sign}{units}.{remainder:02d}",
        "currency": "USD",
        "currency_symbol": "$",
    }


@pytest.fixture
async def user_id(client: httpx.AsyncClient) -> str:
    return str((await make_user(client))["id"])


@pytest.fixture
async def organization_id(client: httpx.AsyncClient) -> str:
    return str((await make_organization(client))["id"])


async def balance_of(client: httpx.AsyncClient, path: str) -> Any:
    response = await client.get(f"{path}/billing/credits")
    assert response.status_code == 200, response.text
    assert response.json()["object"] == "commerce_credit_balance"
    return response.json()["balance"]


class TestGetUserBillingCreditBalance:
    async def test_a_user_who_never_had_credits_has_a_null_balance(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        assert await balance_of(client, f"/v1/users/{user_id}") is None

    async def test_the_balance_is_the_sum_of_the_adjustments(self, client: httpx.AsyncClient, user_id: str) -> None:
        await adjust_credits(client, f"/v1/users/{user_id}", 5000)
        await adjust_credits(client, f"/v1/users/{user_id}", 1234)
        await adjust_credits(client, f"/v1/users/{user_id}", 2000, action="decrease")
        assert await balance_of(client, f"/v1/users/{user_id}") == usd(4234)

    async def test_a_balance_brought_back_to_zero_is_zero_not_null(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        await adjust_credits(client, f"/v1/users/{user_id}", 700)
        await adjust_credits(client, f"/v1/users/{user_id}", 700, action="decrease")
        assert await balance_of(client, f"/v1/users/{user_id}") == usd(0)

    async def test_each_user_has_a_balance_of_its_own(self, client: httpx.AsyncClient, user_id: str) -> None:
        other = await make_user(client)
        await adjust_credits(client, f"/v1/users/{user_id}", 300)
        assert await balance_of(client, f"/v1/users/{other['id']}") is None

    async def test_an_unknown_user_is_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/users/user_missing/billing/credits")
        assert clerk_error(response)[:2] == (404, "resource_not_found")


class TestAdjustUserBillingCreditBalance:
    async def test_an_increase_is_a_ledger_entry_of_the_users_payer(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        before = datetime.now(UTC)
        entry = await adjust_credits(client, f"/v1/users/{user_id}", 4999, note="Goodwill")
        assert entry["object"] == "commerce_credit_ledger"
        assert entry["id"].startswith("ccl_")
        assert entry["payer_id"].startswith("cpayer_")
        assert entry["amount"] == usd(4999)
        assert entry["note"] == "Goodwill"
        assert entry["source_type"] == "grant" and entry["source_id"]
        created_at = datetime.fromisoformat(entry["created_at"].replace("Z", "+00:00"))
        assert before.replace(microsecond=0) <= created_at <= datetime.now(UTC)

    async def test_a_decrease_is_a_negative_entry(self, client: httpx.AsyncClient, user_id: str) -> None:
        await adjust_credits(client, f"/v1/users/{user_id}", 1000)
        entry = await adjust_credits(client, f"/v1/users/{user_id}", 250, action="decrease")
        assert entry["amount"] == usd(-250)
        assert entry["note"] is None

    async def test_every_adjustment_of_a_user_has_the_same_payer(self, client: httpx.AsyncClient, user_id: str) -> None:
        first = await adjust_credits(client, f"/v1/users/{user_id}", 100)
        second = await adjust_credits(client, f"/v1/users/{user_id}", 100)
        other = await adjust_credits(client, f"/v1/users/{(await make_user(client))['id']}", 100)
        assert first["payer_id"] == second["payer_id"] != other["payer_id"]
        assert first["id"] != second["id"]

    async def test_a_decrease_below_zero_is_refused_and_changes_nothing(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        await adjust_credits(client, f"/v1/users/{user_id}", 500)
        response = await client.post(
            f"/v1/users/{user_id}/billing/credits",
            json={"amount": 501, "action": "decrease", "idempotency_key": "too-much"},
        )
        assert clerk_error(response) == (400, "insufficient_credit_balance", "amount")
        assert await balance_of(client, f"/v1/users/{user_id}") == usd(500)

    async def test_a_first_adjustment_that_is_a_decrease_is_refused_and_leaves_no_balance(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        response = await client.post(
            f"/v1/users/{user_id}/billing/credits", json={"amount": 1, "action": "decrease", "idempotency_key": "k"}
        )
        assert clerk_error(response) == (400, "insufficient_credit_balance", "amount")
        assert await balance_of(client, f"/v1/users/{user_id}") is None

    async def test_a_repeat_with_the_same_key_returns_the_original_entry(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        first = await adjust_credits(client, f"/v1/users/{user_id}", 800, idempotency_key="grant-1", note="n")
        again = await adjust_credits(client, f"/v1/users/{user_id}", 800, idempotency_key="grant-1", note="n")
        assert again == first
        assert await balance_of(client, f"/v1/users/{user_id}") == usd(800)

    async def test_a_repeated_decrease_is_not_checked_against_the_balance_again(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        await adjust_credits(client, f"/v1/users/{user_id}", 300)
        first = await adjust_credits(client, f"/v1/users/{user_id}", 300, action="decrease", idempotency_key="d")
        assert (
            await adjust_credits(client, f"/v1/users/{user_id}", 300, action="decrease", idempotency_key="d") == first
        )
        assert await balance_of(client, f"/v1/users/{user_id}") == usd(0)

    @pytest.mark.parametrize(
        "changed",
        [{"amount": 801}, {"action": "decrease"}, {"note": "another note"}],
        ids=["amount", "action", "note"],
    )
    async def test_a_repeat_of_a_key_with_other_parameters_is_a_conflict(
        self, client: httpx.AsyncClient, user_id: str, changed: dict[str, Any]
    ) -> None:
        await adjust_credits(client, f"/v1/users/{user_id}", 800, idempotency_key="grant-1")
        body = {"amount": 800, "action": "increase", "idempotency_key": "grant-1", **changed}
        response = await client.post(f"/v1/users/{user_id}/billing/credits", json=body)
        assert clerk_error(response) == (409, "idempotency_key_reused", "idempotency_key")
        assert await balance_of(client, f"/v1/users/{user_id}") == usd(800)

    async def test_idempotency_keys_are_per_payer(self, client: httpx.AsyncClient, user_id: str) -> None:
        other_id = (await make_user(client))["id"]
        await adjust_credits(client, f"/v1/users/{user_id}", 100, idempotency_key="same")
        await adjust_credits(client, f"/v1/users/{other_id}", 900, idempotency_key="same")
        assert await balance_of(client, f"/v1/users/{other_id}") == usd(900)

    async def test_the_currency_defaults_to_usd_and_may_be_given_in_any_case(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        entry = await adjust_credits(client, f"/v1/users/{user_id}", 100, currency="usd")
        assert entry["amount"]["currency"] == "USD"

    async def test_only_usd_is_accepted(self, client: httpx.AsyncClient, user_id: str) -> None:
        response = await client.post(
            f"/v1/users/{user_id}/billing/credits",
            json={"amount": 100, "action": "increase", "idempotency_key": "k", "currency": "EUR"},
        )
        assert clerk_error(response) == (422, "form_param_value_invalid", "currency")

    @pytest.mark.parametrize("amount", [0, -5, INT64_MAX + 1, 1.5, "100"])
    async def test_the_amount_is_a_positive_64_bit_integer(
        self, client: httpx.AsyncClient, user_id: str, amount: Any
    ) -> None:
        response = await client.post(
            f"/v1/users/{user_id}/billing/credits",
            json={"amount": amount, "action": "increase", "idempotency_key": "k"},
        )
        status, _code, param = clerk_error(response)
        assert (status, param) == (422, "amount")
        assert await balance_of(client, f"/v1/users/{user_id}") is None

    async def test_a_balance_never_exceeds_64_bits(self, client: httpx.AsyncClient, user_id: str) -> None:
        await adjust_credits(client, f"/v1/users/{user_id}", INT64_MAX)
        response = await client.post(
            f"/v1/users/{user_id}/billing/credits", json={"amount": 1, "action": "increase", "idempotency_key": "k"}
        )
        assert clerk_error(response) == (422, "form_param_value_invalid", "amount")
        assert await balance_of(client, f"/v1/users/{user_id}") == usd(INT64_MAX)

    @pytest.mark.parametrize("missing", ["amount", "action", "idempotency_key"])
    async def test_amount_action_and_idempotency_key_are_required(
        self, client: httpx.AsyncClient, user_id: str, missing: str
    ) -> None:
        body = {"amount": 100, "action": "increase", "idempotency_key": "k"}
        del body[missing]
        response = await client.post(f"/v1/users/{user_id}/billing/credits", json=body)
        assert clerk_error(response) == (422, "form_param_missing", missing)

    @pytest.mark.parametrize(
        ("field", "value"),
        [("action", "refund"), ("idempotency_key", ""), ("idempotency_key", "k" * 256), ("note", "n" * 1025)],
    )
    async def test_fields_are_bounded(self, client: httpx.AsyncClient, user_id: str, field: str, value: Any) -> None:
        body = {"amount": 100, "action": "increase", "idempotency_key": "k", field: value}
        response = await client.post(f"/v1/users/{user_id}/billing/credits", json=body)
        assert clerk_error(response)[0] == 422
        assert clerk_error(response)[2] == field

    async def test_an_unknown_field_is_refused(self, client: httpx.AsyncClient, user_id: str) -> None:
        body = {"amount": 100, "action": "increase", "idempotency_key": "k", "expires_at": 1}
        response = await client.post(f"/v1/users/{user_id}/billing/credits", json=body)
        assert clerk_error(response) == (422, "form_param_unknown", "expires_at")

    async def test_an_unknown_user_is_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/users/user_missing/billing/credits", json={"amount": 1, "action": "increase", "idempotency_key": "k"}
        )
        assert clerk_error(response)[:2] == (404, "resource_not_found")

    async def test_adjustments_record_no_webhook_event(
        self, client: httpx.AsyncClient, user_id: str, recorded_events: RecordedEvents
    ) -> None:
        before = await recorded_events()
        await adjust_credits(client, f"/v1/users/{user_id}", 100)
        assert await recorded_events() == before

    async def test_concurrent_increases_all_count(self, client: httpx.AsyncClient, user_id: str) -> None:
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/v1/users/{user_id}/billing/credits",
                    json={"amount": 100 + i, "action": "increase", "idempotency_key": f"concurrent-{i}"},
                )
                for i in range(CONCURRENT_ADJUSTMENTS)
            )
        )
        assert [r.status_code for r in responses] == [200] * CONCURRENT_ADJUSTMENTS, [r.text for r in responses]
        assert len({r.json()["id"] for r in responses}) == CONCURRENT_ADJUSTMENTS
        expected = sum(100 + i for i in range(CONCURRENT_ADJUSTMENTS))
        assert await balance_of(client, f"/v1/users/{user_id}") == usd(expected)

    async def test_concurrent_decreases_never_overdraw(self, client: httpx.AsyncClient, user_id: str) -> None:
        await adjust_credits(client, f"/v1/users/{user_id}", 500)
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/v1/users/{user_id}/billing/credits",
                    json={"amount": 100, "action": "decrease", "idempotency_key": f"spend-{i}"},
                )
                for i in range(CONCURRENT_ADJUSTMENTS)
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 5 + [400] * (CONCURRENT_ADJUSTMENTS - 5), [r.text for r in responses]
        assert await balance_of(client, f"/v1/users/{user_id}") == usd(0)

    async def test_concurrent_repeats_of_one_key_make_one_entry(self, client: httpx.AsyncClient, user_id: str) -> None:
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/v1/users/{user_id}/billing/credits",
                    json={"amount": 250, "action": "increase", "idempotency_key": "once"},
                )
                for _ in range(CONCURRENT_ADJUSTMENTS)
            )
        )
        assert [r.status_code for r in responses] == [200] * CONCURRENT_ADJUSTMENTS, [r.text for r in responses]
        assert len({r.json()["id"] for r in responses}) == 1
        assert await balance_of(client, f"/v1/users/{user_id}") == usd(250)

    async def test_a_user_and_its_credits_can_be_deleted(self, client: httpx.AsyncClient, user_id: str) -> None:
        await adjust_credits(client, f"/v1/users/{user_id}", 100)
        assert (await client.delete(f"/v1/users/{user_id}")).status_code == 200
        assert clerk_error(await client.get(f"/v1/users/{user_id}/billing/credits"))[0] == 404


class TestGetOrganizationBillingCreditBalance:
    async def test_an_organization_that_never_had_credits_has_a_null_balance(
        self, client: httpx.AsyncClient, organization_id: str
    ) -> None:
        assert await balance_of(client, f"/v1/organizations/{organization_id}") is None

    async def test_the_balance_is_the_organizations_own(
        self, client: httpx.AsyncClient, organization_id: str, user_id: str
    ) -> None:
        await adjust_credits(client, f"/v1/organizations/{organization_id}", 1500)
        await adjust_credits(client, f"/v1/users/{user_id}", 99)
        assert await balance_of(client, f"/v1/organizations/{organization_id}") == usd(1500)

    async def test_an_unknown_organization_is_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/organizations/org_missing/billing/credits")
        assert clerk_error(response)[:2] == (404, "resource_not_found")


class TestAdjustOrganizationBillingCreditBalance:
    async def test_an_adjustment_is_a_ledger_entry_of_the_organizations_payer(
        self, client: httpx.AsyncClient, organization_id: str, user_id: str
    ) -> None:
        entry = await adjust_credits(client, f"/v1/organizations/{organization_id}", 2500)
        user_entry = await adjust_credits(client, f"/v1/users/{user_id}", 2500)
        assert entry["payer_id"].startswith("cpayer_") and entry["payer_id"] != user_entry["payer_id"]
        assert entry["amount"] == usd(2500)

    async def test_a_decrease_below_zero_is_refused(self, client: httpx.AsyncClient, organization_id: str) -> None:
        response = await client.post(
            f"/v1/organizations/{organization_id}/billing/credits",
            json={"amount": 1, "action": "decrease", "idempotency_key": "k"},
        )
        assert clerk_error(response) == (400, "insufficient_credit_balance", "amount")

    async def test_a_repeat_with_the_same_key_returns_the_original_entry(
        self, client: httpx.AsyncClient, organization_id: str
    ) -> None:
        first = await adjust_credits(client, f"/v1/organizations/{organization_id}", 10, idempotency_key="o")
        assert await adjust_credits(client, f"/v1/organizations/{organization_id}", 10, idempotency_key="o") == first

    async def test_an_unknown_organization_is_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/organizations/org_missing/billing/credits",
            json={"amount": 1, "action": "increase", "idempotency_key": "k"},
        )
        assert clerk_error(response)[:2] == (404, "resource_not_found")

    async def test_concurrent_increases_all_count(self, client: httpx.AsyncClient, organization_id: str) -> None:
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/v1/organizations/{organization_id}/billing/credits",
                    json={"amount": 10, "action": "increase", "idempotency_key": f"c-{i}"},
                )
                for i in range(CONCURRENT_ADJUSTMENTS)
            )
        )
        assert [r.status_code for r in responses] == [200] * CONCURRENT_ADJUSTMENTS, [r.text for r in responses]
        assert await balance_of(client, f"/v1/organizations/{organization_id}") == usd(10 * CONCURRENT_ADJUSTMENTS)


class TestCreditsAndCheckout:
    async def test_credits_belong_to_the_payer_a_checkout_makes(self, client: httpx.AsyncClient, user_id: str) -> None:
        plan = await make_plan(client, monthly_fee=1000)
        subscription = await subscribe(client, user_id, plan["id"])
        entry = await adjust_credits(client, f"/v1/users/{user_id}", 100)
        assert entry["payer_id"] == subscription["subscription_items"][0]["payer_id"]

    async def test_a_checkout_subscribes_the_payer_credits_made(self, client: httpx.AsyncClient, user_id: str) -> None:
        entry = await adjust_credits(client, f"/v1/users/{user_id}", 100)
        subscription = await subscribe(client, user_id, (await make_plan(client, monthly_fee=1000))["id"])
        assert subscription["subscription_items"][0]["payer_id"] == entry["payer_id"]

    async def test_a_concurrent_checkout_and_adjustment_make_one_payer(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        plan = await make_plan(client, monthly_fee=1000)
        checkout, adjustment = await asyncio.gather(
            client.post("/locum/billing/subscriptions", json={"payer": user_id, "plan_id": plan["id"]}),
            client.post(
                f"/v1/users/{user_id}/billing/credits",
                json={"amount": 100, "action": "increase", "idempotency_key": "with-checkout"},
            ),
        )
        assert checkout.status_code == adjustment.status_code == 200, (checkout.text, adjustment.text)
        assert checkout.json()["subscription_items"][0]["payer_id"] == adjustment.json()["payer_id"]
