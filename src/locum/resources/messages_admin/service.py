"""Reading an instance's messages: filtered by kind and recipient, newest first.

Each message is rendered on its own, its stored `data` read apart from the row: data that cannot be
read or rendered (a row written by hand) shows as null instead of failing the page.
"""

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.pagination import list_document
from locum.db.models import Message
from locum.instances.context import RequestContext
from locum.messages.serializers import message_json
from locum.outbox.isolation import RENDERING_ERRORS
from locum.resources.messages_admin.repository import MessageRepository
from locum.resources.messages_admin.schemas import MessageListParams


def _rendered(message: Message, stored_data: str) -> bytes:
    try:
        return orjson.dumps(message_json(message, data=orjson.loads(stored_data)))
    except RENDERING_ERRORS:
        return orjson.dumps(message_json(message, data=None))


async def list_messages(session: AsyncSession, ctx: RequestContext, *, query: MessageListParams) -> bytes:
    """`{data, total_count}` of a page of rendered messages."""
    page = await MessageRepository(session, ctx.instance_id).list_page(query)
    return list_document([_rendered(message, stored_data) for message, stored_data in page.items], page.total_count)


async def get_message(session: AsyncSession, ctx: RequestContext, *, message_id: str) -> bytes:
    return _rendered(*await MessageRepository(session, ctx.instance_id).get_stored_or_raise(message_id))
