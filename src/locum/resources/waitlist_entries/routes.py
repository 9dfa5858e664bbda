"""Clerk's Waitlist Entries operations."""

from typing import Annotated

from fastapi import Body

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.waitlist_entries import service
from locum.resources.waitlist_entries.schemas import (
    CreateWaitlistEntryBody,
    InviteWaitlistEntryBody,
    WaitlistEntryListParams,
)

router = resource_router(tags=["Waitlist Entries"])


@router.get("/waitlist_entries", operation_id="ListWaitlistEntries")
async def list_waitlist_entries(
    ctx: Context,
    session: DbReadSession,
    params: Annotated[WaitlistEntryListParams, query_model(WaitlistEntryListParams)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_waitlist_entries(session, ctx, params))


@router.post("/waitlist_entries", operation_id="CreateWaitlistEntry")
async def create_waitlist_entry(
    ctx: Context, session: DbSession, body: Annotated[CreateWaitlistEntryBody, body_of(CreateWaitlistEntryBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_waitlist_entry(session, ctx, body))


@router.post("/waitlist_entries/bulk", operation_id="CreateBulkWaitlistEntries")
async def create_bulk_waitlist_entries(
    ctx: Context,
    session: DbSession,
    # A JSON array: body_of reads one object, so FastAPI parses the list (its items are ClerkBody).
    body: Annotated[list[CreateWaitlistEntryBody], Body()],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_waitlist_entries_bulk(session, ctx, body))


@router.delete("/waitlist_entries/{waitlist_entry_id}", operation_id="DeleteWaitlistEntry")
async def delete_waitlist_entry(waitlist_entry_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_waitlist_entry(session, ctx, waitlist_entry_id=waitlist_entry_id))


@router.post("/waitlist_entries/{waitlist_entry_id}/invite", operation_id="InviteWaitlistEntry")
async def invite_waitlist_entry(
    waitlist_entry_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[InviteWaitlistEntryBody, body_of(InviteWaitlistEntryBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.invite_waitlist_entry(session, ctx, waitlist_entry_id=waitlist_entry_id, body=body)
    )


@router.post("/waitlist_entries/{waitlist_entry_id}/reject", operation_id="RejectWaitlistEntry")
async def reject_waitlist_entry(waitlist_entry_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.reject_waitlist_entry(session, ctx, waitlist_entry_id=waitlist_entry_id))
