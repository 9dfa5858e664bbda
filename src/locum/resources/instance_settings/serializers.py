"""The instance's organization settings as Clerk renders them (the spec's OrganizationSettings)."""

from locum.db.models import OrganizationSettings
from locum.kit.json_types import JSON


def organization_settings_json(settings: OrganizationSettings) -> JSON:
    return {
        "object": "organization_settings",
        "enabled": settings.enabled,
        "max_allowed_memberships": settings.max_allowed_memberships,
        "max_allowed_roles": settings.max_allowed_roles,
        "max_role_sets_allowed": settings.max_role_sets_allowed,
        "max_allowed_domains": settings.max_allowed_domains,
        "max_allowed_permissions": settings.max_allowed_permissions,
        "creator_role": settings.creator_role_key,
        "admin_delete_enabled": settings.admin_delete_enabled,
        "domains_enabled": settings.domains_enabled,
        "slug_disabled": settings.slug_disabled,
        "domains_enrollment_modes": list(settings.domains_enrollment_modes or []),
        "domains_default_role": settings.domains_default_role_key,
        "initial_role_set_key": settings.initial_role_set_key,
    }
