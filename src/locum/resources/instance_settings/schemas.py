"""The body of UpdateInstanceOrganizationSettings (Clerk names the role fields `*_role_id`; they take
a role key, and locum accepts a role id too)."""

from typing import Literal

from locum.api.bodies import ClerkBody, Int32

DomainEnrollmentMode = Literal["manual_invitation", "automatic_invitation", "automatic_suggestion"]


class UpdateOrganizationSettingsBody(ClerkBody):
    enabled: bool | None = None
    max_allowed_memberships: Int32 | None = None
    admin_delete_enabled: bool | None = None
    domains_enabled: bool | None = None
    slug_disabled: bool | None = None
    domains_enrollment_modes: list[DomainEnrollmentMode] | None = None
    creator_role_id: str | None = None
    domains_default_role_id: str | None = None
