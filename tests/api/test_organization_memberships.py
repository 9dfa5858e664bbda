"""Organization memberships: create, list (per organization, per user, per instance), update the
role, merge metadata, delete; the last-admin rule, the membership limit under concurrency, the
organizations switch, and isolation between instances.
"""

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from locum.instances import registry
from locum.instances.service import InstanceKeys
from tests.builders import error_code, insert_organization, make_user, set_organization_settings
from tests.conftest import RecordedEvents

ADMIN_PERMISSIONS = {
    "org:sys_profile:manage",
    "org:sys_profile:delete",
    "org:sys_memberships:read",
    "org:sys_memberships:manage",
    "org:sys_domains:read",
    "org:sys_domains:manage",
    "org:sys_billing:read",
    "org:sys_billing:manage",
    "org:sys_entconns:manage",
}
MEMBER_PERMISSIONS = ["org:sys_memberships:read", "org:sys_billing:read"]


async def add_member(
    client: httpx.AsyncClient, organization_id: str, user_id: str, role: str = "org:member"
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/organizations/{organization_id}/memberships", json={"user_id": user_id, "role": role}
    )
    assert response.status_code == 200, response.text
    membership: dict[str, Any] = response.json()
    return membership


@pytest.fixture
async def organization(app: FastAPI, instance: InstanceKeys) -> dict[str, str]:
    return await insert_organization(app, instance.instance_id)


def member_ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [m["public_user_data"]["user_id"] for m in response.json()["data"]]


class TestCreateOrganizationMembership:
    async def test_adds_the_user_with_the_role(
        self, client: httpx.AsyncClient, organization: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, first_name="Ada", last_name="Lovelace", username="ada_l")
        response = await client.post(
            f"/v1/organizations/{organization['id']}/memberships",
            json={"user_id": user["id"], "role": "org:admin", "public_metadata": {"team": "core"}},
        )
        assert response.status_code == 200, response.text
        membership = response.json()
        assert membership["object"] == "organization_membership"
        assert membership["id"].startswith("orgmem_")
        assert (membership["role"], membership["role_name"]) == ("org:admin", "Admin")
        assert set(membership["permissions"]) == ADMIN_PERMISSIONS
        assert membership["public_metadata"] == {"team": "core"} and membership["private_metadata"] == {}
        assert membership["organization"]["id"] == organization["id"]
        public = membership["public_user_data"]
        assert public["user_id"] == user["id"]
        assert (public["first_name"], public["last_name"], public["username"]) == ("Ada", "Lovelace", "ada_l")
        assert public["identifier"] == user["email_addresses"][0]["email_address"]
        events = [(kind, data) for kind, data in await recorded_events() if kind.startswith("organizationMembership")]
        assert events == [("organizationMembership.created", membership)]

    async def test_organization_addressed_by_slug(
        self, client: httpx.AsyncClient, organization: dict[str, str]
    ) -> None:
        user = await make_user(client)
        membership = await add_member(client, organization["slug"], user["id"])
        assert membership["organization"]["id"] == organization["id"]
        assert membership["permissions"] == MEMBER_PERMISSIONS

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            pytest.param({"user_id": "user_missing", "role": "org:member"}, 404, "resource_not_found", id="user"),
            pytest.param({"role": "org:member"}, 422, "form_param_missing", id="no-user-id"),
            pytest.param({"user_id": "{user}"}, 422, "form_param_missing", id="no-role"),
            pytest.param({"user_id": "{user}", "role": "org:nope"}, 422, "form_param_value_invalid", id="role"),
            pytest.param({"user_id": "{user}", "role": "org:member", "x": 1}, 422, "form_param_unknown", id="extra"),
        ],
    )
    async def test_refusals_record_nothing(
        self,
        client: httpx.AsyncClient,
        organization: dict[str, str],
        recorded_events: RecordedEvents,
        body: dict[str, Any],
        status: int,
        code: str,
    ) -> None:
        user = await make_user(client)
        body = {name: user["id"] if value == "{user}" else value for name, value in body.items()}
        response = await client.post(f"/v1/organizations/{organization['id']}/memberships", json=body)
        assert (response.status_code, error_code(response)) == (status, code)
        assert not [kind for kind, _ in await recorded_events() if kind.startswith("organizationMembership")]

    async def test_unknown_organization(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.post(
            "/v1/organizations/org_missing/memberships", json={"user_id": user["id"], "role": "org:member"}
        )
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")

    async def test_other_instance_cannot_see_the_organization_or_user(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, organization: dict[str, str]
    ) -> None:
        user = await make_user(client)
        response = await other_client.post(
            f"/v1/organizations/{organization['id']}/memberships", json={"user_id": user["id"], "role": "org:member"}
        )
        assert response.status_code == 404

    async def test_user_of_another_instance_is_unknown(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, organization: dict[str, str]
    ) -> None:
        stranger = await make_user(other_client)
        response = await client.post(
            f"/v1/organizations/{organization['id']}/memberships",
            json={"user_id": stranger["id"], "role": "org:member"},
        )
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")

    async def test_already_a_member(self, client: httpx.AsyncClient, organization: dict[str, str]) -> None:
        user = await make_user(client)
        await add_member(client, organization["id"], user["id"])
        response = await client.post(
            f"/v1/organizations/{organization['id']}/memberships", json={"user_id": user["id"], "role": "org:admin"}
        )
        assert (response.status_code, error_code(response)) == (400, "already_a_member_in_organization")

    async def test_membership_limit(self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient) -> None:
        organization = await insert_organization(app, instance.instance_id, max_allowed_memberships=1)
        first, second = await make_user(client), await make_user(client)
        await add_member(client, organization["id"], first["id"])
        response = await client.post(
            f"/v1/organizations/{organization['id']}/memberships", json={"user_id": second["id"], "role": "org:member"}
        )
        assert (response.status_code, error_code(response)) == (403, "organization_membership_quota_exceeded")

    async def test_concurrent_additions_never_pass_the_limit(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        organization = await insert_organization(app, instance.instance_id, max_allowed_memberships=3)
        users = [await make_user(client) for _ in range(10)]
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/v1/organizations/{organization['id']}/memberships",
                    json={"user_id": user["id"], "role": "org:member"},
                )
                for user in users
            )
        )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200] * 3 + [403] * 7
        assert {error_code(r) for r in responses if r.status_code == 403} == {"organization_membership_quota_exceeded"}
        listed = await client.get(f"/v1/organizations/{organization['id']}/memberships")
        assert listed.json()["total_count"] == 3


@pytest.fixture
async def members(client: httpx.AsyncClient, organization: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Three members of `organization`: ada (admin), grace and alan (members), added in that order."""
    people = {
        "ada": await make_user(
            client,
            email_address=["ada@analytical.org"],
            phone_number=["+14155550101"],
            username="ada_l",
            first_name="Ada",
            last_name="Lovelace",
        ),
        "grace": await make_user(
            client,
            email_address=["grace@navy.mil"],
            username="grace_h",
            first_name="Grace",
            last_name="Hopper",
            web3_wallet=["0x52908400098527886E0F7030069857D2E4169EE7"],
        ),
        "alan": await make_user(client, email_address=["alan@bletchley.uk"], first_name="Alan", last_name="Turing"),
    }
    for name, user in people.items():
        await add_member(client, organization["id"], user["id"], "org:admin" if name == "ada" else "org:member")
    return people


class TestListOrganizationMemberships:
    async def test_envelope_and_pages(
        self, client: httpx.AsyncClient, organization: dict[str, str], members: dict[str, dict[str, Any]]
    ) -> None:
        path = f"/v1/organizations/{organization['id']}/memberships"
        everyone = await client.get(path)
        assert everyone.json()["total_count"] == 3
        assert member_ids(everyone) == [members[name]["id"] for name in ("alan", "grace", "ada")]
        page = await client.get(path, params={"limit": 1, "offset": 1})
        assert page.json()["total_count"] == 3
        assert member_ids(page) == [members["grace"]["id"]]
        by_slug = await client.get(f"/v1/organizations/{organization['slug']}/memberships")
        assert by_slug.json() == everyone.json()

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            pytest.param({"email_address": ["ADA@analytical.org", "alan@bletchley.uk"]}, ["alan", "ada"], id="email"),
            pytest.param({"phone_number": "+14155550101"}, ["ada"], id="phone"),
            pytest.param({"username": "GRACE_H"}, ["grace"], id="username"),
            pytest.param({"web3_wallet": "0x52908400098527886e0f7030069857d2e4169ee7"}, ["grace"], id="web3"),
            pytest.param({"role": "org:member"}, ["alan", "grace"], id="role"),
            pytest.param({"role": ["org:admin", "org:unknown"]}, ["ada"], id="unknown-role-ignored"),
            pytest.param({"query": "lovelace"}, ["ada"], id="query-name"),
            pytest.param({"query": "navy"}, ["grace"], id="query-email"),
            pytest.param({"query": "5550101"}, ["ada"], id="query-phone"),
            pytest.param({"query": "0x5290"}, ["grace"], id="query-web3"),
            pytest.param({"query": "100%"}, [], id="query-escapes-wildcards"),
            pytest.param({"email_address_query": "BLETCHLEY"}, ["alan"], id="email-query"),
            pytest.param({"phone_number_query": "415"}, ["ada"], id="phone-query"),
            pytest.param({"username_query": "_h"}, ["grace"], id="username-query"),
            pytest.param({"name_query": "grace hop"}, ["grace"], id="name-query"),
            pytest.param({"last_active_at_after": 0}, [], id="never-active"),
            pytest.param({"order_by": "first_name"}, ["ada", "alan", "grace"], id="order-first-name"),
            pytest.param({"order_by": "-last_name"}, ["alan", "ada", "grace"], id="order-last-name-desc"),
            pytest.param({"order_by": "username"}, ["ada", "grace", "alan"], id="order-username-nulls-last"),
            pytest.param({"order_by": "+email_address"}, ["ada", "alan", "grace"], id="order-email"),
            pytest.param({"order_by": "-phone_number"}, ["alan", "grace", "ada"], id="order-phone-nulls-first"),
            pytest.param({"order_by": "created_at"}, ["ada", "grace", "alan"], id="order-created-at"),
        ],
    )
    async def test_filters_and_ordering(
        self,
        client: httpx.AsyncClient,
        organization: dict[str, str],
        members: dict[str, dict[str, Any]],
        params: dict[str, Any],
        expected: list[str],
    ) -> None:
        response = await client.get(f"/v1/organizations/{organization['id']}/memberships", params=params)
        assert member_ids(response) == [members[name]["id"] for name in expected]
        assert response.json()["total_count"] == len(expected)

    async def test_user_id_include_and_exclude(
        self, client: httpx.AsyncClient, organization: dict[str, str], members: dict[str, dict[str, Any]]
    ) -> None:
        path = f"/v1/organizations/{organization['id']}/memberships"
        ada, grace, alan = (members[name]["id"] for name in ("ada", "grace", "alan"))
        assert member_ids(await client.get(path, params={"user_id": [ada, f"+{grace}"]})) == [grace, ada]
        assert member_ids(await client.get(path, params={"user_id": [f"-{ada}"]})) == [alan, grace]

    async def test_created_at_bounds(
        self, client: httpx.AsyncClient, organization: dict[str, str], members: dict[str, dict[str, Any]]
    ) -> None:
        path = f"/v1/organizations/{organization['id']}/memberships"
        grace = members["grace"]
        after = member_ids(await client.get(path, params={"created_at_after": grace["created_at"] - 1}))
        assert grace["id"] in after and members["ada"]["id"] not in after
        assert grace["id"] not in member_ids(await client.get(path, params={"created_at_before": grace["created_at"]}))

    async def test_other_organizations_members_are_not_listed(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, members: dict[str, dict[str, Any]]
    ) -> None:
        elsewhere = await insert_organization(app, instance.instance_id)
        await add_member(client, elsewhere["id"], members["ada"]["id"])
        listed = await client.get(f"/v1/organizations/{elsewhere['id']}/memberships")
        assert member_ids(listed) == [members["ada"]["id"]]

    async def test_query_count_does_not_grow_with_the_page(
        self,
        app: FastAPI,
        instance: InstanceKeys,
        client: httpx.AsyncClient,
        organization: dict[str, str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # A request's auth rechecks the instance's signing keys once a second: not the listing's work.
        monkeypatch.setattr(registry, "KEYS_RECHECK_SECONDS", 3600.0)

        async def statements_for_listing() -> int:
            executed: list[str] = []

            def count(*args: Any) -> None:
                executed.append(args[2])

            event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
            try:
                response = await client.get(f"/v1/organizations/{organization['id']}/memberships")
            finally:
                event.remove(app.state.engine.sync_engine, "before_cursor_execute", count)
            assert response.status_code == 200
            return len(executed)

        await add_member(client, organization["id"], (await make_user(client))["id"])
        with_one = await statements_for_listing()
        for role in ("org:admin", "org:member", "org:member", "org:admin"):
            await add_member(client, organization["id"], (await make_user(client))["id"], role)
        assert await statements_for_listing() == with_one

    @pytest.mark.parametrize(
        ("params", "code"),
        [
            pytest.param({"limit": 0}, "form_param_value_invalid", id="limit-too-small"),
            pytest.param({"limit": 501}, "form_param_value_invalid", id="limit-too-big"),
            pytest.param({"offset": -1}, "form_param_value_invalid", id="negative-offset"),
            pytest.param({"created_at_after": "soon"}, "form_param_type_invalid", id="bound-not-a-number"),
            pytest.param({"order_by": "last_active_at"}, "form_param_value_invalid", id="unknown-order"),
            pytest.param({"user_id": [f"user_{i}" for i in range(101)]}, "form_param_array_size_exceeded", id="101"),
        ],
    )
    async def test_invalid_parameters(
        self, client: httpx.AsyncClient, organization: dict[str, str], params: dict[str, Any], code: str
    ) -> None:
        response = await client.get(f"/v1/organizations/{organization['id']}/memberships", params=params)
        assert (response.status_code, error_code(response)) == (422, code)

    async def test_unknown_organization(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/organizations/org_missing/memberships")
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")

    async def test_other_instance(self, other_client: httpx.AsyncClient, organization: dict[str, str]) -> None:
        response = await other_client.get(f"/v1/organizations/{organization['id']}/memberships")
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")


class TestUpdateOrganizationMembership:
    async def test_changes_the_role(
        self,
        client: httpx.AsyncClient,
        organization: dict[str, str],
        members: dict[str, dict[str, Any]],
        recorded_events: RecordedEvents,
    ) -> None:
        grace = members["grace"]["id"]
        response = await client.patch(
            f"/v1/organizations/{organization['id']}/memberships/{grace}", json={"role": "org:admin"}
        )
        assert response.status_code == 200, response.text
        membership = response.json()
        assert (membership["role"], membership["role_name"]) == ("org:admin", "Admin")
        assert set(membership["permissions"]) == ADMIN_PERMISSIONS
        assert membership["updated_at"] >= membership["created_at"]
        assert (await recorded_events())[-1] == ("organizationMembership.updated", membership)
        listed = await client.get(f"/v1/organizations/{organization['id']}/memberships", params={"role": "org:admin"})
        assert grace in member_ids(listed)

    async def test_an_admin_can_be_demoted_while_another_remains(
        self, client: httpx.AsyncClient, organization: dict[str, str], members: dict[str, dict[str, Any]]
    ) -> None:
        path = f"/v1/organizations/{organization['id']}/memberships"
        await client.patch(f"{path}/{members['grace']['id']}", json={"role": "org:admin"})
        response = await client.patch(f"{path}/{members['ada']['id']}", json={"role": "org:member"})
        assert response.status_code == 200, response.text
        assert response.json()["permissions"] == MEMBER_PERMISSIONS

    async def test_the_last_admin_cannot_be_demoted(
        self,
        client: httpx.AsyncClient,
        organization: dict[str, str],
        members: dict[str, dict[str, Any]],
        recorded_events: RecordedEvents,
    ) -> None:
        before = await recorded_events()
        response = await client.patch(
            f"/v1/organizations/{organization['id']}/memberships/{members['ada']['id']}", json={"role": "org:member"}
        )
        assert (response.status_code, error_code(response)) == (400, "organization_minimum_permissions_needed")
        assert await recorded_events() == before
        kept = await client.get(f"/v1/organizations/{organization['id']}/memberships", params={"role": "org:admin"})
        assert member_ids(kept) == [members["ada"]["id"]]

    async def test_the_last_admin_keeps_an_admin_role(
        self, client: httpx.AsyncClient, organization: dict[str, str], members: dict[str, dict[str, Any]]
    ) -> None:
        response = await client.patch(
            f"/v1/organizations/{organization['id']}/memberships/{members['ada']['id']}", json={"role": "org:admin"}
        )
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize(
        ("user", "body", "status", "code"),
        [
            pytest.param("grace", {"role": "org:nope"}, 422, "form_param_value_invalid", id="unknown-role"),
            pytest.param("grace", {}, 422, "form_param_missing", id="no-role"),
            pytest.param("user_missing", {"role": "org:admin"}, 404, "resource_not_found", id="unknown-user"),
            pytest.param("outsider", {"role": "org:admin"}, 404, "resource_not_found", id="not-a-member"),
        ],
    )
    async def test_refusals(
        self,
        client: httpx.AsyncClient,
        organization: dict[str, str],
        members: dict[str, dict[str, Any]],
        user: str,
        body: dict[str, Any],
        status: int,
        code: str,
    ) -> None:
        user_id = {"grace": members["grace"]["id"], "outsider": (await make_user(client))["id"]}.get(user, user)
        response = await client.patch(f"/v1/organizations/{organization['id']}/memberships/{user_id}", json=body)
        assert (response.status_code, error_code(response)) == (status, code)

    async def test_unknown_organization(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.patch(
            f"/v1/organizations/org_missing/memberships/{user['id']}", json={"role": "org:admin"}
        )
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")

    async def test_other_instance(
        self,
        other_client: httpx.AsyncClient,
        organization: dict[str, str],
        members: dict[str, dict[str, Any]],
    ) -> None:
        response = await other_client.patch(
            f"/v1/organizations/{organization['id']}/memberships/{members['grace']['id']}",
            json={"role": "org:admin"},
        )
        assert response.status_code == 404


class TestDeleteOrganizationMembership:
    async def test_removes_the_member_and_answers_with_the_membership(
        self,
        client: httpx.AsyncClient,
        organization: dict[str, str],
        members: dict[str, dict[str, Any]],
        recorded_events: RecordedEvents,
    ) -> None:
        path = f"/v1/organizations/{organization['id']}/memberships"
        grace = members["grace"]["id"]
        response = await client.delete(f"{path}/{grace}")
        assert response.status_code == 200, response.text
        membership = response.json()
        assert membership["object"] == "organization_membership"
        assert membership["public_user_data"]["user_id"] == grace
        assert membership["role"] == "org:member"
        assert (await recorded_events())[-1] == ("organizationMembership.deleted", membership)
        assert grace not in member_ids(await client.get(path))
        again = await client.delete(f"{path}/{grace}")
        assert (again.status_code, error_code(again)) == (404, "resource_not_found")

    async def test_an_admin_can_leave_while_another_remains(
        self, client: httpx.AsyncClient, organization: dict[str, str], members: dict[str, dict[str, Any]]
    ) -> None:
        path = f"/v1/organizations/{organization['id']}/memberships"
        await client.patch(f"{path}/{members['alan']['id']}", json={"role": "org:admin"})
        assert (await client.delete(f"{path}/{members['ada']['id']}")).status_code == 200

    async def test_the_last_admin_cannot_be_removed(
        self,
        client: httpx.AsyncClient,
        organization: dict[str, str],
        members: dict[str, dict[str, Any]],
        recorded_events: RecordedEvents,
    ) -> None:
        before = await recorded_events()
        path = f"/v1/organizations/{organization['id']}/memberships"
        response = await client.delete(f"{path}/{members['ada']['id']}")
        assert (response.status_code, error_code(response)) == (400, "organization_minimum_permissions_needed")
        assert await recorded_events() == before
        assert members["ada"]["id"] in member_ids(await client.get(path))

    async def test_not_a_member(self, client: httpx.AsyncClient, organization: dict[str, str]) -> None:
        outsider = await make_user(client)
        response = await client.delete(f"/v1/organizations/{organization['id']}/memberships/{outsider['id']}")
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")

    async def test_other_instance(
        self,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        organization: dict[str, str],
        members: dict[str, dict[str, Any]],
    ) -> None:
        path = f"/v1/organizations/{organization['id']}/memberships/{members['grace']['id']}"
        assert (await other_client.delete(path)).status_code == 404
        assert members["grace"]["id"] in member_ids(
            await client.get(f"/v1/organizations/{organization['id']}/memberships")
        )


class TestUpdateOrganizationMembershipMetadata:
    async def test_deep_merges_and_null_deletes(
        self,
        client: httpx.AsyncClient,
        organization: dict[str, str],
        recorded_events: RecordedEvents,
    ) -> None:
        user = await make_user(client)
        created = await client.post(
            f"/v1/organizations/{organization['id']}/memberships",
            json={
                "user_id": user["id"],
                "role": "org:member",
                "public_metadata": {"team": {"name": "core", "size": 3}, "beta": True},
                "private_metadata": {"crm": 1},
            },
        )
        assert created.status_code == 200
        response = await client.patch(
            f"/v1/organizations/{organization['id']}/memberships/{user['id']}/metadata",
            json={"public_metadata": {"team": {"size": None, "lead": "ada"}, "beta": None}},
        )
        assert response.status_code == 200, response.text
        membership = response.json()
        assert membership["public_metadata"] == {"team": {"name": "core", "lead": "ada"}}
        assert membership["private_metadata"] == {"crm": 1}
        assert (await recorded_events())[-1] == ("organizationMembership.updated", membership)
        listed = await client.get(f"/v1/organizations/{organization['id']}/memberships")
        assert listed.json()["data"][0]["public_metadata"] == membership["public_metadata"]

    @pytest.mark.parametrize(
        "body",
        [pytest.param(None, id="no-body"), pytest.param({}, id="empty"), pytest.param({"private_metadata": None})],
    )
    async def test_nothing_to_merge_changes_nothing(
        self,
        client: httpx.AsyncClient,
        organization: dict[str, str],
        members: dict[str, dict[str, Any]],
        body: dict[str, Any] | None,
    ) -> None:
        response = await client.patch(
            f"/v1/organizations/{organization['id']}/memberships/{members['ada']['id']}/metadata", json=body
        )
        assert response.status_code == 200, response.text
        assert (response.json()["public_metadata"], response.json()["private_metadata"]) == ({}, {})

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"unsafe_metadata": {}}, "form_param_unknown", id="unsafe"),
            pytest.param({"public_metadata": [1]}, "form_param_type_invalid", id="not-an-object"),
        ],
    )
    async def test_invalid_bodies(
        self,
        client: httpx.AsyncClient,
        organization: dict[str, str],
        members: dict[str, dict[str, Any]],
        body: dict[str, Any],
        code: str,
    ) -> None:
        response = await client.patch(
            f"/v1/organizations/{organization['id']}/memberships/{members['ada']['id']}/metadata", json=body
        )
        assert (response.status_code, error_code(response)) == (422, code)

    async def test_not_a_member_and_other_instance(
        self,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        organization: dict[str, str],
        members: dict[str, dict[str, Any]],
    ) -> None:
        path = f"/v1/organizations/{organization['id']}/memberships"
        outsider = await make_user(client)
        missing = await client.patch(f"{path}/{outsider['id']}/metadata", json={"public_metadata": {"a": 1}})
        assert (missing.status_code, error_code(missing)) == (404, "resource_not_found")
        elsewhere = await other_client.patch(
            f"{path}/{members['ada']['id']}/metadata", json={"public_metadata": {"a": 1}}
        )
        assert elsewhere.status_code == 404


class TestUsersGetOrganizationMemberships:
    async def test_lists_the_users_memberships(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, organization: dict[str, str]
    ) -> None:
        user, bystander = await make_user(client), await make_user(client)
        second = await insert_organization(app, instance.instance_id)
        first_membership = await add_member(client, organization["id"], user["id"], "org:admin")
        second_membership = await add_member(client, second["id"], user["id"])
        await add_member(client, organization["id"], bystander["id"])
        response = await client.get(f"/v1/users/{user['id']}/organization_memberships")
        assert response.status_code == 200, response.text
        assert response.json() == {"data": [second_membership, first_membership], "total_count": 2}
        page = await client.get(f"/v1/users/{user['id']}/organization_memberships", params={"limit": 1, "offset": 1})
        assert page.json() == {"data": [first_membership], "total_count": 2}

    async def test_a_user_without_memberships(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.get(f"/v1/users/{user['id']}/organization_memberships")
        assert response.json() == {"data": [], "total_count": 0}

    async def test_unknown_user_and_other_instance(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        for checked, user_id in ((client, "user_missing"), (other_client, user["id"])):
            response = await checked.get(f"/v1/users/{user_id}/organization_memberships")
            assert (response.status_code, error_code(response)) == (404, "resource_not_found")

    async def test_invalid_limit(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.get(f"/v1/users/{user['id']}/organization_memberships?limit=0")
        assert (response.status_code, error_code(response)) == (422, "form_param_value_invalid")


class TestInstanceGetOrganizationMemberships:
    async def test_lists_every_organizations_memberships(
        self,
        app: FastAPI,
        instance: InstanceKeys,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        members: dict[str, dict[str, Any]],
    ) -> None:
        second = await insert_organization(app, instance.instance_id)
        await add_member(client, second["id"], members["grace"]["id"])
        response = await client.get("/v1/organization_memberships", params={"order_by": "first_name"})
        assert response.status_code == 200, response.text
        assert response.json()["total_count"] == 4
        assert member_ids(response) == [members[name]["id"] for name in ("ada", "alan", "grace", "grace")]
        newest = await client.get("/v1/organization_memberships", params={"limit": 1})
        assert [m["organization"]["id"] for m in newest.json()["data"]] == [second["id"]]
        assert (await other_client.get("/v1/organization_memberships")).json() == {"data": [], "total_count": 0}

    async def test_unknown_order(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/organization_memberships", params={"order_by": "role"})
        assert (response.status_code, error_code(response)) == (422, "form_param_value_invalid")


OPERATIONS = [
    pytest.param(
        "POST", "/v1/organizations/{org}/memberships", {"user_id": "{user}", "role": "org:member"}, id="create"
    ),
    pytest.param("GET", "/v1/organizations/{org}/memberships", None, id="list"),
    pytest.param("PATCH", "/v1/organizations/{org}/memberships/{user}", {"role": "org:admin"}, id="update"),
    pytest.param("DELETE", "/v1/organizations/{org}/memberships/{user}", None, id="delete"),
    pytest.param("PATCH", "/v1/organizations/{org}/memberships/{user}/metadata", {}, id="metadata"),
    pytest.param("GET", "/v1/users/{user}/organization_memberships", None, id="user-memberships"),
    pytest.param("GET", "/v1/organization_memberships", None, id="instance-memberships"),
]


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
async def test_every_operation_needs_organizations_enabled(
    app: FastAPI,
    instance: InstanceKeys,
    client: httpx.AsyncClient,
    organization: dict[str, str],
    recorded_events: RecordedEvents,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    user = await make_user(client)
    await add_member(client, organization["id"], user["id"], "org:admin")
    before = await recorded_events()
    await set_organization_settings(app, instance.instance_id, enabled=False)

    def fill(text: str) -> str:
        return text.replace("{org}", organization["id"]).replace("{user}", user["id"])

    request_body = {name: fill(value) for name, value in body.items()} if body is not None else None
    response = await client.request(method, fill(path), json=request_body)
    assert (response.status_code, error_code(response)) == (403, "organization_not_enabled_in_instance")
    assert await recorded_events() == before
