"""locum's own: the emails and SMS messages an instance sent (or would have), newest first.

What Clerk shows in its dashboard; tests read verification codes (`otp_code`) and invitation links
here. Mounted at /locum with the secret key, like every /locum endpoint.
"""

from typing import Annotated

from locum.api.deps import CurrentInstance, DbReadSession
from locum.api.paging import list_document
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.messages_admin import service
from locum.resources.messages_admin.schemas import MessageListParams

router = resource_router(tags=["locum"])

ListParams = Annotated[MessageListParams, query_model(MessageListParams)]


@router.get("/messages")
async def list_messages(instance: CurrentInstance, db: DbReadSession, params: ListParams) -> ClerkJSONResponse:
    messages, total_count = await service.list_messages(db, instance_id=instance.id, params=params)
    return ClerkJSONResponse(list_document(messages, total_count))


@router.get("/messages/{message_id}")
async def get_message(message_id: str, instance: CurrentInstance, db: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_message(db, instance_id=instance.id, message_id=message_id))
