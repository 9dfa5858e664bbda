"""Organization invitations: create (one, bulk), list (organization, pending, instance, user), get,
revoke, expiry, and locum's accept endpoint."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from locum.instances.service import InstanceKeys
from tests.builders import error_code, insert_organization, make_user, set_organization_settings, unique_email
from tests.conftest import RecordedEvents
from tests.verification_codes import frozen_clock

DAY_MS = 86_400_000
T0 = 1_800_000_000_000


@pytest.fixture
async def org(app: FastAPI, instance: InstanceKeys) -> dict[str, str]:
    return await insert_organization(app, instance.instance_id)


async def invite(client: httpx.AsyncClient, org_id: str, email: str | None = None, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"/v1/organizations/{org_id}/invitations",
        json={"email_address": email or unique_email("inv"), "role": "org:member", **body},
    )
    assert response.status_code == 200, response.text
    invitation: dict[str, Any] = response.json()
    return invitation


def organization_events(events: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [(kind, data) for kind, data in events if kind.startswith("organization")]


def event_types(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [kind for kind, _ in organization_events(events)]


async def messages_to(client: httpx.AsyncClient, to: str) -> list[dict[str, Any]]:
    response = await client.get("/locum/messages", params={"to": to})
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["data"]
    return messages


class TestCreateOrganizationInvitation:
    async def test_creates_pending_invitation_emails_link_and_records_event(
        self, client: httpx.AsyncClient, org: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        with frozen_clock(T0):
            invitation = await invite(
                client,
                org["id"],
                "Grace@Example.com",
                public_metadata={"team": "a"},
                private_metadata={"note": 1},
                redirect_url="https://app.example.com/join?x=1",
                expires_in_days=7,
            )
        assert invitation["id"].startswith("orginv_") and invitation["object"] == "organization_invitation"
        assert invitation["email_address"] == "Grace@example.com"
        assert (invitation["role"], invitation["role_name"], invitation["status"]) == (
            "org:member",
            "Member",
            "pending",
        )
        assert invitation["organization_id"] == org["id"]
        assert invitation["inviter_id"] is None and invitation["public_inviter_data"] is None
        assert invitation["public_metadata"] == {"team": "a"} and invitation["private_metadata"] == {"note": 1}
        assert invitation["created_at"] == T0 and invitation["expires_at"] == T0 + 7 * DAY_MS
        url = urlsplit(invitation["url"])
        assert url.netloc == "app.example.com" and url.path == "/join"
        query = parse_qs(url.query)
        assert query["x"] == ["1"] and query["__clerk_ticket"][0]
        [message] = await messages_to(client, "Grace@example.com")
        assert (message["slug"], message["data"]["action_url"]) == ("organization_invitation", invitation["url"])
        [(kind, data)] = organization_events(await recorded_events())
        assert kind == "organizationInvitation.created"
        assert {key: value for key, value in data.items() if key != "data"} == invitation
        assert data["data"]["public_organization_data"]["id"] == org["id"]

    async def test_defaults_to_thirty_days_and_a_locum_url(
        self, client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        with frozen_clock(T0):
            invitation = await invite(client, org["id"])
        assert invitation["expires_at"] == T0 + 30 * DAY_MS
        assert invitation["url"].startswith(f"http://locum.test/locum/organization_invitations/{invitation['id']}/")
        assert "__clerk_ticket=" in invitation["url"]

    async def test_notify_false_sends_nothing(self, client: httpx.AsyncClient, org: dict[str, str]) -> None:
        invitation = await invite(client, org["id"], notify=False)
        assert await messages_to(client, invitation["email_address"]) == []

    async def test_admin_inviter_is_shown(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        admin = await make_user(client, first_name="Ada")
        org = await insert_organization(app, instance.instance_id, members={admin["id"]: "org:admin"})
        invitation = await invite(client, org["id"], inviter_user_id=admin["id"])
        assert invitation["inviter_id"] == admin["id"]
        inviter = invitation["public_inviter_data"]
        assert inviter["user_id"] == admin["id"] and inviter["first_name"] == "Ada"
        assert inviter["identifier"] == admin["email_addresses"][0]["email_address"]

    @pytest.mark.parametrize(
        ("role", "status", "code"),
        [
            pytest.param("org:member", 403, "missing_organization_permission", id="member-without-permission"),
            pytest.param(None, 403, "not_a_member_in_organization", id="not-a-member"),
        ],
    )
    async def test_inviter_must_manage_memberships(
        self,
        app: FastAPI,
        instance: InstanceKeys,
        client: httpx.AsyncClient,
        recorded_events: RecordedEvents,
        role: str | None,
        status: int,
        code: str,
    ) -> None:
        user = await make_user(client)
        org = await insert_organization(app, instance.instance_id, members={user["id"]: role} if role else None)
        response = await client.post(
            f"/v1/organizations/{org['id']}/invitations",
            json={"email_address": unique_email(), "role": "org:member", "inviter_user_id": user["id"]},
        )
        assert (response.status_code, error_code(response)) == (status, code)
        assert "organizationInvitation.created" not in event_types(await recorded_events())

    async def test_unknown_inviter_is_404(self, client: httpx.AsyncClient, org: dict[str, str]) -> None:
        response = await client.post(
            f"/v1/organizations/{org['id']}/invitations",
            json={"email_address": unique_email(), "role": "org:member", "inviter_user_id": "user_missing"},
        )
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")

    async def test_duplicate_pending_invitation(
        self, client: httpx.AsyncClient, org: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        first = await invite(client, org["id"], "dup@example.com")
        response = await client.post(
            f"/v1/organizations/{org['id']}/invitations", json={"email_address": "DUP@example.com", "role": "org:admin"}
        )
        assert (response.status_code, error_code(response)) == (400, "organization_invitation_not_unique")
        assert len(organization_events(await recorded_events())) == 1
        await client.post(f"/v1/organizations/{org['id']}/invitations/{first['id']}/revoke")
        assert (await invite(client, org["id"], "dup@example.com"))["status"] == "pending"

    async def test_existing_member_cannot_be_invited(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        member = await make_user(client)
        org = await insert_organization(app, instance.instance_id, members={member["id"]: "org:member"})
        response = await client.post(
            f"/v1/organizations/{org['id']}/invitations",
            json={"email_address": member["email_addresses"][0]["email_address"].upper(), "role": "org:member"},
        )
        assert (response.status_code, error_code(response)) == (400, "already_a_member_in_organization")

    async def test_pending_invitations_count_towards_the_membership_limit(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        member = await make_user(client)
        org = await insert_organization(
            app, instance.instance_id, max_allowed_memberships=2, members={member["id"]: "org:admin"}
        )
        await invite(client, org["id"])
        response = await client.post(
            f"/v1/organizations/{org['id']}/invitations", json={"email_address": unique_email(), "role": "org:member"}
        )
        assert (response.status_code, error_code(response)) == (403, "organization_membership_quota_exceeded")

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"role": "org:member"}, "form_param_missing", id="no-email"),
            pytest.param({"email_address": "a@example.com"}, "form_param_missing", id="no-role"),
            pytest.param({"email_address": "nope", "role": "org:member"}, "form_param_format_invalid", id="bad-email"),
            pytest.param({"email_address": "a@example.com", "role": "org:boss"}, "form_param_value_invalid", id="role"),
            pytest.param(
                {"email_address": "a@example.com", "role": "org:member", "expires_in_days": 366},
                "form_param_value_invalid",
                id="expires-in-days",
            ),
            pytest.param(
                {"email_address": "a@example.com", "role": "org:member", "x": 1}, "form_param_unknown", id="x"
            ),
        ],
    )
    async def test_validation(
        self, client: httpx.AsyncClient, org: dict[str, str], body: dict[str, Any], code: str
    ) -> None:
        response = await client.post(f"/v1/organizations/{org['id']}/invitations", json=body)
        assert (response.status_code, error_code(response)) == (422, code)

    async def test_unknown_and_foreign_organization(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        body = {"email_address": unique_email(), "role": "org:member"}
        for http, org_id in ((client, "org_missing"), (other_client, org["id"])):
            response = await http.post(f"/v1/organizations/{org_id}/invitations", json=body)
            assert (response.status_code, error_code(response)) == (404, "resource_not_found")

    async def test_organizations_disabled(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        org = await insert_organization(app, instance.instance_id)
        await set_organization_settings(app, instance.instance_id, enabled=False)
        response = await client.post(
            f"/v1/organizations/{org['id']}/invitations", json={"email_address": unique_email(), "role": "org:member"}
        )
        assert (response.status_code, error_code(response)) == (403, "organization_not_enabled_in_instance")


class TestCreateOrganizationInvitationBulk:
    async def test_creates_all(
        self, client: httpx.AsyncClient, org: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        body = [{"email_address": unique_email(), "role": role} for role in ("org:member", "org:admin")]
        response = await client.post(f"/v1/organizations/{org['id']}/invitations/bulk", json=body)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["total_count"] == 2
        assert [(i["email_address"], i["role"]) for i in page["data"]] == [
            (b["email_address"], b["role"]) for b in body
        ]
        assert event_types(await recorded_events()) == ["organizationInvitation.created"] * 2

    async def test_all_or_nothing(
        self, client: httpx.AsyncClient, org: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        email = unique_email()
        body = [{"email_address": email, "role": "org:member"}, {"email_address": email, "role": "org:admin"}]
        response = await client.post(f"/v1/organizations/{org['id']}/invitations/bulk", json=body)
        assert (response.status_code, error_code(response)) == (400, "organization_invitation_not_unique")
        assert (await client.get(f"/v1/organizations/{org['id']}/invitations")).json()["total_count"] == 0
        assert await recorded_events() == []

    async def test_at_most_ten(self, client: httpx.AsyncClient, org: dict[str, str]) -> None:
        body = [{"email_address": unique_email(), "role": "org:member"} for _ in range(11)]
        response = await client.post(f"/v1/organizations/{org['id']}/invitations/bulk", json=body)
        assert (response.status_code, error_code(response)) == (400, "bulk_size_exceeded")

    async def test_validation_and_isolation(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        response = await client.post(f"/v1/organizations/{org['id']}/invitations/bulk", json=[{"role": "org:member"}])
        assert (response.status_code, error_code(response)) == (422, "form_param_missing")
        body = [{"email_address": unique_email(), "role": "org:member"}]
        response = await other_client.post(f"/v1/organizations/{org['id']}/invitations/bulk", json=body)
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")


class TestListOrganizationInvitations:
    async def test_filters_order_and_pages(self, client: httpx.AsyncClient, org: dict[str, str]) -> None:
        with frozen_clock(T0) as move:
            b = await invite(client, org["id"], "b@example.com")
            move(T0 + 1)
            a = await invite(client, org["id"], "a@example.com")
            move(T0 + 2)
            c = await invite(client, org["id"], "c@example.com")
            await client.post(f"/v1/organizations/{org['id']}/invitations/{c['id']}/revoke")
        url = f"/v1/organizations/{org['id']}/invitations"
        listed = (await client.get(url)).json()
        assert [i["id"] for i in listed["data"]] == [c["id"], a["id"], b["id"]] and listed["total_count"] == 3
        by_email = (await client.get(url, params={"order_by": "email_address"})).json()["data"]
        assert [i["id"] for i in by_email] == [a["id"], b["id"], c["id"]]
        pending = (await client.get(url, params={"status": "pending"})).json()
        assert {i["id"] for i in pending["data"]} == {a["id"], b["id"]} and pending["total_count"] == 2
        revoked = (await client.get(url, params={"status": "revoked"})).json()["data"]
        assert [i["status"] for i in revoked] == ["revoked"]
        assert [i["id"] for i in (await client.get(url, params={"email_address": "B@example.com"})).json()["data"]] == [
            b["id"]
        ]
        paged = (await client.get(url, params={"limit": 1, "offset": 1, "order_by": "+created_at"})).json()
        assert [i["id"] for i in paged["data"]] == [a["id"]] and paged["total_count"] == 3

    @pytest.mark.parametrize("params", [{"status": "gone"}, {"order_by": "role"}, {"limit": 0}])
    async def test_validation(self, client: httpx.AsyncClient, org: dict[str, str], params: dict[str, Any]) -> None:
        response = await client.get(f"/v1/organizations/{org['id']}/invitations", params=params)
        assert (response.status_code, error_code(response)) == (422, "form_param_value_invalid")

    async def test_isolation(self, other_client: httpx.AsyncClient, org: dict[str, str]) -> None:
        response = await other_client.get(f"/v1/organizations/{org['id']}/invitations")
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")


class TestListPendingOrganizationInvitations:
    async def test_only_pending(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        kept = await invite(client, org["id"])
        revoked = await invite(client, org["id"])
        await client.post(f"/v1/organizations/{org['id']}/invitations/{revoked['id']}/revoke")
        page = (await client.get(f"/v1/organizations/{org['id']}/invitations/pending")).json()
        assert [i["id"] for i in page["data"]] == [kept["id"]] and page["total_count"] == 1
        response = await other_client.get(f"/v1/organizations/{org['id']}/invitations/pending")
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")


class TestGetOrganizationInvitation:
    async def test_get_and_not_found(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        org = await insert_organization(app, instance.instance_id)
        other_org = await insert_organization(app, instance.instance_id, name="Other")
        invitation = await invite(client, org["id"])
        url = f"/v1/organizations/{org['id']}/invitations/{invitation['id']}"
        assert (await client.get(url)).json() == invitation
        by_slug = await client.get(f"/v1/organizations/{org['slug']}/invitations/{invitation['id']}")
        assert by_slug.json()["id"] == invitation["id"]
        for http, path in (
            (client, f"/v1/organizations/{org['id']}/invitations/orginv_missing"),
            (client, f"/v1/organizations/{other_org['id']}/invitations/{invitation['id']}"),
            (other_client, url),
        ):
            response = await http.get(path)
            assert (response.status_code, error_code(response)) == (404, "resource_not_found")


class TestRevokeOrganizationInvitation:
    async def test_revokes_once(
        self, client: httpx.AsyncClient, org: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        invitation = await invite(client, org["id"])
        url = f"/v1/organizations/{org['id']}/invitations/{invitation['id']}/revoke"
        response = await client.post(url)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "revoked"
        assert event_types(await recorded_events()) == [
            "organizationInvitation.created",
            "organizationInvitation.revoked",
        ]
        again = await client.post(url, json={})
        assert (again.status_code, error_code(again)) == (404, "organization_invitation_not_pending")
        assert len(organization_events(await recorded_events())) == 2

    async def test_requesting_user_must_manage_memberships(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        admin, member = await make_user(client), await make_user(client)
        org = await insert_organization(
            app, instance.instance_id, members={admin["id"]: "org:admin", member["id"]: "org:member"}
        )
        invitation = await invite(client, org["id"])
        url = f"/v1/organizations/{org['id']}/invitations/{invitation['id']}/revoke"
        response = await client.post(url, json={"requesting_user_id": member["id"]})
        assert (response.status_code, error_code(response)) == (403, "missing_organization_permission")
        response = await client.post(url, json={"requesting_user_id": admin["id"]})
        assert response.json()["status"] == "revoked"

    async def test_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        invitation = await invite(client, org["id"])
        for http, invitation_id in ((client, "orginv_missing"), (other_client, invitation["id"])):
            response = await http.post(f"/v1/organizations/{org['id']}/invitations/{invitation_id}/revoke")
            assert (response.status_code, error_code(response)) == (404, "resource_not_found")


class TestExpiry:
    async def test_expired_on_read_and_no_longer_pending(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        org = await insert_organization(app, instance.instance_id, max_allowed_memberships=1)
        with frozen_clock(T0) as move:
            invitation = await invite(client, org["id"], "late@example.com", expires_in_days=1)
            move(T0 + DAY_MS)
            url = f"/v1/organizations/{org['id']}/invitations"
            assert (await client.get(f"{url}/{invitation['id']}")).json()["status"] == "expired"
            assert (await client.get(url, params={"status": "pending"})).json()["total_count"] == 0
            assert [i["id"] for i in (await client.get(url, params={"status": "expired"})).json()["data"]] == [
                invitation["id"]
            ]
            response = await client.post(f"{url}/{invitation['id']}/revoke")
            assert (response.status_code, error_code(response)) == (404, "organization_invitation_not_pending")
            # An expired invitation neither blocks a new one nor takes a seat.
            assert (await invite(client, org["id"], "late@example.com"))["status"] == "pending"


class TestListInstanceOrganizationInvitations:
    async def test_lists_across_organizations(
        self,
        app: FastAPI,
        instance: InstanceKeys,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
    ) -> None:
        first = await insert_organization(app, instance.instance_id, name="First")
        second = await insert_organization(app, instance.instance_id, name="Second")
        one = await invite(client, first["id"], "one@example.com")
        two = await invite(client, second["id"], "two@example.com")
        await client.post(f"/v1/organizations/{second['id']}/invitations/{two['id']}/revoke")
        page = (await client.get("/v1/organization_invitations")).json()
        assert [i["id"] for i in page["data"]] == [two["id"], one["id"]] and page["total_count"] == 2
        assert page["data"][0]["public_organization_data"]["name"] == "Second"
        queried = (await client.get("/v1/organization_invitations", params={"query": "ONE@"})).json()["data"]
        assert [i["id"] for i in queried] == [one["id"]]
        revoked = (await client.get("/v1/organization_invitations", params={"status": "revoked"})).json()["data"]
        assert [i["id"] for i in revoked] == [two["id"]]
        ordered = (await client.get("/v1/organization_invitations", params={"order_by": "email_address"})).json()
        assert [i["id"] for i in ordered["data"]] == [one["id"], two["id"]]
        assert (await other_client.get("/v1/organization_invitations")).json() == {"data": [], "total_count": 0}

    async def test_validation(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/organization_invitations", params={"order_by": "-role"})
        assert (response.status_code, error_code(response)) == (422, "form_param_value_invalid")


class TestUsersGetOrganizationInvitations:
    async def test_invitations_to_any_of_the_users_addresses(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        first_email, second_email = unique_email("me"), unique_email("me")
        user = await make_user(client, email_address=[first_email, second_email])
        first = await insert_organization(app, instance.instance_id, name="First")
        second = await insert_organization(app, instance.instance_id, name="Second")
        one = await invite(client, first["id"], first_email)
        two = await invite(client, second["id"], second_email.upper())
        await invite(client, second["id"])
        await client.post(f"/v1/organizations/{first['id']}/invitations/{one['id']}/revoke")
        url = f"/v1/users/{user['id']}/organization_invitations"
        page = (await client.get(url)).json()
        assert [i["id"] for i in page["data"]] == [two["id"], one["id"]] and page["total_count"] == 2
        assert page["data"][0]["public_organization_data"]["id"] == second["id"]
        assert [i["id"] for i in (await client.get(url, params={"status": "revoked"})).json()["data"]] == [one["id"]]
        response = await client.get(url, params={"status": "gone"})
        assert (response.status_code, error_code(response)) == (400, "form_param_value_invalid")
        for http, path in ((client, "/v1/users/user_missing/organization_invitations"), (other_client, url)):
            response = await http.get(path)
            assert (response.status_code, error_code(response)) == (404, "resource_not_found")


class TestAcceptOrganizationInvitation:
    async def test_invitee_becomes_member(
        self, client: httpx.AsyncClient, org: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        email = unique_email("invitee")
        user = await make_user(client, email_address=[email])
        invitation = await invite(
            client, org["id"], email, role="org:admin", public_metadata={"a": 1}, private_metadata={"b": 2}
        )
        response = await client.post(
            f"/locum/organization_invitations/{invitation['id']}/accept", json={"user_id": user["id"]}
        )
        assert response.status_code == 200, response.text
        accepted = response.json()
        assert accepted["status"] == "accepted"
        assert (await client.get(f"/v1/organizations/{org['id']}/invitations/{invitation['id']}")).json() == accepted
        events = organization_events(await recorded_events())
        assert event_types(events) == [
            "organizationInvitation.created",
            "organizationMembership.created",
            "organizationInvitation.accepted",
        ]
        membership = events[1][1]
        assert membership["role"] == "org:admin" and membership["public_user_data"]["user_id"] == user["id"]
        assert (membership["public_metadata"], membership["private_metadata"]) == ({"a": 1}, {"b": 2})
        assert events[2][1]["user_id"] == user["id"] and events[2][1]["status"] == "accepted"
        again = await client.post(
            f"/locum/organization_invitations/{invitation['id']}/accept", json={"user_id": user["id"]}
        )
        assert (again.status_code, error_code(again)) == (404, "organization_invitation_not_pending")

    async def test_user_must_own_the_address(
        self, client: httpx.AsyncClient, org: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        stranger = await make_user(client)
        invitation = await invite(client, org["id"])
        response = await client.post(
            f"/locum/organization_invitations/{invitation['id']}/accept", json={"user_id": stranger["id"]}
        )
        assert (response.status_code, error_code(response)) == (400, "organization_invitation_identification_not_exist")
        assert event_types(await recorded_events()) == ["organizationInvitation.created"]

    async def test_revoked_unknown_and_foreign(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        email = unique_email("invitee")
        user = await make_user(client, email_address=[email])
        invitation = await invite(client, org["id"], email)
        response = await other_client.post(
            f"/locum/organization_invitations/{invitation['id']}/accept", json={"user_id": user["id"]}
        )
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")
        response = await client.post("/locum/organization_invitations/orginv_missing/accept", json={"user_id": "x"})
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")
        await client.post(f"/v1/organizations/{org['id']}/invitations/{invitation['id']}/revoke")
        response = await client.post(
            f"/locum/organization_invitations/{invitation['id']}/accept", json={"user_id": user["id"]}
        )
        assert (response.status_code, error_code(response)) == (404, "organization_invitation_not_pending")
        response = await client.post(f"/locum/organization_invitations/{invitation['id']}/accept", json={})
        assert (response.status_code, error_code(response)) == (422, "form_param_missing")
