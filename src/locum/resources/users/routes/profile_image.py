"""A user's profile image: multipart upload and removal."""

from fastapi import Request

from locum.api.deps import Context, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.images.uploads import read_image_upload
from locum.resources.users import images

router = resource_router()


@router.post("/users/{user_id}/profile_image", operation_id="SetUserProfileImage")
async def set_user_profile_image(user_id: str, request: Request, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    # Read and decode the upload before the first query, so the write transaction stays short.
    image = await read_image_upload(request)
    return ClerkJSONResponse(await images.set_profile_image(session, ctx, user_id, image))


@router.delete("/users/{user_id}/profile_image", operation_id="DeleteUserProfileImage")
async def delete_user_profile_image(user_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await images.delete_profile_image(session, ctx, user_id))
