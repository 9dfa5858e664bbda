"""The endpoint LOCUM_WEBHOOK_URL configures, made to match the environment at every `locum serve`.

This runs before any request, for the default instance, so it is given that instance's id rather
than a request context.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.kit.clock import now_ms
from locum.kit.sealing import Sealer
from locum.outbox.signing import new_endpoint_secret
from locum.resources.webhook_endpoints.repository import WebhookEndpointRepository
from locum.resources.webhook_endpoints.service import Source, secret_problem, url_problem

ENVIRONMENT_SOURCE: Source = "environment"
ENVIRONMENT_DESCRIPTION = "LOCUM_WEBHOOK_URL"


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
    endpoints = WebhookEndpointRepository(session, instance_id)
    existing = await endpoints.with_source(ENVIRONMENT_SOURCE)
    kept = existing[0] if existing and url else None
    for extra in existing:
        if extra is not kept:
            await session.delete(extra)
    if not url:
        await session.flush()
        return None
    if kept is None:
        signing_secret = secret or new_endpoint_secret()
        endpoints.add_enabled(
            url=url,
            event_types=[],
            description=ENVIRONMENT_DESCRIPTION,
            sealed_secret=sealer.seal(signing_secret),
            source=ENVIRONMENT_SOURCE,
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
