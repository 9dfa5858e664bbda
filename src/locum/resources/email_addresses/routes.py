from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
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

CreateBody = Annotated[CreateEmailAddressBody, body_of(CreateEmailAddressBody)]
# UpdateEmailAddress declares no 422.
UpdateBody = Annotated[UpdateEmailAddressBody, body_of(UpdateEmailAddressBody, invalid_status=400)]
ReplaceBody = Annotated[ReplaceUserEmailAddressBody, body_of(ReplaceUserEmailAddressBody)]


@router.post("/email_addresses", operation_id="CreateEmailAddress")
async def create_email_address(ctx: Context, session: DbSession, body: CreateBody) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create(session, ctx, EMAIL_ADDRESSES, body))


@router.get("/email_addresses/{email_address_id}", operation_id="GetEmailAddress")
async def get_email_address(email_address_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get(session, ctx, EMAIL_ADDRESSES, email_address_id))


@router.delete("/email_addresses/{email_address_id}", operation_id="DeleteEmailAddress")
async def delete_email_address(email_address_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.remove(session, ctx, EMAIL_ADDRESSES, email_address_id))


@router.patch("/email_addresses/{email_address_id}", operation_id="UpdateEmailAddress")
async def update_email_address(
    email_address_id: str, ctx: Context, session: DbSession, body: UpdateBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update(session, ctx, EMAIL_ADDRESSES, email_address_id, body))


@router.post("/email_addresses/{email_address_id}/prepare_verification", operation_id="PrepareEmailAddressVerification")
async def prepare_email_address_verification(
    email_address_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await verifications.prepare(session, ctx, EMAIL_ADDRESSES, email_address_id))


@router.post("/email_addresses/{email_address_id}/attempt_verification", operation_id="AttemptEmailAddressVerification")
async def attempt_email_address_verification(
    email_address_id: str, ctx: Context, session: DbSession, body: AttemptBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await verifications.attempt(session, ctx, EMAIL_ADDRESSES, email_address_id, body))


@router.put("/users/{user_id}/email_address", operation_id="ReplaceUserEmailAddress")
async def replace_user_email_address(
    user_id: str, ctx: Context, session: DbSession, body: ReplaceBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.replace(session, ctx, EMAIL_ADDRESSES, user_id, body))
