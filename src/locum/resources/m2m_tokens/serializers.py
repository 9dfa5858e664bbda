"""M2M tokens as Clerk's `machine_to_machine_token` object. The token itself is only in the answer
to its creation (or to a creation that `min_remaining_ttl_seconds` answered with it)."""

from dataclasses import dataclass
from typing import Any

from locum.api.pagination import named_list_body
from locum.db.models import M2MToken
from locum.kit.json_types import JSON


@dataclass(frozen=True)
class TokenView:
    """What a token's JSON shows, from a stored row, a bare-driver row or a verified JWT."""

    id: str
    machine_id: str
    claims: Any
    scopes: list[str]
    revoked: bool
    revocation_reason: str | None
    expiration: int | None
    last_used_at: int | None
    created_at: int
    updated_at: int

    @classmethod
    def of(cls, token: M2MToken) -> "TokenView":
        return cls(
            id=token.id,
            machine_id=token.machine_id,
            claims=token.claims,
            scopes=list(token.scopes),
            revoked=token.revoked,
            revocation_reason=token.revocation_reason,
            expiration=token.expiration,
            last_used_at=token.last_used_at,
            created_at=token.created_at,
            updated_at=token.updated_at,
        )


def m2m_token_json(view: TokenView, *, now: int) -> JSON:
    return {
        "object": "machine_to_machine_token",
        "id": view.id,
        "subject": view.machine_id,
        "claims": view.claims,
        "scopes": view.scopes,
        "revoked": view.revoked,
        "revocation_reason": view.revocation_reason,
        "expired": view.expiration is not None and view.expiration <= now,
        "expiration": view.expiration,
        "last_used_at": view.last_used_at,
        "created_at": view.created_at,
        "updated_at": view.updated_at,
    }


def created_m2m_token_json(view: TokenView, token: str, *, now: int) -> JSON:
    return m2m_token_json(view, now=now) | {"token": token}


def m2m_token_list_json(views: list[TokenView], total_count: int, *, now: int) -> JSON:
    return named_list_body("m2m_tokens", [m2m_token_json(view, now=now) for view in views], total_count)
