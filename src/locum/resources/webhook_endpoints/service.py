"""Webhook endpoint rules, the message log with its deliveries, and the dashboard page.

An endpoint's URL must be absolute http(s) (localhost is fine: this is a development tool), its
event types must be in Clerk's catalogue (none means all), and its secret is `whsec_…` (generated
when not given, sealed at rest, shown on every read like Svix's "reveal secret"). Sources: "api"
and "cli" for endpoints added by hand, "environment" for the one LOCUM_WEBHOOK_URL configures
(environment.py).

Every read and change answers for any stored row: a secret sealed with another master key shows
as null (rotate it to get a new one), and stored event types that are no list of event types show
as null (set them again); such an endpoint gets no events meanwhile (see outbox.dispatch).
"""

import base64
import binascii
from collections.abc import Sequence
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_format_invalid, form_param_max_length_exceeded, form_param_value_invalid
from locum.api.pagination import Page, PageQuery, list_body
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import WebhookAttempt, WebhookEndpoint
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.sealing import Sealer
from locum.outbox.dispatch import read_event_types
from locum.outbox.signing import SECRET_PREFIX, new_endpoint_secret
from locum.resources.webhook_endpoints.dashboard import DASHBOARD_MESSAGE_LIMIT, render_dashboard
from locum.resources.webhook_endpoints.dashboard_access import dashboard_instance_or_raise
from locum.resources.webhook_endpoints.errors import form_param_nil
from locum.resources.webhook_endpoints.event_types import WEBHOOK_EVENT_TYPES
from locum.resources.webhook_endpoints.repository import WebhookEndpointRepository, WebhookMessageRepository
from locum.resources.webhook_endpoints.schemas import UpdateWebhookEndpointBody, WebhookMessageListParams
from locum.resources.webhook_endpoints.serializers import (
    deleted_webhook_endpoint_json,
    webhook_delivery_json,
    webhook_endpoint_json,
    webhook_message_json,
)

Source = Literal["api", "cli", "environment"]
URL_SCHEMES = ("http", "https")
URL_MAX_LENGTH = 2048
DESCRIPTION_MAX_LENGTH = 1024
MAX_PORT = 65535
# Standard Webhooks (which Svix, and so Clerk, follows): signing secrets of 24 to 64 random bytes.
MIN_SECRET_KEY_BYTES = 24
MAX_SECRET_KEY_BYTES = 64
# disabled_reason of an endpoint switched off through the API (the worker sets its own reason).
MANUALLY_DISABLED = "manual"


def url_problem(url: str) -> str | None:
    """Why `url` can't receive webhooks, or None when it can."""
    if len(url) > URL_MAX_LENGTH:
        return f"The URL must not be longer than {URL_MAX_LENGTH} characters."
    # What the delivery worker's HTTP client accepts (it rejects a port that is no number, for one).
    # Imported here: a start without LOCUM_WEBHOOK_URL checks no URL, and httpx costs it ~45 ms.
    import httpx

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


def _endpoints_json(rows: Sequence[tuple[WebhookEndpoint, str]], sealer: Sealer) -> list[JSON]:
    return [_endpoint_json(endpoint, sealer, event_types=read_event_types(stored)) for endpoint, stored in rows]


async def get_endpoint(session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, endpoint_id: str) -> JSON:
    endpoints = WebhookEndpointRepository(session, ctx.instance_id)
    row = await endpoints.get_with_event_types(endpoint_id)
    if row is None:
        raise endpoints.not_found(endpoint_id)
    [json] = _endpoints_json([row], sealer)
    return json


async def list_endpoints(session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, page: PageQuery) -> JSON:
    """A page of the instance's endpoints, newest first, with their total count."""
    found = await WebhookEndpointRepository(session, ctx.instance_id).page_with_event_types(page)
    return list_body(_endpoints_json(found.items, sealer), found.total_count)


async def all_endpoints(session: AsyncSession, ctx: RequestContext, *, sealer: Sealer) -> list[JSON]:
    """Every endpoint of the instance, newest first."""
    rows = await WebhookEndpointRepository(session, ctx.instance_id).all_with_event_types()
    return _endpoints_json(rows, sealer)


async def create_endpoint(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    sealer: Sealer,
    url: str,
    event_types: Sequence[str] | None = None,
    description: str | None = None,
    secret: str | None = None,
    source: Source,
) -> JSON:
    endpoint = WebhookEndpointRepository(session, ctx.instance_id).add_enabled(
        url=_checked_url(url),
        event_types=_checked_event_types(event_types),
        description=_checked_description(description),
        sealed_secret=sealer.seal(new_endpoint_secret() if secret is None else _checked_secret(secret)),
        source=source,
    )
    await flush(session)
    return _endpoint_json(endpoint, sealer, event_types=endpoint.event_types)


async def update_endpoint(
    session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, endpoint_id: str, body: UpdateWebhookEndpointBody
) -> JSON:
    endpoint = await WebhookEndpointRepository(session, ctx.instance_id).get_or_raise(endpoint_id, lock=locked)
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
    await flush(session)
    return await get_endpoint(session, ctx, sealer=sealer, endpoint_id=endpoint_id)


async def rotate_endpoint_secret(
    session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, endpoint_id: str, secret: str | None
) -> JSON:
    """A new signing secret (`secret`, or a generated one); deliveries from now on, retries included, use it."""
    endpoint = await WebhookEndpointRepository(session, ctx.instance_id).get_or_raise(endpoint_id, lock=locked)
    endpoint.sealed_secret = sealer.seal(new_endpoint_secret() if secret is None else _checked_secret(secret))
    endpoint.updated_at = now_ms()
    await flush(session)
    return await get_endpoint(session, ctx, sealer=sealer, endpoint_id=endpoint_id)


async def delete_endpoint(session: AsyncSession, ctx: RequestContext, *, endpoint_id: str) -> JSON:
    """Deletes the endpoint with its deliveries and their attempts (foreign keys cascade)."""
    endpoint = await WebhookEndpointRepository(session, ctx.instance_id).get_or_raise(endpoint_id, lock=locked)
    await session.delete(endpoint)
    await flush(session)
    return deleted_webhook_endpoint_json(endpoint_id)


async def delete_all_endpoints(session: AsyncSession, ctx: RequestContext) -> None:
    await WebhookEndpointRepository(session, ctx.instance_id).delete_all()


async def list_messages(session: AsyncSession, ctx: RequestContext, *, query: WebhookMessageListParams) -> JSON:
    """A page of the instance's events as webhook messages, newest first, with their total count.

    With `endpoint_id`, only events fanned out to that endpoint, each with that endpoint's delivery
    only. Four queries whatever the page size: events, count, deliveries, attempts.
    """
    if query.endpoint_id is not None:
        await WebhookEndpointRepository(session, ctx.instance_id).get_or_raise(query.endpoint_id)
    messages = await _messages(
        WebhookMessageRepository(session, ctx.instance_id),
        query,
        endpoint_id=query.endpoint_id,
        event_type=query.event_type,
    )
    return list_body(messages.items, messages.total_count)


async def _messages(
    repository: WebhookMessageRepository, page: PageQuery, *, endpoint_id: str | None, event_type: str | None
) -> Page[JSON]:
    events = await repository.page(page, endpoint_id=endpoint_id, event_type=event_type)
    event_ids = [event.id for event in events.items]
    deliveries = await repository.deliveries(event_ids, endpoint_id=endpoint_id) if event_ids else []
    attempts = await repository.attempts([delivery.id for delivery in deliveries]) if deliveries else []
    attempts_by_delivery: dict[str, list[WebhookAttempt]] = {}
    for attempt in attempts:
        attempts_by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
    deliveries_by_event: dict[str, list[JSON]] = {}
    for delivery in deliveries:
        deliveries_by_event.setdefault(delivery.event_id, []).append(
            webhook_delivery_json(delivery, attempts_by_delivery.get(delivery.id, []))
        )
    messages = [webhook_message_json(event, deliveries_by_event.get(event.id, [])) for event in events.items]
    return Page(messages, events.total_count)


async def dashboard_page(session: AsyncSession, *, sealer: Sealer, key: str) -> str:
    """The dashboard of the instance whose capability `key` is (a public page: there is no request
    context, only the key)."""
    instance_id = await dashboard_instance_or_raise(session, sealer, key)
    rows = await WebhookEndpointRepository(session, instance_id).all_with_event_types()
    messages = await _messages(
        WebhookMessageRepository(session, instance_id),
        PageQuery(limit=DASHBOARD_MESSAGE_LIMIT, offset=0),
        endpoint_id=None,
        event_type=None,
    )
    return render_dashboard(
        instance_id=instance_id,
        endpoints=_endpoints_json(rows, sealer),
        messages=messages.items,
        total=messages.total_count,
    )
