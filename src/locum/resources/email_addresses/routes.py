from typing import Annotated

from fastapi import Depends

from locum.api.bodies import request_body
from locum.api.deps import AppSettings, Context, CurrentInstance, DbReadSession, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.email_addresses.schemas import (
    CreateEmailAddressBody,
    ReplaceUserEmailAddressBody,
    UpdateEmailAddressBody,
)
from locum.resources.email_addresses.service import EMAIL_ADDRESSES
from locum.resources.identifications import service, verifications
from locum.resources.identifications.schemas import AttemptBody

router = resource_router()

CreateBody = Annotated[CreateEmailAddressBody, Depends(request_body(CreateEmailAddressBody, invalid_status=422))]
# UpdateEmailAddress declares no 422.
UpdateBody = Annotated[UpdateEmailAddressBody, Depends(request_body(UpdateEmailAddressBody, invalid_status=400))]
ReplaceBody = Annotated[
    ReplaceUserEmailAddressBody, Depends(request_body(ReplaceUserEmailAddressBody, invalid_status=422))
]


@router.post("/email_addresses", operation_id="CreateEmailAddress")
async def create_email_address(
    instance: CurrentInstance, session: DbSession, settings: AppSettings, body: CreateBody
) -> ClerkJSONResponse:
    email_address = await service.create(
        session, EMAIL_ADDRESSES, instance_id=instance.id, body=body, origin=settings.origin
    )
    return ClerkJSONResponse(email_address)


@router.get("/email_addresses/{email_address_id}", operation_id="GetEmailAddress")
async def get_email_address(
    email_address_id: str, instance: CurrentInstance, session: DbReadSession
) -> ClerkJSONResponse:
    email_address = await service.get(session, EMAIL_ADDRESSES, instance_id=instance.id, row_id=email_address_id)
    return ClerkJSONResponse(email_address)


@router.delete("/email_addresses/{email_address_id}", operation_id="DeleteEmailAddress")
async def delete_email_address(
    email_address_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    deleted = await service.remove(
        session, EMAIL_ADDRESSES, instance_id=instance.id, row_id=email_address_id, origin=settings.origin
    )
    return ClerkJSONResponse(deleted)


@router.patch("/email_addresses/{email_address_id}", operation_id="UpdateEmailAddress")
async def update_email_address(
    email_address_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: UpdateBody,
) -> ClerkJSONResponse:
    email_address = await service.update(
        session,
        EMAIL_ADDRESSES,
        instance_id=instance.id,
        row_id=email_address_id,
        body=body,
        origin=settings.origin,
    )
    return ClerkJSONResponse(email_address)


@router.post("/email_addresses/{email_address_id}/prepare_verification", operation_id="PrepareEmailAddressVerification")
async def prepare_email_address_verification(
    email_address_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    verification = await verifications.prepare(session, ctx, EMAIL_ADDRESSES, row_id=email_address_id)
    return ClerkJSONResponse(verification)


@router.post("/email_addresses/{email_address_id}/attempt_verification", operation_id="AttemptEmailAddressVerification")
async def attempt_email_address_verification(
    email_address_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: AttemptBody,
) -> ClerkJSONResponse:
    verification = await verifications.attempt(
        session,
        EMAIL_ADDRESSES,
        instance_id=instance.id,
        row_id=email_address_id,
        body=body,
        origin=settings.origin,
    )
    return ClerkJSONResponse(verification)


@router.put("/users/{user_id}/email_address", operation_id="ReplaceUserEmailAddress")
async def replace_user_email_address(
    user_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings, body: ReplaceBody
) -> ClerkJSONResponse:
    email_address = await service.replace(
        session, EMAIL_ADDRESSES, instance_id=instance.id, user_id=user_id, body=body, origin=settings.origin
    )
    return ClerkJSONResponse(email_address)
