import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.builders import unique_email
from tests.sdk.conftest import LocumServer


def new_organization(clerk: Clerk, admin_id: str) -> models.Organization:
    return clerk.organizations.create(request={"name": "Invitations Inc", "created_by": admin_id})


def test_invite_list_get_revoke(clerk: Clerk) -> None:
    admin = clerk.users.create(email_address=[unique_email("sdkadmin")], first_name="Ada")
    organization = new_organization(clerk, admin.id)
    email = unique_email("sdkinv")
    created = clerk.organization_invitations.create(
        organization_id=organization.id,
        email_address=email,
        role="org:member",
        inviter_user_id=admin.id,
        public_metadata={"team": "a"},
        redirect_url="https://app.example.com/join",
        expires_in_days=3,
    )
    assert isinstance(created, models.OrganizationInvitation)
    assert created.status == "pending" and created.role == "org:member" and created.inviter_id == admin.id
    assert created.public_inviter_data is not None and created.public_inviter_data.first_name == "Ada"
    assert created.url is not None and "__clerk_ticket=" in created.url

    bulk = clerk.organization_invitations.bulk_create(
        organization_id=organization.id,
        request_body=[{"email_address": unique_email("sdkbulk"), "role": "org:admin"}],
    )
    assert isinstance(bulk, models.OrganizationInvitations) and bulk.total_count == 1

    listed = clerk.organization_invitations.list(organization_id=organization.id, email_address=email)
    assert [i.id for i in listed.data] == [created.id] and listed.total_count == 1
    pending = clerk.organization_invitations.list_pending(organization_id=organization.id)
    assert {i.id for i in pending.data} == {created.id, bulk.data[0].id}
    fetched = clerk.organization_invitations.get(organization_id=organization.id, invitation_id=created.id)
    assert fetched.id == created.id and fetched.public_metadata == {"team": "a"}

    everywhere = clerk.organization_invitations.get_all(query=email)
    assert isinstance(everywhere, models.OrganizationInvitationsWithPublicOrganizationData)
    [found] = everywhere.data
    assert found.public_organization_data is not None and found.public_organization_data.id == organization.id

    revoked = clerk.organization_invitations.revoke(
        organization_id=organization.id, invitation_id=created.id, requesting_user_id=admin.id
    )
    assert revoked.status == "revoked"
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.organization_invitations.revoke(organization_id=organization.id, invitation_id=created.id)
    assert raised.value.data.errors[0].code == "organization_invitation_not_pending"


def test_user_invitations_and_acceptance(clerk: Clerk, server: LocumServer) -> None:
    admin = clerk.users.create(email_address=[unique_email("sdkadmin")])
    organization = new_organization(clerk, admin.id)
    email = unique_email("sdkinvitee")
    invitee = clerk.users.create(email_address=[email])
    invitation = clerk.organization_invitations.create(
        organization_id=organization.id, email_address=email, role="org:member"
    )

    mine = clerk.users.get_organization_invitations(user_id=invitee.id, status="pending")
    assert isinstance(mine, models.OrganizationInvitationsWithPublicOrganizationData)
    assert [i.id for i in mine.data] == [invitation.id]

    response = httpx.post(
        f"{server.origin}/locum/organization_invitations/{invitation.id}/accept",
        json={"user_id": invitee.id},
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )
    assert response.status_code == 200, response.text
    accepted = clerk.organization_invitations.get(organization_id=organization.id, invitation_id=invitation.id)
    assert accepted.status == "accepted"
    assert clerk.users.get_organization_invitations(user_id=invitee.id, status="pending").total_count == 0


def test_errors_are_typed(clerk: Clerk) -> None:
    admin = clerk.users.create(email_address=[unique_email("sdkadmin")])
    organization = new_organization(clerk, admin.id)
    email = unique_email("sdkdup")
    clerk.organization_invitations.create(organization_id=organization.id, email_address=email, role="org:member")
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.organization_invitations.create(organization_id=organization.id, email_address=email, role="org:member")
    assert raised.value.data.errors[0].code == "organization_invitation_not_unique"
    with pytest.raises(models.ClerkErrors):
        clerk.organization_invitations.get(organization_id=organization.id, invitation_id="orginv_missing")
