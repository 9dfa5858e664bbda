"""The instance's session lifetimes, set in Clerk's dashboard (Sessions: maximum lifetime and
inactivity timeout). They apply to sessions created afterwards; either may be disabled, not both."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_value_invalid
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import Instance
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.resources.frontend.schemas import SessionSettingsBody


def session_settings_json(instance: Instance) -> JSON:
    return {
        "object": "locum_session_settings",
        "max_lifetime_seconds": instance.session_max_lifetime_seconds,
        "inactivity_timeout_seconds": instance.session_inactivity_timeout_seconds,
    }


async def get_session_settings(session: AsyncSession, ctx: RequestContext) -> JSON:
    return session_settings_json(await session.get_one(Instance, ctx.instance_id))


async def update_session_settings(session: AsyncSession, ctx: RequestContext, body: SessionSettingsBody) -> JSON:
    instance = (await session.scalars(locked(select(Instance).where(Instance.id == ctx.instance_id)))).one()
    settings = {**session_settings_json(instance), **body.model_dump(include=body.model_fields_set)}
    if settings["max_lifetime_seconds"] is None and settings["inactivity_timeout_seconds"] is None:
        # This request disabled the last limit left: blame a field it set.
        given = body.model_fields_set
        param = "inactivity_timeout_seconds" if "inactivity_timeout_seconds" in given else "max_lifetime_seconds"
        raise form_param_value_invalid(
            param, "Sessions need a maximum lifetime or an inactivity timeout: both cannot be disabled."
        )
    instance.session_max_lifetime_seconds = settings["max_lifetime_seconds"]
    instance.session_inactivity_timeout_seconds = settings["inactivity_timeout_seconds"]
    instance.updated_at = now_ms()
    await flush(session)
    return session_settings_json(instance)
