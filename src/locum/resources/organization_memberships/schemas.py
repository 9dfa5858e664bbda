"""Request bodies and query models of the organization membership operations, after Clerk's shapes."""

from pydantic import Field

from locum.api.bodies import ClerkBody, Metadata
from locum.api.pagination import PageQuery


class CreateMembershipBody(ClerkBody):
    user_id: str
    role: str
    public_metadata: Metadata | None = None
    private_metadata: Metadata | None = None


class UpdateMembershipBody(ClerkBody):
    role: str


class MembershipMetadataBody(ClerkBody):
    public_metadata: Metadata | None = None
    private_metadata: Metadata | None = None


class OrderedPageQuery(PageQuery):
    order_by: str | None = None


class MembershipListQuery(OrderedPageQuery):
    """GET /organizations/{id}/memberships: filters on the members' user records and on the role."""

    user_id: list[str] = Field([])
    email_address: list[str] = Field([])
    phone_number: list[str] = Field([])
    username: list[str] = Field([])
    web3_wallet: list[str] = Field([])
    role: list[str] = Field([])
    query: str | None = None
    email_address_query: str | None = None
    phone_number_query: str | None = None
    username_query: str | None = None
    name_query: str | None = None
    last_active_at_before: int | None = None
    last_active_at_after: int | None = None
    created_at_before: int | None = None
    created_at_after: int | None = None
