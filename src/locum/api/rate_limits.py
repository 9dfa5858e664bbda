"""Clerk's Backend API rate limits, when LOCUM_RATE_LIMITS=clerk (off by default), so that apps can
test how they handle a 429.

The limits are those of Clerk's "Rate limits" page (Clerk counts per secret key, locum per instance;
the update limits per user, organization or membership of the instance):

| requests                                                             | at most   | per          |
| -------------------------------------------------------------------- | --------- | ------------ |
| every /v1 request but GET /v1/jwks, on a development instance        | 100/10 s  | instance     |
| every /v1 request but GET /v1/jwks, on a production instance         | 1000/10 s | instance     |
| POST /v1/invitations                                                 | 100/h     | instance     |
| POST /v1/invitations/bulk                                            | 25/h      | instance     |
| POST /v1/organizations/{id}/invitations                              | 250/h     | instance     |
| POST /v1/organizations/{id}/invitations/bulk                         | 50/h      | instance     |
| PATCH /v1/users/{id}, PATCH and PUT /v1/users/{id}/metadata          | 10/10 s   | user         |
| PATCH /v1/organizations/{id}, PATCH and PUT …/metadata               | 10/10 s   | organization |
| PATCH /v1/organizations/{id}/memberships/{user_id}, PATCH …/metadata | 10/10 s   | membership   |

A request over any of its limits is answered 429 `too_many_requests` with `Retry-After`: the
seconds until the window that refused it ends. A refused request counts towards none of its limits.
Windows are fixed: one starts with the first request counted in it and lasts its full length,
measured on locum's clock (which tests freeze).

Counting is per process, in memory. With `locum serve --workers N` each worker counts the requests
it serves, so up to N times a limit can get through before every worker refuses. Counting across
processes would put a database write on every request (on SQLite, behind its single write lock)
for a feature whose purpose is to show apps a 429; run one worker to see the exact limits.
"""

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from starlette.types import Scope

from locum.api.errors import ClerkError, too_many_requests
from locum.instances.registry import InstanceContext
from locum.kit.clock import now_ms

SECOND_MS = 1000
HOUR_MS = 3600 * SECOND_MS
INSTANCE_WINDOW_MS = 10 * SECOND_MS
DEVELOPMENT_INSTANCE_LIMIT = 100
PRODUCTION_INSTANCE_LIMIT = 1000
UNLIMITED_PATHS = frozenset({"/v1/jwks"})
UPDATE_WINDOW_MS = 10 * SECOND_MS
UPDATE_LIMIT = 10
# Ended windows are dropped once this many are kept; live ones are few (the instance limit bounds them).
PRUNE_AT_WINDOWS = 10_000


@dataclass(frozen=True)
class Rule:
    """Requests matching `methods` and `path` (a regex whose groups name the counted resource)
    share a window per instance and resource: rules with the same `name` share theirs."""

    name: str
    methods: frozenset[str]
    path: re.Pattern[str]
    allowed: int
    window_ms: int


def _rule(name: str, methods: str, path: str, allowed: int, window_ms: int) -> Rule:
    return Rule(name, frozenset(methods.split("|")), re.compile(path), allowed, window_ms)


_ID = "([^/]+)"
RULES = (
    _rule("invitation_create", "POST", "/v1/invitations", 100, HOUR_MS),
    _rule("invitation_bulk_create", "POST", "/v1/invitations/bulk", 25, HOUR_MS),
    _rule("organization_invitation_create", "POST", f"/v1/organizations/{_ID}/invitations", 250, HOUR_MS),
    _rule("organization_invitation_bulk_create", "POST", f"/v1/organizations/{_ID}/invitations/bulk", 50, HOUR_MS),
    _rule("user_update", "PATCH", f"/v1/users/{_ID}", UPDATE_LIMIT, UPDATE_WINDOW_MS),
    _rule("user_update", "PATCH|PUT", f"/v1/users/{_ID}/metadata", UPDATE_LIMIT, UPDATE_WINDOW_MS),
    _rule("organization_update", "PATCH", f"/v1/organizations/{_ID}", UPDATE_LIMIT, UPDATE_WINDOW_MS),
    _rule("organization_update", "PATCH|PUT", f"/v1/organizations/{_ID}/metadata", UPDATE_LIMIT, UPDATE_WINDOW_MS),
    _rule(
        "membership_update",
        "PATCH",
        f"/v1/organizations/{_ID}/memberships/{_ID}(?:/metadata)?",
        UPDATE_LIMIT,
        UPDATE_WINDOW_MS,
    ),
)

WindowKey = tuple[str, ...]


@dataclass
class Window:
    started_ms: int
    length_ms: int
    count: int = 0

    def ends_ms(self) -> int:
        return self.started_ms + self.length_ms


@dataclass(frozen=True)
class Limit:
    key: WindowKey
    allowed: int
    window_ms: int


def limits_for(instance: InstanceContext, method: str, path: str) -> Iterator[Limit]:
    """The limits a /v1 request counts towards."""
    if path in UNLIMITED_PATHS:
        return
    production = instance.environment_type == "production"
    instance_limit = PRODUCTION_INSTANCE_LIMIT if production else DEVELOPMENT_INSTANCE_LIMIT
    yield Limit(("instance", instance.id), instance_limit, INSTANCE_WINDOW_MS)
    for rule in RULES:
        match = rule.path.fullmatch(path) if method in rule.methods else None
        if match is not None:
            yield Limit((rule.name, instance.id, *match.groups()), rule.allowed, rule.window_ms)


class RateCounter:
    """Fixed windows of request counts, in memory."""

    def __init__(self) -> None:
        self._windows: dict[WindowKey, Window] = {}
        self._prune_at = PRUNE_AT_WINDOWS

    def admit(self, limits: list[Limit], at_ms: int) -> int | None:
        """Counts a request towards `limits` and returns None, or, when one of them is used up,
        counts nothing and returns the milliseconds until the last such window ends."""
        windows = [self._current(limit, at_ms) for limit in limits]
        full = [window for window, limit in zip(windows, limits, strict=True) if window.count >= limit.allowed]
        if full:
            return max(window.ends_ms() for window in full) - at_ms
        for window in windows:
            window.count += 1
        return None

    def _current(self, limit: Limit, at_ms: int) -> Window:
        window = self._windows.get(limit.key)
        if window is None or window.ends_ms() <= at_ms:
            if len(self._windows) >= self._prune_at:
                self._prune(at_ms)
            window = self._windows[limit.key] = Window(at_ms, limit.window_ms)
        return window

    def _prune(self, at_ms: int) -> None:
        self._windows = {key: window for key, window in self._windows.items() if window.ends_ms() > at_ms}
        self._prune_at = max(PRUNE_AT_WINDOWS, 2 * len(self._windows))


class RateLimiter:
    """Refuses /v1 requests over Clerk's limits; asked by the request guards (api/guards.py) once
    authentication has found the instance."""

    def __init__(self) -> None:
        self.counter = RateCounter()

    def refusal(self, scope: Scope) -> ClerkError | None:
        instance: InstanceContext | None = scope.get("state", {}).get("instance")
        if instance is None or not scope["path"].startswith("/v1/"):
            return None
        wait_ms = self.counter.admit(list(limits_for(instance, scope["method"], scope["path"])), now_ms())
        if wait_ms is None:
            return None
        return too_many_requests(max(1, math.ceil(wait_ms / SECOND_MS)))
