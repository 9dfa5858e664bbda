"""The instance's webhook deliveries as a replay changes them: cycles restarted, missing ones added."""

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Select, select, update

from locum.api.errors import not_found
from locum.db.models import Event, WebhookDelivery
from locum.db.repository import InstanceRepository
from locum.outbox.dispatch import PENDING, insert_deliveries_ignoring_existing, new_delivery_row, wants
from locum.outbox.repository import FAILED, new_version

# (id, event_types) of an endpoint a replay delivers to.
Endpoint = tuple[str, list[str]]


class WebhookDeliveryRepository(InstanceRepository[WebhookDelivery]):
    model = WebhookDelivery
    id_kind = "webhook_delivery"

    def not_found(self, id: str) -> Exception:
        return not_found("webhook delivery")

    async def restart_cycles(
        self, events: Select[str, str], endpoint_ids: Sequence[str], *, failed_only: bool, at_ms: int
    ) -> int:
        """Start a new attempt cycle (pending, no attempts, due at `at_ms`) for the deliveries of the
        `events` (id, type) to those endpoints (the failed ones only, if `failed_only`); returns how many."""
        statement = update(WebhookDelivery).where(
            self.scope(),
            WebhookDelivery.endpoint_id.in_(endpoint_ids),
            WebhookDelivery.event_id.in_(events.with_only_columns(Event.id)),
        )
        if failed_only:
            statement = statement.where(WebhookDelivery.status == FAILED)
        restarted = await self.session.execute(
            statement.values(status=PENDING, attempt_count=0, next_attempt_at=at_ms, updated_at=new_version(at_ms)),
            execution_options={"synchronize_session": False},
        )
        # An UPDATE's result is a CursorResult, with a rowcount; execute() is typed for any statement.
        return cast(CursorResult[Any], restarted).rowcount

    async def add_missing(self, events: Select[str, str], endpoints: Sequence[Endpoint], *, at_ms: int) -> int:
        """Deliveries for the `events` (id, type) that an endpoint wants but never got; returns how many."""
        rows = []
        for endpoint_id, event_types in endpoints:
            without_delivery = events.where(
                ~select(WebhookDelivery.id)
                .where(
                    self.scope(),
                    WebhookDelivery.event_id == Event.id,
                    WebhookDelivery.endpoint_id == endpoint_id,
                )
                .exists()
            )
            rows += [
                new_delivery_row(instance_id=self.instance_id, event_id=event_id, endpoint_id=endpoint_id, at_ms=at_ms)
                for event_id, event_type in await self.session.execute(without_delivery)
                if wants(event_types, event_type)
            ]
        if rows:
            await self.session.execute(insert_deliveries_ignoring_existing(self.session), rows)
        return len(rows)
