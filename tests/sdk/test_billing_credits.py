"""Account credits through the official SDK, and subscription item discounts (which clerk-backend-api
7.0.0 has no methods for) through call_without_sdk.

The server's instance is shared with other SDK tests: each test makes its own user, organization,
plan and discount (plans and subscriptions through locum's /locum/billing stand-ins for Clerk's
dashboard and checkout).
"""

import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.sdk.conftest import LocumServer, call_without_sdk, new_user


def locum_post(server: LocumServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST to one of locum's own /locum operations (Clerk's dashboard and checkout stand-ins)."""
    response = httpx.post(
        f"{server.origin}{path}", json=body, headers={"Authorization": f"Bearer {server.secret_key}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


@pytest.fixture
def subscription_item_id(server: LocumServer, clerk: Clerk) -> str:
    """The active item of a new user subscribed to a new $49.00/month plan."""
    plan = locum_post(
        server, "/locum/billing/plans", {"name": "SDK Pro", "slug": f"sdk_{secrets.token_hex(4)}", "monthly_fee": 4900}
    )
    subscription = locum_post(
        server, "/locum/billing/subscriptions", {"payer": new_user(clerk).id, "plan_id": plan["id"]}
    )
    return str(next(item["id"] for item in subscription["subscription_items"] if item["status"] == "active"))


def key() -> str:
    return f"sdk-{secrets.token_hex(6)}"


def test_a_users_credit_balance_adjusted_and_read(clerk: Clerk) -> None:
    user = new_user(clerk)
    assert clerk.users.get_billing_credit_balance(user_id=user.id).balance is None
    entry = clerk.users.adjust_billing_credit_balance(
        user_id=user.id, amount=2500, action=models.Action.INCREASE, idempotency_key=key(), note="Welcome"
    )
    assert (entry.object, entry.amount.amount, entry.amount.currency, entry.note) == (
        "commerce_credit_ledger",
        2500,
        "USD",
        "Welcome",
    )
    assert entry.payer_id.startswith("cpayer_") and entry.source_type == "grant"
    assert entry.created_at.tzinfo is not None and entry.created_at <= datetime.now(UTC)
    repeat_key = key()
    spent = clerk.users.adjust_billing_credit_balance(
        user_id=user.id, amount=1000, action=models.Action.DECREASE, idempotency_key=repeat_key
    )
    again = clerk.users.adjust_billing_credit_balance(
        user_id=user.id, amount=1000, action=models.Action.DECREASE, idempotency_key=repeat_key
    )
    assert spent.amount.amount == -1000 and again.id == spent.id
    balance = clerk.users.get_billing_credit_balance(user_id=user.id)
    assert balance.object == "commerce_credit_balance"
    assert balance.balance is not None
    assert (balance.balance.amount, balance.balance.amount_formatted, balance.balance.currency_symbol) == (
        1500,
        "15.00",
        "$",
    )


def test_an_overdrawing_decrease_and_a_reused_key_are_refused(clerk: Clerk) -> None:
    user = new_user(clerk)
    used = key()
    clerk.users.adjust_billing_credit_balance(
        user_id=user.id, amount=100, action=models.Action.INCREASE, idempotency_key=used
    )
    with pytest.raises(models.ClerkErrors) as overdrawn:
        clerk.users.adjust_billing_credit_balance(
            user_id=user.id, amount=101, action=models.Action.DECREASE, idempotency_key=key()
        )
    assert overdrawn.value.data.errors[0].code == "insufficient_credit_balance"
    with pytest.raises(models.ClerkErrors) as reused:
        clerk.users.adjust_billing_credit_balance(
            user_id=user.id, amount=200, action=models.Action.INCREASE, idempotency_key=used
        )
    assert reused.value.data.errors[0].code == "idempotency_key_reused"


def test_an_organizations_credit_balance_adjusted_and_read(clerk: Clerk) -> None:
    organization = clerk.organizations.create(request={"name": f"Credits {secrets.token_hex(3)}"})
    assert clerk.organizations.get_billing_credit_balance(organization_id=organization.id).balance is None
    entry = clerk.organizations.adjust_billing_credit_balance(
        organization_id=organization.id, amount=900, action=models.Action.INCREASE, idempotency_key=key()
    )
    assert entry.amount.amount == 900 and entry.payer_id.startswith("cpayer_")
    balance = clerk.organizations.get_billing_credit_balance(organization_id=organization.id).balance
    assert balance is not None and balance.amount == 900


def test_an_unknown_user_has_no_balance(clerk: Clerk) -> None:
    with pytest.raises(models.ClerkErrors) as missing:
        clerk.users.get_billing_credit_balance(user_id="user_missing")
    assert missing.value.data.errors[0].code == "resource_not_found"


def test_a_discount_applied_to_and_removed_from_a_subscription_item(
    server: LocumServer, subscription_item_id: str
) -> None:
    discount_id = locum_post(
        server,
        "/locum/billing/discounts",
        {"name": "SDK launch", "effect": "percentage", "percent_off": 10, "cycles": 2},
    )["id"]
    applied = call_without_sdk(
        server,
        "POST",
        "/v1/billing/subscription_items/{subscription_item_id}/discounts",
        json={"discount_id": discount_id},
        subscription_item_id=subscription_item_id,
    )
    assert applied.status_code == 200, applied.text
    assert applied.json()["status"] == "active" and applied.json()["amount"]["amount"] == 490
    again = call_without_sdk(
        server,
        "POST",
        "/v1/billing/subscription_items/{subscription_item_id}/discounts",
        json={"discount_id": discount_id},
        subscription_item_id=subscription_item_id,
    )
    assert again.status_code == 409
    removed = call_without_sdk(
        server,
        "DELETE",
        "/v1/billing/subscription_items/{subscription_item_id}/discounts/{discount_id}",
        subscription_item_id=subscription_item_id,
        discount_id=discount_id,
    )
    assert removed.status_code == 200, removed.text
    assert removed.json() == applied.json() | {"status": "removed"}
