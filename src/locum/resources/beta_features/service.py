"""The Beta Features operations: the instance's auth settings and its production domain.

UpdateInstanceAuthConfig spreads over three settings groups (instances/configuration.py):
`restricted_to_allowlist` is the restrictions group's `allowlist` (what UpdateInstanceRestrictions
changes), `test_mode` the instance group's (UpdateInstance), the rest the auth_config group's.

A production domain change records the new home URL in the instance group (`home_url`,
`home_url_is_secondary`) and is accepted (202) as Clerk accepts it, to be deployed later. locum
keeps serving the instance on its Frontend API host: that host is encoded in the publishable key,
and changing it would break every running app using the key.
"""

import re
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_format_invalid
from locum.instances import configuration
from locum.instances.context import RequestContext
from locum.kit.json_types import JSON
from locum.resources.beta_features.errors import request_invalid_for_environment
from locum.resources.beta_features.schemas import ChangeDomainBody, UpdateInstanceAuthConfigBody
from locum.resources.beta_features.serializers import instance_settings_json

PRODUCTION = "production"
# The local part of the address auth emails come from: alphanumeric only (empty: Clerk's default).
_FROM_EMAIL_LOCAL_PART = re.compile(r"[A-Za-z0-9]*")
_WEB_SCHEMES = ("http", "https")


async def update_auth_config(session: AsyncSession, ctx: RequestContext, *, body: UpdateInstanceAuthConfigBody) -> JSON:
    if body.from_email_address is not None and not _FROM_EMAIL_LOCAL_PART.fullmatch(body.from_email_address):
        raise form_param_format_invalid(
            "from_email_address", "from_email_address must be the local part of an address: letters and digits only."
        )
    auth_changes = body.model_dump(include={"from_email_address", "progressive_sign_up"}, exclude_none=True)
    auth_config = await configuration.update_group(session, ctx, configuration.AUTH_CONFIG, auth_changes)
    restriction_changes = {} if body.restricted_to_allowlist is None else {"allowlist": body.restricted_to_allowlist}
    restrictions = await configuration.update_group(session, ctx, configuration.RESTRICTIONS, restriction_changes)
    if body.test_mode is not None:
        await configuration.update_group(session, ctx, configuration.INSTANCE, {"test_mode": body.test_mode})
    return instance_settings_json(ctx.instance_id, allowlist=restrictions["allowlist"], auth_config=auth_config)


def _is_domain_url(value: str) -> bool:
    """An http(s) URL of a domain name (a production instance lives on a registrable domain)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in _WEB_SCHEMES and "." in host.strip(".") and not any(c.isspace() for c in value)


async def change_production_domain(session: AsyncSession, ctx: RequestContext, *, body: ChangeDomainBody) -> None:
    if ctx.instance.environment_type != PRODUCTION:
        raise request_invalid_for_environment()
    if not _is_domain_url(body.home_url):
        raise form_param_format_invalid(
            "home_url", "home_url must be the http(s) URL of the application's domain, such as https://www.example.com."
        )
    await configuration.update_group(
        session,
        ctx,
        configuration.INSTANCE,
        {"home_url": body.home_url, "home_url_is_secondary": body.is_secondary},
    )
