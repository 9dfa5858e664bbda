"""The instance's webhook endpoints, and its events as webhook messages with their deliveries.

JSON columns are read as stored text (outbox.isolation.json_text) and parsed row by row, so one row
nobody can parse is that row's error instead of a failed page.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, delete, select, update
from sqlalchemy.orm import defer

from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import Page, PageQuery, count_of, ordered, window
from locum.db.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from locum.db.repository import InstanceRepository
from locum.outbox.dispatch import PENDING, stored_event_types
from locum.outbox.isolation import json_text
from locum.resources.webhook_endpoints.errors import endpoint_not_found, message_not_found

# An endpoint and its event types as stored text (read them with outbox.dispatch.read_event_types).
EndpointRow = Row[*tuple[Any, ...]]


class WebhookEndpointRepository(InstanceRepository[WebhookEndpoint]):
    """Rows come with `event_types` unloaded (assigning them is fine); the reads that show them
    select the stored text beside the row (the `…_with_event_types` methods)."""

    model = WebhookEndpoint
    id_kind = "webhook_endpoint"

    def not_found(self, id: str) -> Exception:
        return endpoint_not_found()

    def select(self, *columns: Any) -> Select[Any]:
        statement = super().select(*columns)
        return statement if columns else statement.options(defer(WebhookEndpoint.event_types))

    def add_enabled(
        self, *, url: str, event_types: list[str], description: str, sealed_secret: bytes, source: str
    ) -> WebhookEndpoint:
        """A new enabled endpoint, its values already checked."""
        return self.add(
            url=url,
            description=description,
            sealed_secret=sealed_secret,
            event_types=event_types,
            enabled=True,
            disabled_reason=None,
            source=source,
        )

    def _with_event_types(self) -> Select[Any]:
        return self.select(WebhookEndpoint, stored_event_types()).options(defer(WebhookEndpoint.event_types))

    async def get_with_event_types(self, id: str) -> EndpointRow | None:
        return (await self.session.execute(self._with_event_types().where(WebhookEndpoint.id == id))).first()

    def _newest_first(self) -> Select[Any]:
        return ordered(self._with_event_types(), NEWEST_FIRST, WebhookEndpoint.created_at, WebhookEndpoint.id)

    async def page_with_event_types(self, page: PageQuery) -> Page[EndpointRow]:
        """Newest first."""
        statement = self._newest_first()
        rows = await self.session.execute(window(statement, page))
        return Page(list(rows), int(await self.session.scalar(count_of(statement)) or 0))

    async def all_with_event_types(self) -> list[EndpointRow]:
        """Newest first."""
        return list(await self.session.execute(self._newest_first()))

    async def filters(self, *, endpoint_id: str | None) -> list[Row[str, str, bool]]:
        """(id, event_types as stored text, enabled) of the endpoint asked for, or of every enabled one."""
        statement = self.select(WebhookEndpoint.id, stored_event_types().label("event_types"), WebhookEndpoint.enabled)
        if endpoint_id is not None:
            statement = statement.where(WebhookEndpoint.id == endpoint_id)
        else:
            statement = statement.where(WebhookEndpoint.enabled.is_(True))
        return list(await self.session.execute(statement))

    async def with_source(self, source: str) -> Sequence[WebhookEndpoint]:
        """Oldest first."""
        statement = self.select().where(WebhookEndpoint.source == source)
        return (await self.session.scalars(statement.order_by(WebhookEndpoint.created_at, WebhookEndpoint.id))).all()

    async def delete_all(self) -> None:
        """Every endpoint of the instance, with its deliveries and their attempts (foreign keys cascade)."""
        await self.session.execute(delete(WebhookEndpoint).where(self.scope()))


class WebhookMessageRepository(InstanceRepository[Event]):
    """Events as webhook messages: each with its deliveries to the endpoints, and their attempts."""

    model = Event
    id_kind = "event"

    def not_found(self, id: str) -> Exception:
        return message_not_found()

    def _delivered_to(self, endpoint_id: str) -> Any:
        return Event.id.in_(
            select(WebhookDelivery.event_id).where(
                self.scope(WebhookDelivery), WebhookDelivery.endpoint_id == endpoint_id
            )
        )

    async def page(
        self, page: PageQuery, *, endpoint_id: str | None, event_type: str | None
    ) -> Page[Row[*tuple[Any, ...]]]:
        """Newest first; with `endpoint_id`, only the events fanned out to that endpoint. Each row has
        the event's id, instance_id, type, created_at and error, and its data and attributes as
        stored text."""
        statement = self.select(
            Event.id,
            Event.instance_id,
            Event.type,
            Event.created_at,
            Event.error,
            json_text(Event.data).label("data"),
            json_text(Event.attributes).label("attributes"),
        )
        if endpoint_id is not None:
            statement = statement.where(self._delivered_to(endpoint_id))
        if event_type is not None:
            statement = statement.where(Event.type == event_type)
        rows = await self.session.execute(window(ordered(statement, NEWEST_FIRST, Event.created_at, Event.id), page))
        return Page(list(rows), int(await self.session.scalar(count_of(statement)) or 0))

    async def deliveries(self, event_ids: Sequence[str], *, endpoint_id: str | None) -> Sequence[WebhookDelivery]:
        """The deliveries of those events (to one endpoint only, if given), oldest first."""
        statement = select(WebhookDelivery).where(self.scope(WebhookDelivery), WebhookDelivery.event_id.in_(event_ids))
        if endpoint_id is not None:
            statement = statement.where(WebhookDelivery.endpoint_id == endpoint_id)
        return (await self.session.scalars(statement.order_by(WebhookDelivery.created_at, WebhookDelivery.id))).all()

    async def attempts(self, delivery_ids: Sequence[str]) -> Sequence[WebhookAttempt]:
        """The attempts of those deliveries, oldest first."""
        statement = select(WebhookAttempt).where(
            self.scope(WebhookAttempt), WebhookAttempt.delivery_id.in_(delivery_ids)
        )
        return (await self.session.scalars(statement.order_by(WebhookAttempt.attempted_at, WebhookAttempt.id))).all()

    async def type_or_raise(self, id: str) -> str:
        event_type: str | None = await self.session.scalar(self.select(Event.type).where(Event.id == id))
        if event_type is None:
            raise self.not_found(id)
        return event_type

    def replayed(self, *, event_id: str | None = None, since: int | None = None) -> Select[str, str]:
        """(id, type) of the events a replay covers: the one event, or those created at or after `since` (ms)."""
        statement = self.select(Event.id, Event.type)
        if event_id is not None:
            statement = statement.where(Event.id == event_id)
        if since is not None:
            statement = statement.where(Event.created_at >= since)
        return statement

    async def forget_errors(self, events: Select[str, str]) -> None:
        """Clear the error of those `events` (id, type) that now have a delivery queued afresh (a replay's)."""
        queued_afresh = select(WebhookDelivery.event_id).where(
            self.scope(WebhookDelivery), WebhookDelivery.status == PENDING, WebhookDelivery.attempt_count == 0
        )
        await self.session.execute(
            update(Event)
            .where(
                self.scope(),
                Event.id.in_(events.with_only_columns(Event.id)),
                Event.id.in_(queued_afresh),
                Event.error.is_not(None),
            )
            .values(error=None),
            execution_options={"synchronize_session": False},
        )
