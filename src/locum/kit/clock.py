"""The one clock. Clerk timestamps are unix milliseconds; tests may freeze it."""

import time

_frozen_ms: int | None = None


def now_ms() -> int:
    return _frozen_ms if _frozen_ms is not None else time.time_ns() // 1_000_000


def freeze(ms: int | None) -> None:
    """Pin now_ms() to `ms` (None releases it). For tests only."""
    global _frozen_ms
    _frozen_ms = ms
