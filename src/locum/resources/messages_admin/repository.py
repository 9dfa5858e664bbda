"""An instance's messages, each read with its stored `data` as text apart from the row (service.py
renders it, and tells data that can't be read from the rest)."""

from typing import Any

from sqlalchemy import Select, func
from sqlalchemy.orm import defer

from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import Page, count_of, ordered, window
from locum.db.models import Message
from locum.db.repository import InstanceRepository
from locum.outbox.isolation import json_text
from locum.resources.messages_admin.errors import message_not_found
from locum.resources.messages_admin.schemas import MessageListParams

StoredMessage = tuple[Message, str]


class MessageRepository(InstanceRepository[Message]):
    model = Message
    # Messages are written by locum.messages (an SMS gets an `sms` id); this repository only reads.
    id_kind = "email"

    def not_found(self, id: str) -> Exception:
        return message_not_found()

    def _with_stored_data(self) -> Select[Any]:
        return self.select(Message, json_text(Message.data)).options(defer(Message.data))

    async def list_page(self, query: MessageListParams) -> Page[StoredMessage]:
        """Newest first, filtered by kind and recipient."""
        statement = self._with_stored_data()
        if query.kind is not None:
            statement = statement.where(Message.kind == query.kind)
        if query.to is not None:
            statement = statement.where(func.lower(Message.to_address) == query.to.strip().lower())
        rows = await self.session.execute(
            window(ordered(statement, NEWEST_FIRST, Message.created_at, Message.id), query)
        )
        total = await self.session.scalar(count_of(statement))
        return Page([(message, data) for message, data in rows.tuples()], int(total or 0))

    async def get_stored_or_raise(self, message_id: str) -> StoredMessage:
        row = (await self.session.execute(self._with_stored_data().where(Message.id == message_id))).first()
        if row is None:
            raise self.not_found(message_id)
        message, stored_data = row
        return message, stored_data
