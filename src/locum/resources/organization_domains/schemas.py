"""Request bodies and query strings of the Organization Domains operations."""

from typing import Literal, get_args

from pydantic import Field, field_validator

from locum.api.bodies import ClerkBody
from locum.api.pagination import PageQuery

EnrollmentMode = Literal["manual_invitation", "automatic_invitation", "automatic_suggestion", "enterprise_sso"]
ENROLLMENT_MODES: frozenset[str] = frozenset(get_args(EnrollmentMode))


class CreateOrganizationDomainBody(ClerkBody):
    name: str
    enrollment_mode: EnrollmentMode = "manual_invitation"
    # Clerk creates domains verified unless told otherwise.
    verified: bool | None = None


class UpdateOrganizationDomainBody(ClerkBody):
    enrollment_mode: EnrollmentMode | None = None
    verified: bool | None = None


def _split_commas(values: list[str]) -> list[str]:
    """Repeated keys (the JS and Go SDKs) and comma-separated values (the Python SDK's
    `explode: false` form) both name several enrollment modes."""
    return [part for value in values for part in value.split(",") if part]


class DomainFilters(PageQuery):
    verified: Literal["true", "false"] | None = None
    # Each value is a mode, or `-mode` to exclude it.
    enrollment_mode: list[str] = Field([])

    @field_validator("enrollment_mode")
    @classmethod
    def _known_modes(cls, values: list[str]) -> list[str]:
        modes = _split_commas(values)
        unknown = [mode for mode in modes if mode.removeprefix("-") not in ENROLLMENT_MODES]
        if unknown:
            expected = ", ".join(sorted(ENROLLMENT_MODES))
            raise ValueError(f"unknown enrollment mode {unknown[0]!r}; expected one of {expected}")
        return modes


class OrganizationDomainListParams(DomainFilters):
    """GET /organizations/{organization_id}/domains."""


class AllOrganizationDomainsListParams(DomainFilters):
    """GET /organization_domains."""

    organization_id: str | None = None
    query: str | None = None
    domains: list[str] = Field([])
    order_by: str | None = None

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("query must not be empty")
        return value
