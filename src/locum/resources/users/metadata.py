"""A user's public, private and unsafe metadata: PATCH deep-merges, PUT replaces each supplied field.

A field sent as `null` is treated as not sent, in both: Clerk reads the body into optional fields.
"""

from collections.abc import Callable, Sequence

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.bodies import merge_metadata_fields, replace_metadata_fields
from locum.instances.context import RequestContext
from locum.kit.json_types import JSON
from locum.resources.users.schemas import MetadataBody
from locum.resources.users.service import get_user_or_raise, save_user

METADATA_FIELDS = ("public_metadata", "private_metadata", "unsafe_metadata")
Apply = Callable[[object, BaseModel, Sequence[str]], None]


async def _change_metadata(
    session: AsyncSession, ctx: RequestContext, user_id: str, body: MetadataBody, apply: Apply
) -> JSON:
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    apply(user, body, METADATA_FIELDS)
    return await save_user(session, ctx, user, event="user.updated")


async def update_user_metadata(session: AsyncSession, ctx: RequestContext, user_id: str, body: MetadataBody) -> JSON:
    return await _change_metadata(session, ctx, user_id, body, merge_metadata_fields)


async def replace_user_metadata(session: AsyncSession, ctx: RequestContext, user_id: str, body: MetadataBody) -> JSON:
    return await _change_metadata(session, ctx, user_id, body, replace_metadata_fields)
