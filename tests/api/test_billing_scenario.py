"""Issue 13's end-to-end scenario: define a plan, subscribe an organization, a member's session token
carries `pla`/`fea` and Clerk's `has()` agrees, a price transition, a cancel, the end; events at
each step, and a statement with a payment attempt. Also the claims' encoding on its own."""

from typing import Any

import httpx
import jwt
from clerk_backend_api.security.authenticaterequest import _compute_org_permissions

from tests.builders import (
    make_member_with_permissions,
    make_organization,
    make_plan,
    make_session,
    make_user,
    subscribe,
)
from tests.conftest import RecordedEvents
from tests.contract.webhook_spec import validate_event_data, webhooks_spec_available


def split_by_scope(claim: str | None) -> dict[str, list[str]]:
    """Clerk JS `splitByScope` (packages/shared/src/authorization.ts)."""
    entries = [entry.strip() for entry in claim.split(",")] if claim else []
    return {
        "org": [entry.split(":")[1] for entry in entries if "o" in entry.split(":")[0]],
        "user": [entry.split(":")[1] for entry in entries if "u" in entry.split(":")[0]],
    }


def has(claims: dict[str, Any], *, plan: str | None = None, feature: str | None = None) -> bool:
    """Clerk JS `has({plan})` / `has({feature})` (`checkForFeatureOrPlan`) on a token's claims."""
    claim, wanted = (claims.get("fea"), feature) if feature is not None else (claims.get("pla"), plan)
    if not claim or wanted is None:
        return False
    scoped = split_by_scope(claim)
    scope, _, name = wanted.partition(":")
    if scope == "org":
        return name in scoped["org"]
    if scope == "user":
        return name in scoped["user"]
    return wanted in scoped["org"] + scoped["user"]


async def token_claims(client: httpx.AsyncClient, session_id: str) -> dict[str, Any]:
    response = await client.post(f"/v1/sessions/{session_id}/tokens")
    assert response.status_code == 200, response.text
    claims: dict[str, Any] = jwt.decode(response.json()["jwt"], options={"verify_signature": False})
    return claims


def running_item(subscription: dict[str, Any]) -> dict[str, Any]:
    return next(i for i in subscription["subscription_items"] if i["status"] in ("active", "past_due", "canceled"))


async def new_types(recorded_events: RecordedEvents, seen: list[tuple[str, dict[str, Any]]]) -> list[str]:
    events = await recorded_events()
    fresh = events[len(seen) :]
    if webhooks_spec_available():
        for event_type, data in fresh:
            assert validate_event_data(event_type, data) == [], event_type
    seen[:] = events
    return [event_type for event_type, _ in fresh]


class TestBillingScenario:
    async def test_plan_subscription_claims_transition_cancel_end(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        seen: list[tuple[str, dict[str, Any]]] = []
        # 1. The plans: a default free plan for users, a paid one for organizations.
        await make_plan(client, name="Free", slug="free_user", is_default=True, features=["basic"])
        team = await make_plan(
            client, name="Team", slug="team", payer_type="org", monthly_fee=2000, features=["analytics", "sso"]
        )
        # 2. An organization with a member, whose session has it active.
        member = await make_user(client)
        organization = await make_organization(client, name="Initech")
        membership = await client.post(
            f"/v1/organizations/{organization['id']}/memberships", json={"user_id": member["id"], "role": "org:member"}
        )
        assert membership.status_code == 200
        session = await make_session(client, member["id"], active_organization_id=organization["id"])
        await new_types(recorded_events, seen)
        before = await token_claims(client, session["id"])
        assert before["pla"] == "u:free_user" and before["fea"] == "u:basic"
        assert not has(before, plan="team") and has(before, plan="free_user") and has(before, feature="user:basic")

        # 3. The organization subscribes (checkout).
        subscription = await subscribe(client, organization["id"], team["id"])
        item = running_item(subscription)
        types = await new_types(recorded_events, seen)
        assert {"subscription.created", "subscription.active", "subscriptionItem.active"} <= set(types)
        assert {"paymentAttempt.created", "paymentAttempt.updated"} <= set(types)

        # 4. The member's token carries the organization's plan and features; has() agrees.
        claims = await token_claims(client, session["id"])
        assert claims["pla"] == "u:free_user,o:team"
        assert claims["fea"] == "o:analytics,o:sso,u:basic"
        assert has(claims, plan="team") and has(claims, plan="org:team") and not has(claims, plan="user:team")
        assert has(claims, feature="analytics") and has(claims, feature="org:sso")
        assert not has(claims, feature="user:sso") and not has(claims, feature="reports")
        assert _compute_org_permissions(claims) == []
        # Without the organization active, its plan is not the session's.
        personal = await make_session(client, member["id"])
        assert not has(await token_claims(client, personal["id"]), plan="team")

        # 5. A price transition to a higher custom price: immediate, charged.
        higher = (await client.post("/v1/billing/prices", json={"plan_id": team["id"], "amount": 3000})).json()
        transition = await client.post(
            f"/v1/billing/subscription_items/{item['id']}/price_transition",
            json={"from_price_id": item["price_id"], "to_price_id": higher["id"]},
        )
        assert transition.status_code == 200, transition.text
        new_item = transition.json()["subscription_item"]
        assert new_item["status"] == "active" and new_item["price_id"] == higher["id"]
        types = await new_types(recorded_events, seen)
        assert {"subscriptionItem.ended", "subscriptionItem.active", "paymentAttempt.updated"} <= set(types)
        assert has(await token_claims(client, session["id"]), plan="org:team")

        # 6. Cancel: the plan runs to the end of its period.
        canceled = await client.delete(f"/v1/billing/subscription_items/{new_item['id']}")
        assert canceled.json()["status"] == "canceled"
        assert "subscriptionItem.canceled" in await new_types(recorded_events, seen)
        assert has(await token_claims(client, session["id"]), feature="analytics")

        # 7. The period ends (locum's clock): the item ends, the plan leaves the token.
        ended = await client.post(f"/locum/billing/subscription_items/{new_item['id']}/advance")
        assert ended.status_code == 200
        assert next(i for i in ended.json()["subscription_items"] if i["id"] == new_item["id"])["status"] == "ended"
        assert ended.json()["status"] == "ended"
        types = await new_types(recorded_events, seen)
        assert "subscriptionItem.ended" in types and "subscription.updated" in types
        after = await token_claims(client, session["id"])
        assert after["pla"] == "u:free_user" and not has(after, plan="team") and not has(after, feature="analytics")

        # 8. The statement holds the payment attempts.
        statements = (await client.get("/v1/billing/statements")).json()
        assert statements["total_count"] == 1
        statement = statements["data"][0]
        assert statement["payer"]["organization_id"] == organization["id"] and statement["status"] == "closed"
        assert statement["totals"]["grand_total"]["amount"] == 5000
        fetched = (await client.get(f"/v1/billing/statements/{statement['id']}")).json()
        assert fetched == statement
        attempts = (await client.get(f"/v1/billing/statements/{statement['id']}/payment_attempts")).json()
        assert [(a["amount"]["amount"], a["status"]) for a in attempts["data"]] == [(3000, "paid"), (2000, "paid")]
        assert attempts["total_count"] == 2


class TestSessionTokenBillingClaims:
    async def test_no_plans_no_claims(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        claims = await token_claims(client, (await make_session(client, user["id"]))["id"])
        assert "pla" not in claims and "fea" not in claims

    async def test_a_users_paid_plan_replaces_the_default(self, client: httpx.AsyncClient) -> None:
        await make_plan(client, slug="free", is_default=True, features=["basic"])
        pro = await make_plan(client, slug="pro", features=["basic", "export"])
        user = await make_user(client)
        await subscribe(client, user["id"], pro["id"])
        claims = await token_claims(client, (await make_session(client, user["id"]))["id"])
        assert claims["pla"] == "u:pro" and claims["fea"] == "u:basic,u:export"
        assert has(claims, plan="user:pro") and not has(claims, plan="org:pro") and not has(claims, plan="free")

    async def test_plan_features_keep_the_permission_masks_aligned(self, client: httpx.AsyncClient) -> None:
        user, organization = await make_member_with_permissions(client, ["org:reports:read", "org:reports:manage"])
        team = await make_plan(client, slug="team", payer_type="org", features=["analytics", "reports"])
        await subscribe(client, organization["id"], team["id"])
        session = await make_session(client, user["id"], active_organization_id=organization["id"])
        claims = await token_claims(client, session["id"])
        assert claims["fea"] == "o:analytics,o:reports"
        assert claims["o"]["fpm"] == "0,3"
        assert sorted(_compute_org_permissions(claims)) == ["org:reports:manage", "org:reports:read"]
        assert has(claims, feature="analytics") and has(claims, plan="team")
