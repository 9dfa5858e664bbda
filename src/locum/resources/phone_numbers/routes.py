from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.identifications import service as identifications
from locum.resources.identifications import verifications
from locum.resources.identifications.schemas import AttemptBody
from locum.resources.phone_numbers import service
from locum.resources.phone_numbers.schemas import (
    CreatePhoneNumberBody,
    ReplaceUserPhoneNumberBody,
    UpdatePhoneNumberBody,
)
from locum.resources.phone_numbers.service import PHONE_NUMBERS

router = resource_router()

CreateBody = Annotated[CreatePhoneNumberBody, body_of(CreatePhoneNumberBody)]
# UpdatePhoneNumber declares no 422.
UpdateBody = Annotated[UpdatePhoneNumberBody, body_of(UpdatePhoneNumberBody, invalid_status=400)]
ReplaceBody = Annotated[ReplaceUserPhoneNumberBody, body_of(ReplaceUserPhoneNumberBody)]


@router.post("/phone_numbers", operation_id="CreatePhoneNumber")
async def create_phone_number(ctx: Context, session: DbSession, body: CreateBody) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_phone_number(session, ctx, body))


@router.get("/phone_numbers/{phone_number_id}", operation_id="GetPhoneNumber")
async def get_phone_number(phone_number_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await identifications.get(session, ctx, PHONE_NUMBERS, phone_number_id))


@router.delete("/phone_numbers/{phone_number_id}", operation_id="DeletePhoneNumber")
async def delete_phone_number(phone_number_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_phone_number(session, ctx, phone_number_id))


@router.patch("/phone_numbers/{phone_number_id}", operation_id="UpdatePhoneNumber")
async def update_phone_number(
    phone_number_id: str, ctx: Context, session: DbSession, body: UpdateBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_phone_number(session, ctx, phone_number_id, body))


@router.post("/phone_numbers/{phone_number_id}/prepare_verification", operation_id="PreparePhoneNumberVerification")
async def prepare_phone_number_verification(
    phone_number_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await verifications.prepare(session, ctx, PHONE_NUMBERS, phone_number_id))


@router.post("/phone_numbers/{phone_number_id}/attempt_verification", operation_id="AttemptPhoneNumberVerification")
async def attempt_phone_number_verification(
    phone_number_id: str, ctx: Context, session: DbSession, body: AttemptBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await verifications.attempt(session, ctx, PHONE_NUMBERS, phone_number_id, body))


@router.put("/users/{user_id}/phone_number", operation_id="ReplaceUserPhoneNumber")
async def replace_user_phone_number(
    user_id: str, ctx: Context, session: DbSession, body: ReplaceBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.replace_user_phone_number(session, ctx, user_id, body))
