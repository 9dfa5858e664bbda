"""Request bodies and query models of the organization membership operations, after Clerk's shapes."""

from pydantic import BaseModel, Field

from locum.api.bodies import ClerkBody, Metadata
from locum.api.paging import DEFAULT_LIMIT, MAX_LIMIT


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


class PageQuery(BaseModel):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class OrderedPageQuery(PageQuery):
    order_by: str | None = None


class MembershipListQuery(OrderedPageQuery):
    """GET /organizations/{id}/memberships: filters on the members' user records and on the role."""

    user_id: list[str] = []
    email_address: list[str] = []
    phone_number: list[str] = []
    username: list[str] = []
    web3_wallet: list[str] = []
    role: list[str] = []
    query: str | None = None
    email_address_query: str | None = None
    phone_number_query: str | None = None
    username_query: str | None = None
    name_query: str | None = None
    last_active_at_before: int | None = None
    last_active_at_after: int | None = None
    created_at_before: int | None = None
    created_at_after: int | None = None
