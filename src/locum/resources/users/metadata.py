"""A user's public, private and unsafe metadata: PATCH deep-merges, PUT replaces each supplied field.

A field sent as `null` is treated as not sent, in both: Clerk reads the body into optional fields.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.bodies import merged_metadata
from locum.resources.users.schemas import MetadataBody
from locum.resources.users.serializers import JSON
from locum.resources.users.service import get_user_or_raise, save_user

METADATA_FIELDS = ("public_metadata", "private_metadata", "unsafe_metadata")


async def update_user_metadata(
    session: AsyncSession, *, instance_id: str, user_id: str, body: MetadataBody, origin: str
) -> JSON:
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id, for_update=True)
    for name in METADATA_FIELDS:
        patch = getattr(body, name)
        if patch is not None:
            setattr(user, name, merged_metadata(getattr(user, name) or {}, patch, param=name))
    return await save_user(session, user, origin=origin, event="user.updated")


async def replace_user_metadata(
    session: AsyncSession, *, instance_id: str, user_id: str, body: MetadataBody, origin: str
) -> JSON:
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id, for_update=True)
    for name in METADATA_FIELDS:
        replacement = getattr(body, name)
        if replacement is not None:
            setattr(user, name, replacement)
    return await save_user(session, user, origin=origin, event="user.updated")
