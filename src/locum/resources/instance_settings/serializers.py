"""The instance's organization settings as Clerk renders them (the spec's OrganizationSettings)."""

from locum.db.models import OrganizationSettings
from locum.kit.json_types import JSON, columns


def organization_settings_json(settings: OrganizationSettings) -> JSON:
    return {
        "object": "organization_settings",
        **columns(
            settings,
            "enabled",
            "max_allowed_memberships",
            "max_allowed_roles",
            "max_role_sets_allowed",
            "max_allowed_domains",
            "max_allowed_permissions",
        ),
        "creator_role": settings.creator_role_key,
        **columns(settings, "admin_delete_enabled", "domains_enabled", "slug_disabled"),
        "domains_enrollment_modes": list(settings.domains_enrollment_modes or []),
        "domains_default_role": settings.domains_default_role_key,
        "initial_role_set_key": settings.initial_role_set_key,
    }
