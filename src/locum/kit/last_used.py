"""When verifying a credential records its use: `last_used_at` is written only when it is unset or
older than LAST_USED_RESOLUTION_MS, so a credential verified on every request costs one write a minute
at most, and the verification's hot path stays a read."""

LAST_USED_RESOLUTION_MS = 60_000


def stale_before(now: int) -> int:
    """A `last_used_at` before this is rewritten by a use at `now`."""
    return now - LAST_USED_RESOLUTION_MS


def use_needs_recording(last_used_at: int | None, now: int) -> bool:
    return last_used_at is None or last_used_at < stale_before(now)
