"""An instance's configuration: what Clerk's dashboard sets and the Instance Settings and Beta
Features operations read and change, with Clerk's defaults.

Stored as one document per instance (InstanceConfiguration.values): {group: {setting: value}}, only
what was changed; every read fills in the defaults below. A change locks the instance's row, so two
concurrent changes of one instance apply one after the other (no lost update on either database).
"""

from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.locking import locked
from locum.db.models import InstanceConfiguration
from locum.db.reads import Reader
from locum.instances.context import RequestContext
from locum.kit.keys import DEVELOPMENT

INSTANCE = "instance"
RESTRICTIONS = "restrictions"
PROTECT = "protect"
COMMUNICATION = "communication"
OAUTH_APPLICATION_SETTINGS = "oauth_application_settings"
AUTH_CONFIG = "auth_config"


# Clerk's defaults, by group (the fields of each group's PATCH body in Clerk's spec).
DEFAULTS: dict[str, dict[str, Any]] = {
    INSTANCE: {
        # test_mode: on in development instances, off in production ones (see defaults()).
        "hibp": True,
        "support_email": None,
        "clerk_js_version": None,
        "development_origin": None,
        "allowed_origins": [],
        "cookieless_dev": False,
        "url_based_session_syncing": False,
        "preferred_sign_in_strategy_when_password_required": "",
    },
    RESTRICTIONS: {
        "allowlist": False,
        "blocklist": False,
        "allowlist_blocklist_disabled_on_sign_in": False,
        "block_email_subaddresses": False,
        "block_disposable_email_domains": False,
    },
    PROTECT: {"rules_enabled": False, "specter_enabled": False},
    COMMUNICATION: {"blocked_country_codes": []},
    OAUTH_APPLICATION_SETTINGS: {
        "dynamic_oauth_client_registration": False,
        "default_scopes": None,
        "oauth_jwt_access_tokens": False,
        "client_id_metadata_documents_advertised": False,
        "client_id_metadata_documents_only_allow_pre_registered_clients": False,
        "client_id_metadata_documents_block_implicitly_allowed_clients": False,
    },
    AUTH_CONFIG: {"from_email_address": "", "progressive_sign_up": True, "enhanced_email_deliverability": False},
}


def defaults(group: str, environment_type: str) -> dict[str, Any]:
    values = dict(DEFAULTS[group])
    if group == INSTANCE:
        values["test_mode"] = environment_type == DEVELOPMENT
    return values


def _missing(instance_id: str) -> LookupError:
    # The row is made with the instance (instances/service.py, and migration 0008 for older ones).
    return LookupError(f"instance {instance_id} has no configuration row")


async def _locked_row(session: AsyncSession, instance_id: str) -> InstanceConfiguration:
    statement = select(InstanceConfiguration).where(InstanceConfiguration.instance_id == instance_id)
    row = await session.scalar(locked(statement))
    if row is None:
        raise _missing(instance_id)
    return row


# Built once: every user creation reads its restrictions, and building the statement cost more
# than running it.
STORED_VALUES = select(InstanceConfiguration.values).where(
    InstanceConfiguration.instance_id == bindparam("instance_id")
)


async def _stored(source: AsyncSession | Reader, instance_id: str) -> dict[str, Any] | None:
    if isinstance(source, AsyncSession):
        connection = await source.connection()
        stored: dict[str, Any] | None = (
            await connection.execute(STORED_VALUES, {"instance_id": instance_id})
        ).scalar_one_or_none()
        return stored
    # The bare driver gives the JSON document as text.
    rows = await source.fetch_by_key(source.prepared(STORED_VALUES), {"instance_id": instance_id})
    return orjson.loads(rows[0][0]) if rows else None


async def read_group(source: AsyncSession | Reader, ctx: RequestContext, group: str) -> dict[str, Any]:
    """The group's settings: what was set, over Clerk's defaults. Read in the session's transaction,
    or apart from it on the reader (which a writer takes to read before its transaction begins)."""
    stored = await _stored(source, ctx.instance_id)
    if stored is None:
        raise _missing(ctx.instance_id)
    return defaults(group, ctx.instance.environment_type) | stored.get(group, {})


async def update_group(
    session: AsyncSession, ctx: RequestContext, group: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Set `changes` in the group (row-locked until commit); returns the group's settings after."""
    row = await _locked_row(session, ctx.instance_id)
    stored = dict(row.values)
    stored[group] = {**stored.get(group, {}), **changes}
    # A new dict, so the ORM sees the JSON column change.
    row.values = stored
    await session.flush()
    return defaults(group, ctx.instance.environment_type) | stored[group]


def new_configuration(instance_id: str) -> InstanceConfiguration:
    """The row a new instance starts with: every setting at its default."""
    return InstanceConfiguration(instance_id=instance_id, values={})
