"""A user's profile image: multipart upload and removal."""

from fastapi import Request

from locum.api.deps import AppSettings, CurrentInstance, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.images.uploads import read_image_upload
from locum.resources.users import images

router = resource_router()


@router.post("/users/{user_id}/profile_image", operation_id="SetUserProfileImage")
async def set_user_profile_image(
    user_id: str, request: Request, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    # Read and decode the upload before the first query, so the write transaction stays short.
    image = await read_image_upload(request)
    user = await images.set_profile_image(
        session, instance_id=instance.id, user_id=user_id, image=image, origin=settings.origin
    )
    return ClerkJSONResponse(user)


@router.delete("/users/{user_id}/profile_image", operation_id="DeleteUserProfileImage")
async def delete_user_profile_image(
    user_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    user = await images.delete_profile_image(session, instance_id=instance.id, user_id=user_id, origin=settings.origin)
    return ClerkJSONResponse(user)
