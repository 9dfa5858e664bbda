"""Clerk API keys: secret keys (`sk_test_…`) and publishable keys (`pk_test_…`).

A secret key, like any random secret locum only compares (sign-in and actor tokens), is looked up
by its SHA-256 digest (a fast, unsalted hash is right for 250 bits of randomness) and compared in
constant time.
"""

import base64
import hashlib
import hmac
import secrets

from locum.kit.ids import random_base62

SECRET_KEY_RANDOM_LENGTH = 42
OPAQUE_SECRET_BYTES = 32
DEVELOPMENT = "development"
PRODUCTION = "production"
ENVIRONMENT_KEY_TAGS = {DEVELOPMENT: "test", PRODUCTION: "live"}


def new_secret_key(environment: str) -> str:
    return f"sk_{ENVIRONMENT_KEY_TAGS[environment]}_{random_base62(SECRET_KEY_RANDOM_LENGTH)}"


def is_secret_key_format(key: str) -> bool:
    parts = key.split("_", 2)
    return len(parts) == 3 and parts[0] == "sk" and parts[1] in ("test", "live") and bool(parts[2])


def new_opaque_secret(prefix: str) -> str:
    """A bearer secret of the machine-auth products: `prefix_` and 256 random bits in hex (machine
    secret keys and API key secrets are `ak_…`, M2M tokens `mt_…`, OAuth access tokens `oat_…`)."""
    return f"{prefix}_{secrets.token_hex(OPAQUE_SECRET_BYTES)}"


def secret_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def digests_match(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def publishable_key(environment: str, frontend_api_host: str) -> str:
    """`pk_<tag>_` + base64(`<host>$`) without padding, as Clerk's SDKs parse it."""
    encoded = base64.b64encode(f"{frontend_api_host}$".encode()).decode().rstrip("=")
    return f"pk_{ENVIRONMENT_KEY_TAGS[environment]}_{encoded}"
