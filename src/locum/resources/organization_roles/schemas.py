"""Request bodies and list query strings of the Organization Roles and Organization Permissions operations.

PATCH bodies treat `null` like an absent field: Clerk documents every field of them as optional
("update only the fields you want to change").
"""

from typing import Annotated

from pydantic import Field

from locum.api.bodies import ClerkBody, LongText
from locum.api.pagination import PageQuery
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


class KeyedListQuery(PageQuery):
    """The query string of the role, permission and role set lists (they take the same parameters):
    an exact id or part of a name or key, and `created_at`, `name` or `key` to order by."""

    query: str | None = None
    order_by: str | None = None
