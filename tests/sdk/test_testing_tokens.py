"""Testing tokens through the official SDK."""

import re
import time

from clerk_backend_api import Clerk, models


def test_create(clerk: Clerk) -> None:
    created = clerk.testing_tokens.create()
    assert isinstance(created, models.TestingToken) and created.object == models.TestingTokenObject.TESTING_TOKEN
    issued_at, random_part = created.token.split("-", 1)
    assert re.fullmatch(r"[0-9A-Za-z]{40}", random_part)
    assert abs(int(issued_at) - time.time()) < 60 and created.expires_at == int(issued_at) + 3600
