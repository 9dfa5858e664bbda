"""Clerk's OAuth Applications operations, OAuth Access Tokens' verify (also served without /v1,
where Clerk's SDKs call it), and locum's own endpoint issuing an access token (under /locum)."""

from typing import Annotated

from fastapi import Request
from starlette.responses import Response

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReader, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.images.uploads import read_image_upload
from locum.resources.oauth_applications import service, tokens
from locum.resources.oauth_applications.schemas import (
    CreateOAuthApplicationBody,
    IssueOAuthAccessTokenBody,
    OAuthApplicationListQuery,
    RevokeOAuthApplicationTokenBody,
    UpdateOAuthApplicationBody,
    VerifyOAuthAccessTokenBody,
)

router = resource_router(tags=["OAuth Applications"])
access_tokens_router = resource_router(tags=["OAuth Access Tokens"])
locum_router = resource_router(tags=["locum"])

ListQuery = Annotated[OAuthApplicationListQuery, query_model(OAuthApplicationListQuery)]


@router.get("/oauth_applications", operation_id="ListOAuthApplications")
async def list_oauth_applications(ctx: Context, session: DbReadSession, query: ListQuery) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_applications(session, ctx, query=query))


@router.post("/oauth_applications", operation_id="CreateOAuthApplication")
async def create_oauth_application(
    ctx: Context, session: DbSession, body: Annotated[CreateOAuthApplicationBody, body_of(CreateOAuthApplicationBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_application(session, ctx, body=body))


@router.get("/oauth_applications/{oauth_application_id}", operation_id="GetOAuthApplication")
async def get_oauth_application(oauth_application_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_application(session, ctx, application_id=oauth_application_id))


@router.patch("/oauth_applications/{oauth_application_id}", operation_id="UpdateOAuthApplication")
async def update_oauth_application(
    oauth_application_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateOAuthApplicationBody, body_of(UpdateOAuthApplicationBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.update_application(session, ctx, application_id=oauth_application_id, body=body)
    )


@router.delete("/oauth_applications/{oauth_application_id}", operation_id="DeleteOAuthApplication")
async def delete_oauth_application(oauth_application_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_application(session, ctx, application_id=oauth_application_id))


@router.put("/oauth_applications/{oauth_application_id}/logo", operation_id="UploadOAuthApplicationLogo")
async def upload_oauth_application_logo(
    oauth_application_id: str, request: Request, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    # Read and decode the upload before the first query, so the write transaction stays short.
    # `uploader_user_id` is accepted and not kept: locum records no uploader for images.
    image = await read_image_upload(request)
    return ClerkJSONResponse(await service.set_logo(session, ctx, application_id=oauth_application_id, image=image))


@router.post("/oauth_applications/{oauth_application_id}/rotate_secret", operation_id="RotateOAuthApplicationSecret")
async def rotate_oauth_application_secret(
    oauth_application_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.rotate_secret(session, ctx, application_id=oauth_application_id))


@router.post("/oauth_applications/{oauth_application_id}/revoke_token", operation_id="RevokeOAuthApplicationToken")
async def revoke_oauth_application_token(
    oauth_application_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[RevokeOAuthApplicationTokenBody, body_of(RevokeOAuthApplicationTokenBody)],
) -> Response:
    await tokens.revoke_token(session, ctx, application_id=oauth_application_id, token=body.token)
    return Response(status_code=204)


@access_tokens_router.post("/oauth_applications/access_tokens/verify", operation_id="verifyOAuthAccessToken")
async def verify_oauth_access_token(
    ctx: Context,
    reader: DbReader,
    body: Annotated[VerifyOAuthAccessTokenBody, body_of(VerifyOAuthAccessTokenBody, invalid_status=400)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await tokens.verify_access_token(reader, ctx, access_token=body.access_token, secret=body.secret)
    )


@locum_router.post("/oauth_applications/{oauth_application_id}/access_tokens")
async def issue_oauth_access_token(
    oauth_application_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[IssueOAuthAccessTokenBody, body_of(IssueOAuthAccessTokenBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await tokens.issue_access_token(session, ctx, application_id=oauth_application_id, body=body)
    )
