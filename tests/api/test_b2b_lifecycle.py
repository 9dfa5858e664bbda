"""Clerk's B2B life cycle end to end, with the organization's counts checked at every step."""

import httpx

from tests.builders import error_code, make_user
from tests.conftest import RecordedEvents


async def counts(client: httpx.AsyncClient, organization_id: str) -> tuple[int, int]:
    response = await client.get(f"/v1/organizations/{organization_id}", params={"include_members_count": "true"})
    organization = response.json()
    return organization["members_count"], organization["pending_invitations_count"]


async def test_organization_life_cycle(client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
    founder = await make_user(client, email_address=["founder@acme-corp.com"])
    bea = await make_user(client, email_address=["bea@acme-corp.com"])
    carl = await make_user(client, email_address=["carl@acme-corp.com"])
    dora = await make_user(client, email_address=["dora@acme-corp.com"])

    created = await client.post("/v1/organizations", json={"name": "Acme", "created_by": founder["id"]})
    assert created.status_code == 200, created.text
    organization_id = created.json()["id"]
    path = f"/v1/organizations/{organization_id}"
    assert await counts(client, organization_id) == (1, 0)

    single = await client.post(f"{path}/invitations", json={"email_address": "bea@acme-corp.com", "role": "org:member"})
    bulk = await client.post(
        f"{path}/invitations/bulk", json=[{"email_address": "carl@acme-corp.com", "role": "org:member"}]
    )
    assert single.status_code == 200 and bulk.status_code == 200, (single.text, bulk.text)
    assert await counts(client, organization_id) == (1, 2)

    accepted = await client.post(
        f"/locum/organization_invitations/{single.json()['id']}/accept", json={"user_id": bea["id"]}
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted", accepted.text
    assert await counts(client, organization_id) == (2, 1)

    carl_invitation = bulk.json()["data"][0]["id"]
    revoked = await client.post(f"{path}/invitations/{carl_invitation}/revoke", json={})
    assert revoked.json()["status"] == "revoked"
    assert await counts(client, organization_id) == (2, 0)

    promoted = await client.patch(f"{path}/memberships/{bea['id']}", json={"role": "org:admin"})
    assert promoted.json()["role"] == "org:admin"

    permission = (
        await client.post(
            "/v1/organization_permissions",
            json={"name": "Read reports", "key": "org:reports:read", "description": "Read the reports"},
        )
    ).json()
    role = (
        await client.post(
            "/v1/organization_roles", json={"name": "Analyst", "key": "org:analyst", "description": "Reads reports"}
        )
    ).json()
    assigned = await client.post(f"/v1/organization_roles/{role['id']}/permissions/{permission['id']}")
    assert [p["key"] for p in assigned.json()["permissions"]] == ["org:reports:read"]
    analyst = await client.patch(f"{path}/memberships/{bea['id']}", json={"role": "org:analyst"})
    assert analyst.json()["permissions"] == ["org:reports:read"]

    assert (await client.patch(path, json={"max_allowed_memberships": 2})).status_code == 200
    refused = await client.post(f"{path}/memberships", json={"user_id": dora["id"], "role": "org:member"})
    assert (refused.status_code, error_code(refused)) == (403, "organization_membership_quota_exceeded")
    assert await counts(client, organization_id) == (2, 0)

    demoted = await client.patch(f"{path}/memberships/{founder['id']}", json={"role": "org:member"})
    removed = await client.delete(f"{path}/memberships/{founder['id']}")
    for response in (demoted, removed):
        assert (response.status_code, error_code(response)) == (400, "organization_minimum_permissions_needed")

    deleted = await client.delete(path)
    assert deleted.json()["deleted"] is True
    assert (await client.get(path)).status_code == 404
    for user in (founder, bea):
        memberships = await client.get(f"/v1/users/{user['id']}/organization_memberships")
        assert memberships.json() == {"data": [], "total_count": 0}
    invitations = await client.get(f"/v1/users/{carl['id']}/organization_invitations")
    assert invitations.json() == {"data": [], "total_count": 0}
    assert (await client.get("/v1/organization_memberships")).json()["total_count"] == 0

    kinds = [kind for kind, _ in await recorded_events()]
    for expected in (
        "organization.created",
        "organizationInvitation.created",
        "organizationInvitation.accepted",
        "organizationInvitation.revoked",
        "organizationMembership.updated",
        "permission.created",
        "role.created",
        "organization.deleted",
    ):
        assert expected in kinds
