"""Request bodies and query strings of locum's webhook endpoint and message API (/locum/webhooks/…).

Rules on the values (URL form, known event types, secret format) live in the service, which also
applies them to LOCUM_WEBHOOK_URL and the CLI. On update, an omitted field keeps its value; `null`
clears `description` and `event_types` (every type) and is refused for `url` and `enabled`.
"""

from locum.api.bodies import ClerkBody, LongText
from locum.api.pagination import PageQuery


class CreateWebhookEndpointBody(ClerkBody):
    url: LongText
    # Omitted or empty: every event type.
    event_types: list[str] | None = None
    description: LongText | None = None
    # A fixed `whsec_…` signing secret (e.g. one the app already verifies with); generated if omitted.
    secret: LongText | None = None


class UpdateWebhookEndpointBody(ClerkBody):
    url: LongText | None = None
    event_types: list[str] | None = None
    description: LongText | None = None
    enabled: bool | None = None


class RotateWebhookEndpointSecretBody(ClerkBody):
    secret: LongText | None = None


class WebhookMessageListParams(PageQuery):
    endpoint_id: str | None = None
    event_type: str | None = None
