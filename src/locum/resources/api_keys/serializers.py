"""API keys as Clerk's spec shapes them; `secret` only in the answer to their creation (and alone, in
GET /api_keys/{id}/secret)."""

from locum.db.models import ApiKey
from locum.kit.json_types import JSON, columns
from locum.resources.api_keys.repository import StoredKey

# Fields Clerk names as the columns are named.
COPIED_FIELDS = (
    "id",
    "type",
    "subject",
    "name",
    "description",
    "claims",
    "scopes",
    "revoked",
    "revocation_reason",
    "expiration",
    "created_by",
    "last_used_at",
    "created_at",
    "updated_at",
)


def is_expired(expiration: int | None, now: int) -> bool:
    return expiration is not None and expiration <= now


def api_key_json(key: ApiKey | StoredKey, *, now: int) -> JSON:
    return {"object": "api_key", **columns(key, *COPIED_FIELDS), "expired": is_expired(key.expiration, now)}


def created_api_key_json(key: ApiKey, secret: str, *, now: int) -> JSON:
    return {**api_key_json(key, now=now), "secret": secret}


def api_key_secret_json(secret: str) -> JSON:
    return {"secret": secret}


def deleted_api_key_json(api_key_id: str) -> JSON:
    return {"id": api_key_id, "object": "api_key", "deleted": True}
