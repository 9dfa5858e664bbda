"""When a session stops being active: Clerk's maximum lifetime and inactivity timeout.

`expire_at` is the maximum-lifetime deadline (or, with that setting disabled, the inactivity one);
`abandon_at` is the inactivity deadline (or `expire_at` when disabled). A session past `abandon_at`
before `expire_at` was abandoned; past `expire_at`, expired. Both follow from the clock, so they are
computed whenever a session is read and never stored as a status.
"""

from dataclasses import dataclass

from locum.db.models import Instance, Session

ACTIVE_STATUSES = ("active", "pending")


@dataclass(frozen=True)
class LifetimeSettings:
    max_lifetime_seconds: int | None
    inactivity_timeout_seconds: int | None

    @classmethod
    def of(cls, instance: Instance) -> "LifetimeSettings":
        return cls(instance.session_max_lifetime_seconds, instance.session_inactivity_timeout_seconds)


def deadlines(
    settings: LifetimeSettings, *, created_at: int, last_active_at: int, max_duration_seconds: int | None = None
) -> tuple[int, int]:
    """(expire_at, abandon_at) in ms; `max_duration_seconds` caps the lifetime (impersonation)."""
    lifetimes = [s for s in (settings.max_lifetime_seconds, max_duration_seconds) if s is not None]
    idle_deadline = (
        last_active_at + settings.inactivity_timeout_seconds * 1000
        if settings.inactivity_timeout_seconds is not None
        else None
    )
    expire_at = created_at + min(lifetimes) * 1000 if lifetimes else idle_deadline
    assert expire_at is not None, "an instance always has a maximum lifetime or an inactivity timeout"
    return expire_at, idle_deadline if idle_deadline is not None else expire_at


def effective_status(status: str, expire_at: int, abandon_at: int, now: int) -> str:
    if status not in ACTIVE_STATUSES:
        return status
    if abandon_at < expire_at and now >= abandon_at:
        return "abandoned"
    if now >= expire_at:
        return "expired"
    return status


def status_of(session: Session, now: int) -> str:
    return effective_status(session.status, session.expire_at, session.abandon_at, now)
