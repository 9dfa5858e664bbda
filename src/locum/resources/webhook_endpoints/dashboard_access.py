"""The `key` of the webhook dashboard URL: a capability a browser can carry in a link.

Clerk hands out a temporary Svix dashboard URL (GenerateSvixAuthURL); the browser opening it has no
secret key. locum's key is the JSON {purpose, instance_id, expires_at} sealed with the master key
(Fernet: AES and an HMAC-SHA256 tag), so it cannot be forged or altered, names its instance, and
stops working after DASHBOARD_KEY_LIFETIME_MS, or as soon as the instance's Svix app is deleted
(DeleteSvixApp), as Svix's links die with their app. `purpose` keeps any other sealed value (a
stored secret, say) from passing as a key.
"""

from urllib.parse import urlencode

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.sealing import Sealer
from locum.resources.svix.repository import SvixAppRepository
from locum.resources.webhook_endpoints.errors import dashboard_key_invalid

DASHBOARD_PATH = "/locum/webhooks/dashboard"
DASHBOARD_KEY_PURPOSE = "locum_webhook_dashboard"
DASHBOARD_KEY_LIFETIME_MS = 7 * 24 * 3600 * 1000


def issue_dashboard_key(sealer: Sealer, *, instance_id: str) -> str:
    claims = {
        "purpose": DASHBOARD_KEY_PURPOSE,
        "instance_id": instance_id,
        "expires_at": now_ms() + DASHBOARD_KEY_LIFETIME_MS,
    }
    return sealer.seal(orjson.dumps(claims).decode()).decode()


def dashboard_url(sealer: Sealer, ctx: RequestContext) -> str:
    """The link to the dashboard of the context's instance, on its origin."""
    key = issue_dashboard_key(sealer, instance_id=ctx.instance_id)
    return f"{ctx.origin}{DASHBOARD_PATH}?{urlencode({'key': key})}"


def read_dashboard_key(sealer: Sealer, key: str) -> str | None:
    """The instance id a key grants, or None for a forged, altered, foreign or expired key."""
    try:
        claims = orjson.loads(sealer.unseal(key.encode()))
    except ValueError:  # not sealed by this master key, or not JSON (orjson's error is a ValueError)
        return None
    if not isinstance(claims, dict) or claims.get("purpose") != DASHBOARD_KEY_PURPOSE:
        return None
    instance_id, expires_at = claims.get("instance_id"), claims.get("expires_at")
    if not isinstance(instance_id, str) or not isinstance(expires_at, int) or expires_at <= now_ms():
        return None
    return instance_id


async def dashboard_instance_or_raise(session: AsyncSession, sealer: Sealer, key: str) -> str:
    """The id of the instance whose dashboard `key` opens; dashboard_key_invalid otherwise."""
    instance_id = read_dashboard_key(sealer, key)
    if instance_id is None or not await SvixAppRepository(session, instance_id).exists():
        raise dashboard_key_invalid()
    return instance_id
