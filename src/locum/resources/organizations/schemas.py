"""Request bodies and the list query of the Organizations operations, named after Clerk's shapes.

PATCH bodies tell "not given" from "null" through `model_fields_set`; a null is treated as not given.
"""

from pydantic import BaseModel, Field

from locum.api.bodies import ClerkBody, Int32, Metadata
from locum.api.pagination import PageQuery

MAX_ID_FILTER_VALUES = 100


class OrganizationMetadataBody(ClerkBody):
    public_metadata: Metadata | None = None
    private_metadata: Metadata | None = None


class _OrganizationFields(OrganizationMetadataBody):
    """What creation and update both set."""

    # Optional so that a missing name is Clerk's form_param_missing on `name`, body or not.
    name: str | None = None
    slug: str | None = None
    max_allowed_memberships: Int32 | None = None
    created_at: str | None = None
    role_set_key: str | None = None


class CreateOrganizationBody(_OrganizationFields):
    created_by: str | None = None


class UpdateOrganizationBody(_OrganizationFields):
    admin_delete_enabled: bool | None = None


class OrganizationCountsParams(BaseModel):
    """The optional extras GET /organizations and GET /organizations/{id} compute on request."""

    include_members_count: bool = False
    include_missing_member_with_elevated_permissions: bool = False


class OrganizationListParams(OrganizationCountsParams, PageQuery):
    query: str | None = None
    user_id: list[str] = Field([], max_length=MAX_ID_FILTER_VALUES)
    organization_id: list[str] = Field([], max_length=MAX_ID_FILTER_VALUES)
    order_by: str | None = None
