"""locum's own: the emails and SMS messages an instance sent (or would have), newest first.

What Clerk shows in its dashboard; tests read verification codes (`otp_code`) and invitation links
here. Mounted at /locum with the secret key, like every /locum endpoint.
"""

from typing import Annotated

from locum.api.deps import Context, DbReadSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.messages_admin import service
from locum.resources.messages_admin.schemas import MessageListParams

router = resource_router(tags=["locum"])


@router.get("/messages")
async def list_messages(
    ctx: Context, session: DbReadSession, query: Annotated[MessageListParams, query_model(MessageListParams)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_messages(session, ctx, query=query))


@router.get("/messages/{message_id}")
async def get_message(message_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_message(session, ctx, message_id=message_id))
