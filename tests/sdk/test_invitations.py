"""Invitations and sign-ups through the official SDK against a real server: create, bulk, list,
revoke, and a sign-up with the invitation's ticket whose record GetSignUp / UpdateSignUp serve."""

import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.builders import unique_email
from tests.sdk.conftest import LocumServer


def accept(server: LocumServer, url: str) -> httpx.Response:
    ticket = httpx.URL(url).params["__clerk_ticket"]
    return httpx.post(
        f"{server.origin}/locum/sign_ups",
        json={"ticket": ticket, "first_name": "Sdk"},
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )


def test_create_list_revoke(clerk: Clerk) -> None:
    email = unique_email("sdkinv")
    created = clerk.invitations.create(request={"email_address": email, "public_metadata": {"tier": 1}})
    assert isinstance(created, models.Invitation)
    assert created.status == models.InvitationStatus.PENDING and created.url
    listed = clerk.invitations.list(query=email, status=models.ListInvitationsQueryParamStatus.PENDING)
    assert [i.id for i in listed] == [created.id]
    revoked = clerk.invitations.revoke(invitation_id=created.id)
    assert isinstance(revoked, models.InvitationRevoked)
    assert revoked.status == models.InvitationRevokedStatus.REVOKED
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.invitations.revoke(invitation_id=created.id)
    assert raised.value.data.errors[0].code == "invitation_already_revoked"


def test_bulk_create_and_duplicate_refusal(clerk: Clerk) -> None:
    emails = [unique_email("sdkbulk") for _ in range(2)]
    created = clerk.invitations.bulk_create(request=[{"email_address": e, "notify": False} for e in emails])
    assert [i.email_address for i in created] == emails
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.invitations.create(request={"email_address": emails[0]})
    assert raised.value.data.errors[0].code == "duplicate_record"


def test_sign_up_with_the_ticket_then_get_and_update_the_sign_up(clerk: Clerk, server: LocumServer) -> None:
    email = unique_email("sdksignup")
    invitation = clerk.invitations.create(request={"email_address": email})
    response = accept(server, invitation.url or "")
    assert response.status_code == 200, response.text
    sign_up_id = response.json()["sign_up"]["id"]
    sign_up = clerk.sign_ups.get(id=sign_up_id)
    assert isinstance(sign_up, models.SignUp)
    assert sign_up.status == models.SignUpStatus.COMPLETE and sign_up.email_address == email
    user = clerk.users.get(user_id=sign_up.created_user_id or "")
    assert user.first_name == "Sdk"
    updated = clerk.sign_ups.update(id=sign_up_id, external_id="crm-7", custom_action=True)
    assert (updated.external_id, updated.custom_action) == ("crm-7", True)
    [accepted] = clerk.invitations.list(query=email)
    assert accepted.status == models.InvitationStatus.ACCEPTED
