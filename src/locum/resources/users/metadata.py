"""A user's public, private and unsafe metadata: PATCH deep-merges, PUT replaces each supplied field.

A field sent as `null` is treated as not sent, in both: Clerk reads the body into optional fields.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.bodies import merge_metadata_fields, replace_metadata_fields
from locum.resources.users.schemas import MetadataBody
from locum.resources.users.serializers import JSON
from locum.resources.users.service import get_user_or_raise, save_user

METADATA_FIELDS = ("public_metadata", "private_metadata", "unsafe_metadata")


async def update_user_metadata(
    session: AsyncSession, *, instance_id: str, user_id: str, body: MetadataBody, origin: str
) -> JSON:
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id, for_update=True)
    merge_metadata_fields(user, body, METADATA_FIELDS)
    return await save_user(session, user, origin=origin, event="user.updated")


async def replace_user_metadata(
    session: AsyncSession, *, instance_id: str, user_id: str, body: MetadataBody, origin: str
) -> JSON:
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id, for_update=True)
    replace_metadata_fields(user, body, METADATA_FIELDS)
    return await save_user(session, user, origin=origin, event="user.updated")
