"""Reading an instance's messages: filtered by kind and recipient, newest first.

Each message is rendered on its own, its stored `data` read apart from the row: data that cannot be
read or rendered (a row written by hand) shows as null instead of failing the page.
"""

import orjson
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from locum.api.errors import not_found
from locum.db.models import Message
from locum.messages.serializers import message_json
from locum.outbox.isolation import RENDERING_ERRORS, json_text
from locum.resources.messages_admin.schemas import MessageListParams


def _with_stored_data() -> Select[Message, str]:
    return select(Message, json_text(Message.data)).options(defer(Message.data))


def _rendered(message: Message, stored_data: str) -> bytes:
    try:
        return orjson.dumps(message_json(message, data=orjson.loads(stored_data)))
    except RENDERING_ERRORS:
        return orjson.dumps(message_json(message, data=None))


async def list_messages(
    session: AsyncSession, *, instance_id: str, params: MessageListParams
) -> tuple[list[bytes], int]:
    """A page of rendered messages and their total count."""
    conditions = [Message.instance_id == instance_id]
    if params.kind is not None:
        conditions.append(Message.kind == params.kind)
    if params.to is not None:
        conditions.append(func.lower(Message.to_address) == params.to.strip().lower())
    rows = await session.execute(
        _with_stored_data()
        .where(*conditions)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(params.limit)
        .offset(params.offset)
    )
    messages = [_rendered(message, stored_data) for message, stored_data in rows]
    total = await session.scalar(select(func.count()).select_from(Message).where(*conditions))
    return messages, int(total or 0)


async def get_message(session: AsyncSession, *, instance_id: str, message_id: str) -> bytes:
    row = (
        await session.execute(_with_stored_data().where(Message.instance_id == instance_id, Message.id == message_id))
    ).first()
    if row is None:
        raise not_found("message")
    message, stored_data = row
    return _rendered(message, stored_data)
