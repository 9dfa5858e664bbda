"""Reading an instance's messages: filtered by kind and recipient, newest first."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import not_found
from locum.db.models import Message
from locum.messages.serializers import JSON, message_json
from locum.resources.messages_admin.schemas import MessageListParams


async def list_messages(
    session: AsyncSession, *, instance_id: str, params: MessageListParams
) -> tuple[list[JSON], int]:
    conditions = [Message.instance_id == instance_id]
    if params.kind is not None:
        conditions.append(Message.kind == params.kind)
    if params.to is not None:
        conditions.append(func.lower(Message.to_address) == params.to.strip().lower())
    rows = await session.scalars(
        select(Message)
        .where(*conditions)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(params.limit)
        .offset(params.offset)
    )
    messages = [message_json(row) for row in rows]
    total = await session.scalar(select(func.count()).select_from(Message).where(*conditions))
    return messages, int(total or 0)


async def get_message(session: AsyncSession, *, instance_id: str, message_id: str) -> JSON:
    message = await session.scalar(select(Message).where(Message.instance_id == instance_id, Message.id == message_id))
    if message is None:
        raise not_found("message")
    return message_json(message)
