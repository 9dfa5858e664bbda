"""Svix (Standard Webhooks) signatures: `whsec_` secrets, message ids and the three svix-* headers.

    svix-id         msg_<event id body>: the same for every endpoint and every retry of one event
    svix-timestamp  unix seconds of the attempt
    svix-signature  v1,<base64 HMAC-SHA256 over "{svix-id}.{svix-timestamp}.{body}">, keyed with the
                    base64-decoded part of the endpoint's whsec_ secret

`svix`, `standardwebhooks` and `@clerk/backend`'s verifyWebhook all accept what this produces.
"""

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
# Svix's own secrets carry 24 random bytes (32 base64 characters).
SECRET_BYTES = 24
EVENT_ID_PREFIX = "evt_"
MESSAGE_ID_PREFIX = "msg_"
SIGNATURE_VERSION = "v1"
CONTENT_TYPE = "application/json"
USER_AGENT = "Svix-Webhooks/1.x (locum)"


def new_endpoint_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signing_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_…` secret (the prefix is optional, as the svix libraries allow)."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def message_id(event_id: str) -> str:
    return MESSAGE_ID_PREFIX + event_id.removeprefix(EVENT_ID_PREFIX)


def signature(key: bytes, *, message_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def webhook_headers(key: bytes, *, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": CONTENT_TYPE,
        "user-agent": USER_AGENT,
        "svix-id": message_id,
        "svix-timestamp": str(timestamp),
        "svix-signature": signature(key, message_id=message_id, timestamp=timestamp, body=body),
    }
