"""The instance's organization settings: reading them and Clerk's rules for changing them.

Neither operation is gated on `enabled`: these are where organizations get switched on and off.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_value_invalid
from locum.db.models import Role
from locum.instances.context import RequestContext
from locum.instances.organization_defaults import CREATOR_PERMISSIONS
from locum.kit.json_types import JSON
from locum.resources.instance_settings.errors import missing_creator_role_permissions
from locum.resources.instance_settings.schemas import UpdateOrganizationSettingsBody
from locum.resources.instance_settings.serializers import organization_settings_json
from locum.resources.organization_roles.errors import not_a_role
from locum.resources.organization_roles.repository import RoleRepository
from locum.resources.organizations.lookup import get_settings

# Settings the body sets as given, when it gives them.
PLAIN_FIELDS = ("enabled", "max_allowed_memberships", "admin_delete_enabled", "domains_enabled", "slug_disabled")


async def get_organization_settings(session: AsyncSession, ctx: RequestContext) -> JSON:
    return organization_settings_json(await get_settings(session, instance_id=ctx.instance_id))


async def _role(roles: RoleRepository, key_or_id: str, *, param: str) -> Role:
    role = await roles.by_key_or_id(key_or_id)
    if role is None:
        raise not_a_role(param, key_or_id)
    return role


async def update_organization_settings(
    session: AsyncSession, ctx: RequestContext, *, body: UpdateOrganizationSettingsBody
) -> JSON:
    settings = await get_settings(session, instance_id=ctx.instance_id, for_update=True)
    roles = RoleRepository(session, ctx.instance_id)
    if body.max_allowed_memberships is not None and body.max_allowed_memberships < 0:
        raise form_param_value_invalid("max_allowed_memberships", "max_allowed_memberships must be 0 or more.")
    if body.creator_role_id is not None:
        creator = await _role(roles, body.creator_role_id, param="creator_role_id")
        missing = sorted(CREATOR_PERMISSIONS - {permission.key for permission in creator.permissions})
        if missing:
            raise missing_creator_role_permissions(missing)
        settings.creator_role_key = creator.key
    if body.domains_default_role_id is not None:
        default = await _role(roles, body.domains_default_role_id, param="domains_default_role_id")
        settings.domains_default_role_key = default.key
    if body.domains_enrollment_modes is not None:
        settings.domains_enrollment_modes = list(dict.fromkeys(body.domains_enrollment_modes))
    for name in PLAIN_FIELDS:
        value = getattr(body, name)
        if value is not None:
            setattr(settings, name, value)
    await session.flush()
    return organization_settings_json(settings)
