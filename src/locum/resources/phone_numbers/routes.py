from typing import Annotated

from fastapi import Depends

from locum.api.bodies import request_body
from locum.api.deps import AppSettings, Context, CurrentInstance, DbReadSession, DbSession
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

CreateBody = Annotated[CreatePhoneNumberBody, Depends(request_body(CreatePhoneNumberBody, invalid_status=422))]
# UpdatePhoneNumber declares no 422.
UpdateBody = Annotated[UpdatePhoneNumberBody, Depends(request_body(UpdatePhoneNumberBody, invalid_status=400))]
ReplaceBody = Annotated[
    ReplaceUserPhoneNumberBody, Depends(request_body(ReplaceUserPhoneNumberBody, invalid_status=422))
]


@router.post("/phone_numbers", operation_id="CreatePhoneNumber")
async def create_phone_number(
    instance: CurrentInstance, session: DbSession, settings: AppSettings, body: CreateBody
) -> ClerkJSONResponse:
    phone_number = await service.create_phone_number(
        session, instance_id=instance.id, body=body, origin=settings.origin
    )
    return ClerkJSONResponse(phone_number)


@router.get("/phone_numbers/{phone_number_id}", operation_id="GetPhoneNumber")
async def get_phone_number(
    phone_number_id: str, instance: CurrentInstance, session: DbReadSession
) -> ClerkJSONResponse:
    phone_number = await identifications.get(session, PHONE_NUMBERS, instance_id=instance.id, row_id=phone_number_id)
    return ClerkJSONResponse(phone_number)


@router.delete("/phone_numbers/{phone_number_id}", operation_id="DeletePhoneNumber")
async def delete_phone_number(
    phone_number_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    deleted = await service.delete_phone_number(
        session, instance_id=instance.id, phone_number_id=phone_number_id, origin=settings.origin
    )
    return ClerkJSONResponse(deleted)


@router.patch("/phone_numbers/{phone_number_id}", operation_id="UpdatePhoneNumber")
async def update_phone_number(
    phone_number_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: UpdateBody,
) -> ClerkJSONResponse:
    phone_number = await service.update_phone_number(
        session, instance_id=instance.id, phone_number_id=phone_number_id, body=body, origin=settings.origin
    )
    return ClerkJSONResponse(phone_number)


@router.post("/phone_numbers/{phone_number_id}/prepare_verification", operation_id="PreparePhoneNumberVerification")
async def prepare_phone_number_verification(
    phone_number_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    verification = await verifications.prepare(session, ctx, PHONE_NUMBERS, row_id=phone_number_id)
    return ClerkJSONResponse(verification)


@router.post("/phone_numbers/{phone_number_id}/attempt_verification", operation_id="AttemptPhoneNumberVerification")
async def attempt_phone_number_verification(
    phone_number_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: AttemptBody,
) -> ClerkJSONResponse:
    verification = await verifications.attempt(
        session,
        PHONE_NUMBERS,
        instance_id=instance.id,
        row_id=phone_number_id,
        body=body,
        origin=settings.origin,
    )
    return ClerkJSONResponse(verification)


@router.put("/users/{user_id}/phone_number", operation_id="ReplaceUserPhoneNumber")
async def replace_user_phone_number(
    user_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings, body: ReplaceBody
) -> ClerkJSONResponse:
    phone_number = await service.replace_user_phone_number(
        session, instance_id=instance.id, user_id=user_id, body=body, origin=settings.origin
    )
    return ClerkJSONResponse(phone_number)
