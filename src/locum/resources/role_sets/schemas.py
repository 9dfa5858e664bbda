"""Request bodies of the Role Sets operations, named after Clerk's shapes (the list takes the roles'
KeyedListQuery)."""

from typing import Literal

from pydantic import Field

from locum.api.bodies import ClerkBody, LongText
from locum.db.models.organizations import KEY_LENGTH, NAME_LENGTH

MAX_ROLES_PER_REQUEST = 10

RoleKeys = list[str]


class CreateRoleSetBody(ClerkBody):
    name: str = Field(min_length=1, max_length=NAME_LENGTH)
    key: str | None = Field(None, max_length=KEY_LENGTH)
    description: LongText | None = None
    default_role_key: str
    creator_role_key: str
    type: Literal["initial", "custom"] = "custom"
    roles: RoleKeys = Field(min_length=1, max_length=MAX_ROLES_PER_REQUEST)


class UpdateRoleSetBody(ClerkBody):
    """Every field is optional; null means "leave as is" except for `description`, which it clears."""

    name: str | None = Field(default=None, min_length=1, max_length=NAME_LENGTH)
    key: str | None = Field(default=None, max_length=KEY_LENGTH)
    description: LongText | None = None
    type: Literal["initial"] | None = None
    default_role_key: str | None = None
    creator_role_key: str | None = None


class ReplaceRoleSetBody(ClerkBody):
    dest_role_set_key: str
    reassignment_mappings: dict[str, str] | None = None


class AddRolesToRoleSetBody(ClerkBody):
    role_keys: RoleKeys = Field(min_length=1, max_length=MAX_ROLES_PER_REQUEST)
    default_role_key: str | None = None
    creator_role_key: str | None = None


class ReplaceRoleInRoleSetBody(ClerkBody):
    role_key: str
    to_role_key: str
