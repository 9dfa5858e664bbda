"""Clerk's Sign Ups operations, and (locum_router, under /locum) the Frontend API's sign-up with an
invitation ticket that makes sign-ups."""

from typing import Annotated

from fastapi import Path

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReadSession, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.sign_ups import service
from locum.resources.sign_ups.schemas import SignUpWithTicketBody, UpdateSignUpBody

router = resource_router(tags=["Sign Ups"])
# Clerk names the path parameter `id`.
SignUpId = Annotated[str, Path(alias="id")]
locum_router = resource_router(tags=["locum"])


@router.get("/sign_ups/{id}", operation_id="GetSignUp")
async def get_sign_up(sign_up_id: SignUpId, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_sign_up(session, ctx, sign_up_id=sign_up_id))


@router.patch("/sign_ups/{id}", operation_id="UpdateSignUp")
async def update_sign_up(
    sign_up_id: SignUpId, ctx: Context, session: DbSession, body: Annotated[UpdateSignUpBody, body_of(UpdateSignUpBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_sign_up(session, ctx, sign_up_id=sign_up_id, body=body))


@locum_router.post("/sign_ups")
async def sign_up_with_invitation(
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
    body: Annotated[SignUpWithTicketBody, body_of(SignUpWithTicketBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.sign_up_with_invitation(session, ctx, sealer, body))
