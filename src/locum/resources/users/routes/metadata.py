from typing import Annotated

from fastapi import Body

from locum.api.deps import AppSettings, CurrentInstance, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.users import metadata
from locum.resources.users.schemas import MetadataBody

router = resource_router()


@router.patch("/users/{user_id}/metadata", operation_id="UpdateUserMetadata")
async def update_user_metadata(
    user_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[MetadataBody | None, Body()] = None,
) -> ClerkJSONResponse:
    user = await metadata.update_user_metadata(
        session, instance_id=instance.id, user_id=user_id, body=body or MetadataBody(), origin=settings.origin
    )
    return ClerkJSONResponse(user)


@router.put("/users/{user_id}/metadata", operation_id="ReplaceUserMetadata")
async def replace_user_metadata(
    user_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[MetadataBody | None, Body()] = None,
) -> ClerkJSONResponse:
    user = await metadata.replace_user_metadata(
        session, instance_id=instance.id, user_id=user_id, body=body or MetadataBody(), origin=settings.origin
    )
    return ClerkJSONResponse(user)
