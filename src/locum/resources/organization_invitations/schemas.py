"""Request bodies and query models of the organization invitation operations (Clerk's shapes)."""

from typing import Literal

from pydantic import Field

from locum.api.bodies import ClerkBody, LongText, Metadata
from locum.api.pagination import PageQuery

InvitationStatus = Literal["pending", "accepted", "revoked", "expired"]
MAX_EXPIRES_IN_DAYS = 365


class CreateOrganizationInvitationBody(ClerkBody):
    email_address: str
    role: str
    inviter_user_id: str | None = None
    public_metadata: Metadata | None = None
    private_metadata: Metadata | None = None
    redirect_url: LongText | None = None
    expires_in_days: int | None = Field(default=None, ge=1, le=MAX_EXPIRES_IN_DAYS)
    notify: bool | None = None


class RevokeOrganizationInvitationBody(ClerkBody):
    requesting_user_id: str | None = None


class AcceptOrganizationInvitationBody(ClerkBody):
    """locum's own: what the invitee does through Clerk's Frontend API."""

    user_id: str


class OrganizationInvitationListParams(PageQuery):
    status: InvitationStatus | None = None
    email_address: str | None = None
    order_by: str | None = None


class InstanceInvitationListParams(PageQuery):
    status: InvitationStatus | None = None
    query: str | None = None
    order_by: str | None = None


class UserInvitationListParams(PageQuery):
    # Checked by the service: this operation declares 400, not 422, for a bad value.
    status: str | None = None
