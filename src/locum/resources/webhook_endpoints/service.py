"""Webhook endpoint rules, the LOCUM_WEBHOOK_URL endpoint, and the message log with its deliveries.

An endpoint's URL must be absolute http(s) (localhost is fine: this is a development tool), its
event types must be in Clerk's catalogue (none means all), and its secret is `whsec_…` (generated
when not given, sealed at rest, shown on every read like Svix's "reveal secret"). Sources: "api"
and "cli" for endpoints added by hand, "environment" for the one LOCUM_WEBHOOK_URL configures.

Every read and change answers for any stored row: a secret sealed with another master key shows
as null (rotate it to get a new one), and stored event types that are no list of event types show
as null (set them again); such an endpoint gets no events meanwhile (see outbox.dispatch).
"""

import base64
import binascii
from collections.abc import Sequence
from typing import Literal

import httpx
from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from locum.api.errors import (
    ClerkError,
    form_param_format_invalid,
    form_param_max_length_exceeded,
    form_param_value_invalid,
    not_found,
)
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.kit.sealing import Sealer
from locum.outbox.dispatch import read_event_types, stored_event_types
from locum.outbox.isolation import json_text
from locum.outbox.signing import SECRET_PREFIX, new_endpoint_secret
from locum.resources.webhook_endpoints.event_types import WEBHOOK_EVENT_TYPES
from locum.resources.webhook_endpoints.schemas import UpdateWebhookEndpointBody
from locum.resources.webhook_endpoints.serializers import (
    JSON,
    deleted_webhook_endpoint_json,
    webhook_delivery_json,
    webhook_endpoint_json,
    webhook_message_json,
)

Source = Literal["api", "cli", "environment"]
ENVIRONMENT_SOURCE: Source = "environment"
ENVIRONMENT_DESCRIPTION = "LOCUM_WEBHOOK_URL"
URL_SCHEMES = ("http", "https")
URL_MAX_LENGTH = 2048
DESCRIPTION_MAX_LENGTH = 1024
MAX_PORT = 65535
# Standard Webhooks (which Svix, and so Clerk, follows): signing secrets of 24 to 64 random bytes.
MIN_SECRET_KEY_BYTES = 24
MAX_SECRET_KEY_BYTES = 64
# disabled_reason of an endpoint switched off through the API (the worker sets its own reason).
MANUALLY_DISABLED = "manual"
ENDPOINT_RESOURCE = "webhook endpoint"


def form_param_nil(name: str) -> ClerkError:
    return ClerkError(422, "form_param_nil", "cannot be null", f"{name} cannot be null.", {"param_name": name})


def url_problem(url: str) -> str | None:
    """Why `url` can't receive webhooks, or None when it can."""
    if len(url) > URL_MAX_LENGTH:
        return f"The URL must not be longer than {URL_MAX_LENGTH} characters."
    # What the delivery worker's HTTP client accepts (it rejects a port that is no number, for one).
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return f"{url!r} is not a valid URL."
    if parsed.scheme not in URL_SCHEMES or not parsed.host or any(char.isspace() for char in url):
        return f"{url!r} is not an absolute http:// or https:// URL."
    if parsed.port is not None and not 0 < parsed.port <= MAX_PORT:
        return f"{url!r} names port {parsed.port}, beyond {MAX_PORT}."
    return None


def secret_problem(secret: str) -> str | None:
    """Why `secret` is not a usable `whsec_…` signing secret, or None when it is."""
    if not secret.startswith(SECRET_PREFIX):
        return f"The secret must start with {SECRET_PREFIX}."
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        return f"The secret must be {SECRET_PREFIX} followed by base64."
    if not MIN_SECRET_KEY_BYTES <= len(key) <= MAX_SECRET_KEY_BYTES:
        return (
            f"The secret's key must decode to {MIN_SECRET_KEY_BYTES} to {MAX_SECRET_KEY_BYTES} bytes "
            f"(it decodes to {len(key)})."
        )
    return None


def _checked_url(url: str) -> str:
    problem = url_problem(url)
    if problem is not None:
        raise form_param_format_invalid("url", problem)
    return url


def _checked_event_types(event_types: Sequence[str] | None) -> list[str]:
    """The filter without repeats, in the order given; empty for every type."""
    unknown = [event_type for event_type in event_types or () if event_type not in WEBHOOK_EVENT_TYPES]
    if unknown:
        raise form_param_value_invalid(
            "event_types", f"{', '.join(map(repr, unknown))} not in Clerk's webhook event types."
        )
    return list(dict.fromkeys(event_types or ()))


def _checked_description(description: str | None) -> str:
    if description is not None and len(description) > DESCRIPTION_MAX_LENGTH:
        raise form_param_max_length_exceeded("description", DESCRIPTION_MAX_LENGTH)
    return description or ""


def _checked_secret(secret: str) -> str:
    problem = secret_problem(secret)
    if problem is not None:
        raise form_param_format_invalid("secret", problem)
    return secret


def _endpoint_json(endpoint: WebhookEndpoint, sealer: Sealer, *, event_types: list[str] | None) -> JSON:
    try:
        secret: str | None = sealer.unseal(endpoint.sealed_secret)
    except ValueError:
        secret = None
    return webhook_endpoint_json(endpoint, event_types=event_types, secret=secret)


def _with_stored_event_types() -> Select[WebhookEndpoint, str]:
    """Endpoints with their event types as stored text (for read_event_types), the JSON column unread."""
    return select(WebhookEndpoint, stored_event_types()).options(defer(WebhookEndpoint.event_types))


def _new_endpoint(
    sealer: Sealer, *, instance_id: str, url: str, event_types: list[str], description: str, secret: str, source: Source
) -> WebhookEndpoint:
    at_ms = now_ms()
    return WebhookEndpoint(
        id=new_id("webhook_endpoint"),
        instance_id=instance_id,
        url=url,
        description=description,
        sealed_secret=sealer.seal(secret),
        event_types=event_types,
        enabled=True,
        disabled_reason=None,
        source=source,
        created_at=at_ms,
        updated_at=at_ms,
    )


async def get_endpoint_or_raise(
    db: AsyncSession, *, instance_id: str, endpoint_id: str, for_update: bool = False
) -> WebhookEndpoint:
    """The endpoint, its `event_types` not loaded (assigning them is fine; get_endpoint reads them)."""
    statement = (
        select(WebhookEndpoint)
        .options(defer(WebhookEndpoint.event_types))
        .where(WebhookEndpoint.instance_id == instance_id, WebhookEndpoint.id == endpoint_id)
    )
    endpoint = await db.scalar(locked(statement) if for_update else statement)
    if endpoint is None:
        raise not_found(ENDPOINT_RESOURCE)
    return endpoint


async def get_endpoint(db: AsyncSession, sealer: Sealer, *, instance_id: str, endpoint_id: str) -> JSON:
    row = (
        await db.execute(
            _with_stored_event_types().where(
                WebhookEndpoint.instance_id == instance_id, WebhookEndpoint.id == endpoint_id
            )
        )
    ).first()
    if row is None:
        raise not_found(ENDPOINT_RESOURCE)
    endpoint, stored = row
    return _endpoint_json(endpoint, sealer, event_types=read_event_types(stored))


async def list_endpoints(
    db: AsyncSession, sealer: Sealer, *, instance_id: str, limit: int | None = None, offset: int = 0
) -> tuple[list[JSON], int]:
    """A page of the instance's endpoints, newest first (all of them without `limit`), and their total count."""
    rows = await db.execute(
        _with_stored_event_types()
        .where(WebhookEndpoint.instance_id == instance_id)
        .order_by(WebhookEndpoint.created_at.desc(), WebhookEndpoint.id.desc())
        .limit(limit)
        .offset(offset)
    )
    endpoints = [_endpoint_json(row, sealer, event_types=read_event_types(stored)) for row, stored in rows.all()]
    total = await db.scalar(
        select(func.count()).select_from(WebhookEndpoint).where(WebhookEndpoint.instance_id == instance_id)
    )
    return endpoints, int(total or 0)


async def create_endpoint(
    db: AsyncSession,
    sealer: Sealer,
    *,
    instance_id: str,
    url: str,
    event_types: Sequence[str] | None = None,
    description: str | None = None,
    secret: str | None = None,
    source: Source,
) -> JSON:
    endpoint = _new_endpoint(
        sealer,
        instance_id=instance_id,
        url=_checked_url(url),
        event_types=_checked_event_types(event_types),
        description=_checked_description(description),
        secret=new_endpoint_secret() if secret is None else _checked_secret(secret),
        source=source,
    )
    db.add(endpoint)
    await flush(db)
    return _endpoint_json(endpoint, sealer, event_types=endpoint.event_types)


async def update_endpoint(
    db: AsyncSession, sealer: Sealer, *, instance_id: str, endpoint_id: str, body: UpdateWebhookEndpointBody
) -> JSON:
    endpoint = await get_endpoint_or_raise(db, instance_id=instance_id, endpoint_id=endpoint_id, for_update=True)
    given = body.model_fields_set
    for required in ("url", "enabled"):
        if required in given and getattr(body, required) is None:
            raise form_param_nil(required)
    if body.url is not None:
        endpoint.url = _checked_url(body.url)
    if "event_types" in given:
        endpoint.event_types = _checked_event_types(body.event_types)
    if "description" in given:
        endpoint.description = _checked_description(body.description)
    if body.enabled is not None and body.enabled != endpoint.enabled:
        endpoint.enabled = body.enabled
        endpoint.disabled_reason = None if body.enabled else MANUALLY_DISABLED
    endpoint.updated_at = now_ms()
    await flush(db)
    return await get_endpoint(db, sealer, instance_id=instance_id, endpoint_id=endpoint_id)


async def rotate_endpoint_secret(
    db: AsyncSession, sealer: Sealer, *, instance_id: str, endpoint_id: str, secret: str | None
) -> JSON:
    """A new signing secret (`secret`, or a generated one); deliveries from now on, retries included, use it."""
    endpoint = await get_endpoint_or_raise(db, instance_id=instance_id, endpoint_id=endpoint_id, for_update=True)
    endpoint.sealed_secret = sealer.seal(new_endpoint_secret() if secret is None else _checked_secret(secret))
    endpoint.updated_at = now_ms()
    await flush(db)
    return await get_endpoint(db, sealer, instance_id=instance_id, endpoint_id=endpoint_id)


async def delete_endpoint(db: AsyncSession, *, instance_id: str, endpoint_id: str) -> JSON:
    """Deletes the endpoint with its deliveries and their attempts (foreign keys cascade)."""
    endpoint = await get_endpoint_or_raise(db, instance_id=instance_id, endpoint_id=endpoint_id, for_update=True)
    await db.delete(endpoint)
    await flush(db)
    return deleted_webhook_endpoint_json(endpoint_id)


async def delete_all_endpoints(db: AsyncSession, *, instance_id: str) -> None:
    await db.execute(delete(WebhookEndpoint).where(WebhookEndpoint.instance_id == instance_id))


async def ensure_environment_endpoint(
    session: AsyncSession, sealer: Sealer, *, instance_id: str, url: str | None, secret: str | None
) -> str | None:
    """Make the instance's one "environment" endpoint match LOCUM_WEBHOOK_URL / LOCUM_WEBHOOK_SECRET.

    Without `url` the endpoint is removed (None is returned). Otherwise it is created or updated and
    its signing secret returned: `secret` when given, else the one it already has, else a new one
    (kept from then on). A changed URL is a new receiver, so it re-enables a disabled endpoint; the
    same URL keeps the state the worker or the API left it in. Raises ValueError for a malformed
    URL or secret, before changing anything. Empty values count as unset.
    """
    url, secret = url or None, secret or None
    if url:
        problem = url_problem(url)
        if problem is not None:
            raise ValueError(f"LOCUM_WEBHOOK_URL: {problem}")
    if url and secret:
        problem = secret_problem(secret)
        if problem is not None:
            raise ValueError(f"LOCUM_WEBHOOK_SECRET: {problem}")
    existing = (
        await session.scalars(
            select(WebhookEndpoint)
            .options(defer(WebhookEndpoint.event_types))
            .where(WebhookEndpoint.instance_id == instance_id, WebhookEndpoint.source == ENVIRONMENT_SOURCE)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        )
    ).all()
    kept = existing[0] if existing and url else None
    for extra in existing:
        if extra is not kept:
            await session.delete(extra)
    if not url:
        await session.flush()
        return None
    if kept is None:
        signing_secret = secret or new_endpoint_secret()
        session.add(
            _new_endpoint(
                sealer,
                instance_id=instance_id,
                url=url,
                event_types=[],
                description=ENVIRONMENT_DESCRIPTION,
                secret=signing_secret,
                source=ENVIRONMENT_SOURCE,
            )
        )
        await session.flush()
        return signing_secret
    signing_secret = sealer.unseal(kept.sealed_secret)
    if kept.url != url:
        kept.url, kept.enabled, kept.disabled_reason = url, True, None
        kept.updated_at = now_ms()
    if secret is not None and secret != signing_secret:
        kept.sealed_secret, signing_secret = sealer.seal(secret), secret
        kept.updated_at = now_ms()
    await session.flush()
    return signing_secret


async def list_messages(
    db: AsyncSession,
    *,
    instance_id: str,
    endpoint_id: str | None = None,
    event_type: str | None = None,
    limit: int,
    offset: int = 0,
) -> tuple[list[JSON], int]:
    """A page of the instance's events as webhook messages, newest first, and their total count.

    With `endpoint_id`, only events fanned out to that endpoint, each with that endpoint's delivery
    only. Four queries whatever the page size: events, count, deliveries, attempts.
    """
    filters = [Event.instance_id == instance_id]
    if endpoint_id is not None:
        await get_endpoint_or_raise(db, instance_id=instance_id, endpoint_id=endpoint_id)
        filters.append(
            Event.id.in_(
                select(WebhookDelivery.event_id).where(
                    WebhookDelivery.instance_id == instance_id, WebhookDelivery.endpoint_id == endpoint_id
                )
            )
        )
    if event_type is not None:
        filters.append(Event.type == event_type)
    events = (
        await db.execute(
            select(
                Event.id,
                Event.instance_id,
                Event.type,
                Event.created_at,
                Event.error,
                json_text(Event.data).label("data"),
                json_text(Event.attributes).label("attributes"),
            )
            .where(*filters)
            .order_by(Event.created_at.desc(), Event.id.desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()
    total = int(await db.scalar(select(func.count()).select_from(Event).where(*filters)) or 0)
    deliveries_by_event = await _deliveries_by_event(
        db, instance_id=instance_id, event_ids=[event.id for event in events], endpoint_id=endpoint_id
    )
    return [webhook_message_json(event, deliveries_by_event.get(event.id, [])) for event in events], total


async def _deliveries_by_event(
    db: AsyncSession, *, instance_id: str, event_ids: list[str], endpoint_id: str | None
) -> dict[str, list[JSON]]:
    if not event_ids:
        return {}
    delivery_filters = [WebhookDelivery.instance_id == instance_id, WebhookDelivery.event_id.in_(event_ids)]
    if endpoint_id is not None:
        delivery_filters.append(WebhookDelivery.endpoint_id == endpoint_id)
    deliveries = (
        await db.scalars(
            select(WebhookDelivery).where(*delivery_filters).order_by(WebhookDelivery.created_at, WebhookDelivery.id)
        )
    ).all()
    attempts_by_delivery: dict[str, list[WebhookAttempt]] = {}
    if deliveries:
        attempts = await db.scalars(
            select(WebhookAttempt)
            .where(
                WebhookAttempt.instance_id == instance_id,
                WebhookAttempt.delivery_id.in_([delivery.id for delivery in deliveries]),
            )
            .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
        )
        for attempt in attempts:
            attempts_by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
    by_event: dict[str, list[JSON]] = {}
    for delivery in deliveries:
        by_event.setdefault(delivery.event_id, []).append(
            webhook_delivery_json(delivery, attempts_by_delivery.get(delivery.id, []))
        )
    return by_event
