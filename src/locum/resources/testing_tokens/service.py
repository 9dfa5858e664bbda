"""Testing tokens: what Clerk's Frontend API accepts as `__clerk_testing_token` to let test
browsers past its bot protection.

locum has no Frontend API and no bot protection, so a testing token grants nothing here and none is
stored: the operation exists so test set-ups that fetch one (e.g. @clerk/testing) keep working.
The token has Clerk's shape, `<issued at, unix seconds>-<random>`, and lasts an hour.
"""

from typing import Any

from locum.kit.clock import now_ms
from locum.kit.ids import random_base62

LIFETIME_SECONDS = 3600
RANDOM_LENGTH = 40


def new_testing_token() -> dict[str, Any]:
    issued_at = now_ms() // 1000
    return {
        "object": "testing_token",
        "token": f"{issued_at}-{random_base62(RANDOM_LENGTH)}",
        "expires_at": issued_at + LIFETIME_SECONDS,
    }
