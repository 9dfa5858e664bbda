from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.users import metadata
from locum.resources.users.schemas import MetadataBody

router = resource_router()

Body = Annotated[MetadataBody, body_of(MetadataBody)]


@router.patch("/users/{user_id}/metadata", operation_id="UpdateUserMetadata")
async def update_user_metadata(user_id: str, ctx: Context, session: DbSession, body: Body) -> ClerkJSONResponse:
    return ClerkJSONResponse(await metadata.update_user_metadata(session, ctx, user_id, body))


@router.put("/users/{user_id}/metadata", operation_id="ReplaceUserMetadata")
async def replace_user_metadata(user_id: str, ctx: Context, session: DbSession, body: Body) -> ClerkJSONResponse:
    return ClerkJSONResponse(await metadata.replace_user_metadata(session, ctx, user_id, body))
