"""Billing through the official SDK (clerk-backend-api 7.0.0): every Billing operation locum serves,
with plans and checkouts made through locum's own /locum/billing endpoints.

The server's instance is shared with other SDK tests, so slugs are unique per test and assertions
look only at what the test made.
"""

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.sdk.conftest import LocumServer, new_user, sdk_verify


def locum(server: LocumServer, method: str, path: str, **body: Any) -> dict[str, Any]:
    response = httpx.request(
        method,
        f"{server.origin}/locum{path}",
        json=body or None,
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def new_plan(server: LocumServer, **body: Any) -> dict[str, Any]:
    return locum(
        server,
        "POST",
        "/billing/plans",
        **{"name": "SDK plan", "slug": f"sdk_{secrets.token_hex(4)}", "monthly_fee": 1000, **body},
    )


def test_plans_and_prices(clerk: Clerk, server: LocumServer) -> None:
    plan = new_plan(server, payer_type="org", features=["sdk_feature"], free_trial_days=7)
    listed = clerk.billing.list_plans(payer_type=models.PayerType.ORG, limit=500)
    found = next(p for p in listed.data if p.id == plan["id"])
    assert found.slug == plan["slug"] and found.fee is not None and found.fee.amount == 1000
    assert [f.slug for f in found.features or []] == ["sdk_feature"]
    price = clerk.billing.create_price(plan_id=plan["id"], amount=2500, description="partner")
    assert price.plan_id == plan["id"] and price.amount == 2500 and price.is_default is False
    prices = clerk.billing.list_prices(plan_id=plan["id"])
    assert [p.amount for p in prices.data] == [1000, 2500] and prices.total_count == 2


def test_subscriptions_items_transitions_and_cancel(clerk: Clerk, server: LocumServer) -> None:
    user = new_user(clerk)
    organization = clerk.organizations.create(request={"name": "SDK Billing"})
    plan = new_plan(server, free_trial_days=7)
    org_plan = new_plan(server, payer_type="org")
    locum(server, "POST", "/billing/subscriptions", payer=user.id, plan_id=plan["id"], free_trial=True)
    locum(server, "POST", "/billing/subscriptions", payer=organization.id, plan_id=org_plan["id"])

    subscription = clerk.users.get_billing_subscription(user_id=user.id)
    assert subscription.payer_id and subscription.status == "active"
    item = next(i for i in subscription.subscription_items if i.status == "active")
    assert item.is_free_trial is True and item.plan is not None and item.plan.slug == plan["slug"]
    org_subscription = clerk.organizations.get_billing_subscription(organization_id=organization.id)
    org_item = org_subscription.subscription_items[0]
    assert org_item.payer is not None and org_item.payer.organization_id == organization.id

    items = clerk.billing.list_subscription_items(
        plan_id=plan["id"], status=models.GetCommerceSubscriptionItemListQueryParamStatus.FREE_TRIAL
    )
    assert [i.id for i in items.data] == [item.id]

    assert item.period_end is not None
    extend_to = datetime.fromtimestamp(item.period_end / 1000, tz=UTC) + timedelta(days=3)
    extended = clerk.billing.extend_subscription_item_free_trial(subscription_item_id=item.id, extend_to=extend_to)
    assert extended.period_end == item.period_end + 3 * 86_400_000

    higher = clerk.billing.create_price(plan_id=org_plan["id"], amount=5000)
    assert org_item.price_id is not None
    transition = clerk.billing.create_price_transition(
        subscription_item_id=org_item.id, from_price_id=org_item.price_id, to_price_id=higher.id
    )
    assert transition.subscription_item.price_id == higher.id
    assert transition.transition.previous_subscription_item_id == org_item.id

    canceled = clerk.billing.cancel_subscription_item(subscription_item_id=transition.subscription_item.id)
    assert canceled.status == "canceled"
    ended = clerk.billing.cancel_subscription_item(subscription_item_id=item.id, end_now=True)
    assert ended.status == "ended"
    with pytest.raises(models.ClerkErrors):
        clerk.billing.cancel_subscription_item(subscription_item_id=item.id)


def test_statements_and_payment_attempts(clerk: Clerk, server: LocumServer) -> None:
    organization = clerk.organizations.create(request={"name": "SDK Statements"})
    plan = new_plan(server, payer_type="org", monthly_fee=1200)
    locum(server, "POST", "/billing/subscriptions", payer=organization.id, plan_id=plan["id"])
    statements = clerk.billing.list_statements(limit=500)
    statement = next(s for s in statements.data if s.payer.organization_id == organization.id)
    fetched = clerk.billing.get_statement(statement_id=statement.id)
    assert fetched.id == statement.id and fetched.totals.grand_total.amount == 1200
    attempts = clerk.billing.get_statement_payment_attempts(statement_id=statement.id)
    assert [(a.status, a.amount.amount) for a in attempts.data] == [("paid", 1200)]


def test_a_user_without_a_subscription_is_not_found(clerk: Clerk) -> None:
    user = new_user(clerk)
    with pytest.raises(models.ClerkErrors) as missing:
        clerk.users.get_billing_subscription(user_id=user.id)
    assert missing.value.data.errors[0].code == "subscription_not_found"


def test_a_members_session_token_carries_the_organizations_plan(clerk: Clerk, server: LocumServer) -> None:
    user = new_user(clerk)
    organization = clerk.organizations.create(request={"name": "SDK Claims", "created_by": user.id})
    plan = new_plan(server, payer_type="org", features=["sdk_reports"])
    locum(server, "POST", "/billing/subscriptions", payer=organization.id, plan_id=plan["id"])
    session = clerk.sessions.create(request={"user_id": user.id, "active_organization_id": organization.id})
    token = clerk.sessions.create_token(session_id=session.id)
    assert token.jwt is not None
    claims = sdk_verify(server, token.jwt)
    assert f"o:{plan['slug']}" in claims["pla"].split(",")
    assert "o:sdk_reports" in claims["fea"].split(",")
