"""Request bodies of the SCIM Directories and Directories operations, with their bounds.

The two APIs take the same fields, except in a group-role mapping: `/scim_directories` names the
group `scim_group_id` (and `scim_group_display_name`), `/directories` names it `directory_group_id`
and still accepts the legacy name (both may be sent when they agree). Each body model resolves its
names into one `GroupRoleMapping` for the service.
"""

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from locum.api.bodies import INT32_MAX, ClerkBody
from locum.api.errors import form_param_missing
from locum.db.models.directories import GROUP_DISPLAY_NAME_LENGTH, GROUP_ID_LENGTH, NAME_LENGTH, PROVIDER_LENGTH
from locum.resources.directories.errors import names_disagree

MAX_GROUP_ROLE_MAPPINGS = 100
MAX_ATTRIBUTE_MAPPING_KEYS = 50
ATTRIBUTE_NAME_MAX_LENGTH = 64
ATTRIBUTE_PATH_MAX_LENGTH = 255
# A user attribute's name: snake_case, as Clerk names them (`email_address`, `first_name`).
ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_]*")

Name = Annotated[str, Field(min_length=1, max_length=NAME_LENGTH)]
Provider = Annotated[str, Field(min_length=1, max_length=PROVIDER_LENGTH)]
GroupId = Annotated[str, Field(min_length=1, max_length=GROUP_ID_LENGTH)]
GroupDisplayName = Annotated[str, Field(max_length=GROUP_DISPLAY_NAME_LENGTH)]
Precedence = Annotated[int, Field(ge=1, le=INT32_MAX)]
AttributePath = Annotated[str, Field(min_length=1, max_length=ATTRIBUTE_PATH_MAX_LENGTH)]


@dataclass(frozen=True)
class GroupRoleMapping:
    """One mapping as the service takes it, whichever API named its fields."""

    group_id: str
    group_display_name: str
    role_id: str
    precedence: int | None


class SCIMGroupRoleMappingBody(ClerkBody):
    scim_group_id: GroupId
    scim_group_display_name: GroupDisplayName | None = None
    role_id: Annotated[str, Field(min_length=1)]
    precedence: Precedence | None = None

    def mapping(self) -> GroupRoleMapping:
        display_name = self.scim_group_display_name or ""
        return GroupRoleMapping(self.scim_group_id, display_name, self.role_id, self.precedence)


class DirectoryGroupRoleMappingBody(ClerkBody):
    directory_group_id: GroupId | None = None
    scim_group_id: GroupId | None = None
    directory_group_display_name: GroupDisplayName | None = None
    scim_group_display_name: GroupDisplayName | None = None
    role_id: Annotated[str, Field(min_length=1)]
    precedence: Precedence | None = None

    def mapping(self, index: int) -> GroupRoleMapping:
        """The mapping, its group named once: the new name, the legacy one, or both when they agree."""
        where = f"group_role_mappings.{index}"
        group_id = _one_name(where, "directory_group_id", self.directory_group_id, "scim_group_id", self.scim_group_id)
        if group_id is None:
            raise form_param_missing(f"{where}.directory_group_id")
        display_name = _one_name(
            where,
            "directory_group_display_name",
            self.directory_group_display_name,
            "scim_group_display_name",
            self.scim_group_display_name,
        )
        return GroupRoleMapping(group_id, display_name or "", self.role_id, self.precedence)


def _one_name(where: str, name: str, value: str | None, legacy_name: str, legacy_value: str | None) -> str | None:
    if value is not None and legacy_value is not None and value != legacy_value:
        raise names_disagree(f"{where}.{name}", legacy_name)
    return value if value is not None else legacy_value


class CreateSCIMDirectoryBody(ClerkBody):
    enterprise_connection_id: Annotated[str, Field(min_length=1)]
    provider: Provider
    name: Name | None = None
    # null as if not given
    group_role_mappings: list[SCIMGroupRoleMappingBody] | None = Field(default=None, max_length=MAX_GROUP_ROLE_MAPPINGS)

    def mappings(self) -> list[GroupRoleMapping]:
        return [mapping.mapping() for mapping in self.group_role_mappings or []]


class CreateDirectoryBody(ClerkBody):
    enterprise_connection_id: Annotated[str, Field(min_length=1)]
    provider: Provider
    name: Name | None = None
    # null as if not given
    group_role_mappings: list[DirectoryGroupRoleMappingBody] | None = Field(
        default=None, max_length=MAX_GROUP_ROLE_MAPPINGS
    )

    def mappings(self) -> list[GroupRoleMapping]:
        return [mapping.mapping(index) for index, mapping in enumerate(self.group_role_mappings or [])]


class UpdateDirectoryBody(ClerkBody):
    """Both APIs' update body. Only the fields given change; `attribute_mapping` is merged into the
    directory's, a key set to null removing that attribute."""

    name: Name | None = None
    enabled: bool | None = None
    provider: Provider | None = None
    attribute_mapping: dict[str, AttributePath | None] | None = None
    group_role_mapping_enabled: bool | None = None

    @field_validator("attribute_mapping")
    @classmethod
    def _attribute_names(cls, value: dict[str, str | None] | None) -> dict[str, str | None] | None:
        if value is None:
            return None
        if len(value) > MAX_ATTRIBUTE_MAPPING_KEYS:
            raise PydanticCustomError(
                "too_many_attributes",
                "must not map more than {limit} attributes",
                {"limit": MAX_ATTRIBUTE_MAPPING_KEYS},
            )
        for name in value:
            if len(name) > ATTRIBUTE_NAME_MAX_LENGTH or not ATTRIBUTE_NAME.fullmatch(name):
                raise PydanticCustomError(
                    "attribute_name_invalid",
                    "{name} is not a user attribute name (lowercase letters, digits and underscores, "
                    "at most {limit} characters)",
                    {"name": name[:ATTRIBUTE_NAME_MAX_LENGTH], "limit": ATTRIBUTE_NAME_MAX_LENGTH},
                )
        return value
