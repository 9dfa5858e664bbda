"""Request bodies and list query strings of the Organization Roles and Organization Permissions operations.

PATCH bodies treat `null` like an absent field: Clerk documents every field of them as optional
("update only the fields you want to change").
"""

from typing import Annotated

from pydantic import BaseModel, Field

from locum.api.bodies import ClerkBody, LongText
from locum.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from locum.db.models.organizations import KEY_LENGTH, NAME_LENGTH

Name = Annotated[str, Field(min_length=1, max_length=NAME_LENGTH)]
Key = Annotated[str, Field(min_length=1, max_length=KEY_LENGTH)]


class CreateOrganizationRoleBody(ClerkBody):
    name: Name
    key: Key
    description: LongText | None = None
    # Permission ids, as the spec names them.
    permissions: list[str] | None = None
    include_in_initial_role_set: bool | None = None


class UpdateOrganizationRoleBody(ClerkBody):
    name: Name | None = None
    key: Key | None = None
    description: LongText | None = None
    # Replaces the role's permissions when given.
    permissions: list[str] | None = None


class CreateOrganizationPermissionBody(ClerkBody):
    name: Name
    key: Key
    description: LongText = ""


class UpdateOrganizationPermissionBody(ClerkBody):
    name: Name | None = None
    key: Key | None = None
    description: LongText | None = None


class RoleListParams(BaseModel):
    """The query string of both list operations (they take the same parameters)."""

    query: str | None = None
    order_by: str | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)
