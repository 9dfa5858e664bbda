"""The one clock. Clerk timestamps are unix milliseconds; tests may freeze it. Where Clerk writes a
timestamp as RFC 3339 instead, the conversions are here too."""

import time
from datetime import UTC, datetime

_frozen_ms: int | None = None


def now_ms() -> int:
    return _frozen_ms if _frozen_ms is not None else time.time_ns() // 1_000_000


def freeze(ms: int | None) -> None:
    """Pin now_ms() to `ms` (None releases it). For tests only."""
    global _frozen_ms
    _frozen_ms = ms


def rfc3339_to_ms(value: str) -> int | None:
    """Unix milliseconds of an RFC 3339 date-time with its offset; None when it is not one."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return int(parsed.timestamp() * 1000)


def ms_to_rfc3339(ms: int) -> str:
    """Unix milliseconds as an RFC 3339 UTC date-time (`2026-12-06T04:33:40.123Z`)."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
