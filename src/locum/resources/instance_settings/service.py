"""The instance's organization settings: reading them and Clerk's rules for changing them.

Neither operation is gated on `enabled`: these are where organizations get switched on and off.
"""

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from locum.api.errors import ClerkError, form_param_value_invalid
from locum.db.models import OrganizationSettings, Role
from locum.instances.organization_defaults import CREATOR_PERMISSIONS
from locum.kit.json_types import JSON
from locum.resources.instance_settings.schemas import UpdateOrganizationSettingsBody
from locum.resources.organizations.lookup import get_settings


def missing_creator_role_permissions(missing: list[str]) -> ClerkError:
    return ClerkError(
        422,
        "organization_missing_creator_role_permissions",
        "The creator role is missing required permissions",
        f"The creator role must have the permissions {', '.join(sorted(CREATOR_PERMISSIONS))}; "
        f"missing: {', '.join(missing)}.",
        {"param_name": "creator_role_id"},
    )


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


async def get_organization_settings(session: AsyncSession, *, instance_id: str) -> JSON:
    return organization_settings_json(await get_settings(session, instance_id=instance_id))


async def _role(session: AsyncSession, *, instance_id: str, key_or_id: str, param: str) -> Role:
    role = await session.scalar(
        select(Role)
        .where(Role.instance_id == instance_id, or_(Role.key == key_or_id, Role.id == key_or_id))
        .options(selectinload(Role.permissions))
    )
    if role is None:
        raise form_param_value_invalid(param, f"{key_or_id!r} is not a role of this instance.")
    return role


async def update_organization_settings(
    session: AsyncSession, *, instance_id: str, body: UpdateOrganizationSettingsBody
) -> JSON:
    settings = await get_settings(session, instance_id=instance_id, for_update=True)
    if body.max_allowed_memberships is not None and body.max_allowed_memberships < 0:
        raise form_param_value_invalid("max_allowed_memberships", "max_allowed_memberships must be 0 or more.")
    if body.creator_role_id is not None:
        creator = await _role(session, instance_id=instance_id, key_or_id=body.creator_role_id, param="creator_role_id")
        missing = sorted(CREATOR_PERMISSIONS - {permission.key for permission in creator.permissions})
        if missing:
            raise missing_creator_role_permissions(missing)
        settings.creator_role_key = creator.key
    if body.domains_default_role_id is not None:
        default = await _role(
            session, instance_id=instance_id, key_or_id=body.domains_default_role_id, param="domains_default_role_id"
        )
        settings.domains_default_role_key = default.key
    if body.domains_enrollment_modes is not None:
        settings.domains_enrollment_modes = list(dict.fromkeys(body.domains_enrollment_modes))
    for name in ("enabled", "max_allowed_memberships", "admin_delete_enabled", "domains_enabled", "slug_disabled"):
        value = getattr(body, name)
        if value is not None:
            setattr(settings, name, value)
    await session.flush()
    return organization_settings_json(settings)
