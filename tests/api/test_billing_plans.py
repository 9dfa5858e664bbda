"""Billing plans and prices: plans made through /locum/billing/plans (Clerk's dashboard), listed by
GetCommercePlanList; prices listed and created by GetBillingPriceList / CreateBillingPrice."""

import asyncio

import httpx

from tests.builders import clerk_error, make_plan


class TestLocumPlans:
    async def test_a_plan_renders_its_fees_and_features(self, client: httpx.AsyncClient) -> None:
        plan = await make_plan(
            client,
            name="Team",
            slug="team",
            payer_type="org",
            monthly_fee=2500,
            annual_monthly_fee=2000,
            free_trial_days=14,
            features=["seats", {"slug": "sso", "name": "Single sign-on"}],
        )
        assert plan["object"] == "commerce_plan" and plan["id"].startswith("cplan_")
        assert plan["fee"] == {"amount": 2500, "amount_formatted": "25.00", "currency": "USD", "currency_symbol": "$"}
        assert plan["annual_monthly_fee"]["amount"] == 2000 and plan["annual_fee"]["amount"] == 24000
        assert plan["for_payer_type"] == "org" and plan["has_base_fee"] and not plan["is_default"]
        assert plan["free_trial_enabled"] and plan["free_trial_days"] == 14
        assert [(f["slug"], f["name"]) for f in plan["features"]] == [("seats", "seats"), ("sso", "Single sign-on")]

    async def test_slug_is_unique_per_payer_type(self, client: httpx.AsyncClient) -> None:
        await make_plan(client, slug="pro")
        again = await client.post("/locum/billing/plans", json={"name": "Pro", "slug": "pro"})
        assert clerk_error(again) == (422, "form_identifier_exists", "slug")
        await make_plan(client, slug="pro", payer_type="org")

    async def test_concurrent_creations_of_one_slug_make_one_plan(self, client: httpx.AsyncClient) -> None:
        responses = await asyncio.gather(
            *(client.post("/locum/billing/plans", json={"name": "P", "slug": "same"}) for _ in range(4))
        )
        assert sorted(r.status_code for r in responses) == [200, 422, 422, 422]

    async def test_one_default_plan_per_payer_type(self, client: httpx.AsyncClient) -> None:
        free = await make_plan(client, name="Free", slug="free", is_default=True, monthly_fee=500)
        assert free["is_default"] and free["fee"]["amount"] == 0 and not free["has_base_fee"]
        second = await client.post("/locum/billing/plans", json={"name": "F2", "slug": "free2", "is_default": True})
        assert clerk_error(second) == (422, "form_param_value_invalid", "is_default")

    async def test_a_fee_is_zero_or_at_least_a_dollar(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/locum/billing/plans", json={"name": "P", "slug": "p", "monthly_fee": 99})
        assert clerk_error(response) == (422, "form_param_value_invalid", "monthly_fee")

    async def test_update_and_delete(self, client: httpx.AsyncClient) -> None:
        plan = await make_plan(client, slug="basic")
        response = await client.patch(
            f"/locum/billing/plans/{plan['id']}", json={"name": "Basic+", "monthly_fee": 1500, "features": ["x"]}
        )
        assert response.status_code == 200
        updated = response.json()
        assert updated["name"] == "Basic+" and updated["fee"]["amount"] == 1500
        assert [f["slug"] for f in updated["features"]] == ["x"]
        assert (await client.delete(f"/locum/billing/plans/{plan['id']}")).json()["deleted"] is True
        assert (await client.get(f"/locum/billing/plans/{plan['id']}")).status_code == 404


class TestGetCommercePlanList:
    async def test_lists_newest_first_filtered_by_payer_type(self, client: httpx.AsyncClient) -> None:
        user_plan = await make_plan(client, slug="u1")
        org_plan = await make_plan(client, slug="o1", payer_type="org")
        listed = (await client.get("/v1/billing/plans")).json()
        assert [p["id"] for p in listed["data"]] == [org_plan["id"], user_plan["id"]]
        assert listed["total_count"] == 2
        only_org = (await client.get("/v1/billing/plans", params={"payer_type": "org"})).json()
        assert [p["id"] for p in only_org["data"]] == [org_plan["id"]]
        paged = (await client.get("/v1/billing/plans", params={"limit": 1, "offset": 1, "paginated": "true"})).json()
        assert [p["id"] for p in paged["data"]] == [user_plan["id"]] and paged["total_count"] == 2

    async def test_an_unknown_payer_type_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/billing/plans", params={"payer_type": "team"})
        assert response.status_code == 422


class TestGetBillingPriceList:
    async def test_lists_amount_ascending_then_newest_first(self, client: httpx.AsyncClient) -> None:
        plan = await make_plan(client, monthly_fee=1000)
        cheap = (await client.post("/v1/billing/prices", json={"plan_id": plan["id"], "amount": 500})).json()
        free = (await client.post("/v1/billing/prices", json={"plan_id": plan["id"], "amount": 0})).json()
        listed = (await client.get("/v1/billing/prices", params={"plan_id": plan["id"]})).json()
        assert [p["amount"] for p in listed["data"]] == [0, 500, 1000]
        assert [p["id"] for p in listed["data"][:2]] == [free["id"], cheap["id"]]
        assert listed["total_count"] == 3 and listed["data"][2]["is_default"]

    async def test_an_unknown_plan_is_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/billing/prices", params={"plan_id": "cplan_unknown"})
        assert clerk_error(response)[:2] == (404, "plan_not_found")


class TestCreateBillingPrice:
    async def test_creates_a_custom_price(self, client: httpx.AsyncClient) -> None:
        plan = await make_plan(client)
        response = await client.post(
            "/v1/billing/prices", json={"plan_id": plan["id"], "amount": 800, "annual_monthly_amount": 700}
        )
        assert response.status_code == 200
        price = response.json()
        assert price["object"] == "commerce_price" and price["id"].startswith("cprice_")
        assert (price["amount"], price["annual_monthly_amount"], price["currency"]) == (800, 700, "USD")
        assert price["fee"]["amount_formatted"] == "8.00" and not price["is_default"]
        assert price["supported_billing_periods"] == "both"

    async def test_zero_is_complimentary_and_positive_amounts_start_at_100(self, client: httpx.AsyncClient) -> None:
        plan = await make_plan(client)
        assert (await client.post("/v1/billing/prices", json={"plan_id": plan["id"], "amount": 0})).status_code == 200
        low = await client.post("/v1/billing/prices", json={"plan_id": plan["id"], "amount": 99})
        assert clerk_error(low) == (422, "form_param_value_invalid", "amount")
        negative = await client.post("/v1/billing/prices", json={"plan_id": plan["id"], "amount": -100})
        assert clerk_error(negative)[0] == 422

    async def test_plan_id_and_amount_are_required(self, client: httpx.AsyncClient) -> None:
        assert clerk_error(await client.post("/v1/billing/prices", json={"amount": 100})) == (
            422,
            "form_param_missing",
            "plan_id",
        )
        plan = await make_plan(client)
        assert clerk_error(await client.post("/v1/billing/prices", json={"plan_id": plan["id"]}))[:2] == (
            422,
            "form_param_missing",
        )

    async def test_only_usd(self, client: httpx.AsyncClient) -> None:
        plan = await make_plan(client)
        response = await client.post(
            "/v1/billing/prices", json={"plan_id": plan["id"], "amount": 100, "currency": "EUR"}
        )
        assert clerk_error(response) == (422, "form_param_value_invalid", "currency")

    async def test_an_unknown_plan_is_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/billing/prices", json={"plan_id": "cplan_x", "amount": 100})
        assert clerk_error(response)[:2] == (404, "plan_not_found")
