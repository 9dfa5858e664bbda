"""The instance's settings: reading them and Clerk's rules for changing them.

The organization settings live in their own table; neither of their operations is gated on
`enabled`: these are where organizations get switched on and off. Every other group lives in the
instance's configuration (instances/configuration.py), changed under its row lock.
"""

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.bodies import ClerkBody
from locum.api.errors import form_param_format_invalid, form_param_value_invalid
from locum.db.models import Role
from locum.instances import configuration
from locum.instances.context import RequestContext
from locum.instances.organization_defaults import CREATOR_PERMISSIONS
from locum.kit.identifiers import normalize_email
from locum.kit.json_types import JSON
from locum.messages.sms_countries import is_sms_country
from locum.resources.instance_settings.errors import form_param_duplicate, missing_creator_role_permissions
from locum.resources.instance_settings.schemas import (
    UpdateInstanceBody,
    UpdateInstanceCommunicationBody,
    UpdateInstanceProtectBody,
    UpdateInstanceRestrictionsBody,
    UpdateOAuthApplicationSettingsBody,
    UpdateOrganizationSettingsBody,
)
from locum.resources.instance_settings.serializers import (
    communication_json,
    instance_json,
    oauth_application_settings_json,
    organization_settings_json,
    protect_json,
    restrictions_json,
)
from locum.resources.oauth_applications.schemas import ALLOWED_SCOPES
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


# --- The instance and its settings groups (instances/configuration.py) ---

_WEB_SCHEMES = ("http", "https")


async def get_instance(session: AsyncSession, ctx: RequestContext) -> JSON:
    settings = await configuration.read_group(session, ctx, configuration.INSTANCE)
    return instance_json(ctx.instance_id, ctx.instance.environment_type, settings)


def _changes(body: ClerkBody) -> dict[str, Any]:
    """What a PATCH body changes: every field given and not null."""
    return body.model_dump(exclude_none=True)


def _is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in _WEB_SCHEMES and bool(parts.hostname) and not any(c.isspace() for c in value)


def _origin(value: str) -> str | None:
    """`value` as an origin (`scheme://host[:port]`, any scheme: chrome-extension://…, capacitor://…),
    or None when it is not one. A trailing slash is dropped; a path, query or fragment is refused."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    if parts.username is not None or any(c.isspace() for c in value):
        return None
    return f"{parts.scheme}://{parts.netloc}"


async def update_instance(session: AsyncSession, ctx: RequestContext, *, body: UpdateInstanceBody) -> None:
    changes = _changes(body)
    if body.support_email is not None:
        email = normalize_email(body.support_email)
        if email is None:
            raise form_param_format_invalid("support_email", "support_email must be an email address.")
        changes["support_email"] = email
    if body.development_origin is not None and not _is_web_url(body.development_origin):
        raise form_param_format_invalid(
            "development_origin", "development_origin must be an http(s) URL, such as http://localhost:3000."
        )
    if body.allowed_origins is not None:
        origins = [_origin(value) for value in body.allowed_origins]
        if None in origins:
            raise form_param_format_invalid(
                "allowed_origins",
                "allowed_origins must be origins, such as https://example.com or capacitor://localhost.",
            )
        changes["allowed_origins"] = list(dict.fromkeys(origin for origin in origins if origin))
    # cookieless_dev is the deprecated name of url_based_session_syncing: one setting, two names.
    syncing = body.url_based_session_syncing if body.url_based_session_syncing is not None else body.cookieless_dev
    if syncing is not None:
        changes["url_based_session_syncing"] = changes["cookieless_dev"] = syncing
    await configuration.update_group(session, ctx, configuration.INSTANCE, changes)


async def update_restrictions(
    session: AsyncSession, ctx: RequestContext, *, body: UpdateInstanceRestrictionsBody
) -> JSON:
    return restrictions_json(await configuration.update_group(session, ctx, configuration.RESTRICTIONS, _changes(body)))


async def get_protect(session: AsyncSession, ctx: RequestContext) -> JSON:
    return protect_json(await configuration.read_group(session, ctx, configuration.PROTECT))


async def update_protect(session: AsyncSession, ctx: RequestContext, *, body: UpdateInstanceProtectBody) -> JSON:
    return protect_json(await configuration.update_group(session, ctx, configuration.PROTECT, _changes(body)))


async def get_communication(session: AsyncSession, ctx: RequestContext) -> JSON:
    return communication_json(await configuration.read_group(session, ctx, configuration.COMMUNICATION))


async def update_communication(
    session: AsyncSession, ctx: RequestContext, *, body: UpdateInstanceCommunicationBody
) -> JSON:
    changes: dict[str, Any] = {}
    if body.blocked_country_codes is not None:
        seen: set[str] = set()
        for code in body.blocked_country_codes:
            if code in seen:
                raise form_param_duplicate("blocked_country_codes", code)
            seen.add(code)
        # As Clerk: codes of no country that has phone numbers are dropped, not refused.
        changes["blocked_country_codes"] = [code for code in body.blocked_country_codes if is_sms_country(code)]
    return communication_json(await configuration.update_group(session, ctx, configuration.COMMUNICATION, changes))


async def get_oauth_application_settings(session: AsyncSession, ctx: RequestContext) -> JSON:
    return oauth_application_settings_json(
        await configuration.read_group(session, ctx, configuration.OAUTH_APPLICATION_SETTINGS)
    )


async def update_oauth_application_settings(
    session: AsyncSession, ctx: RequestContext, *, body: UpdateOAuthApplicationSettingsBody
) -> JSON:
    changes = _changes(body)
    if "default_scopes" in body.model_fields_set:
        scopes = body.default_scopes
        unknown = [scope for scope in scopes or [] if scope not in ALLOWED_SCOPES]
        if unknown:
            raise form_param_value_invalid(
                "default_scopes", f"{unknown[0]} is not a scope; the scopes are {', '.join(ALLOWED_SCOPES)}."
            )
        # null: back to Clerk's defaults (no instance-wide default scopes).
        changes["default_scopes"] = None if scopes is None else list(dict.fromkeys(scopes))
    return oauth_application_settings_json(
        await configuration.update_group(session, ctx, configuration.OAUTH_APPLICATION_SETTINGS, changes)
    )
