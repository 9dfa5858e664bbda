"""M2M tokens in the JWT format: signed with the instance's key, so SDKs verify them through the
JWKS without asking Clerk, and never stored (they can be neither listed nor revoked).

Header: `kid` (the instance's key), `typ: JWT`, `cat` Clerk's M2M category. Claims: `iss`, `sub`
(the machine), `jti` (the token's id, `mt_` + 32 hex), `iat`, `nbf`, `exp`, `scopes` (the machines
it reaches, space-separated) and the caller's own claims. No `aud`: PyJWT refuses a token that has
one when its verifier names no audience, which Clerk's Python SDK never does.
"""

import re
from typing import Any

import jwt
from jwt.types import Options

from locum.instances.registry import InstanceContext
from locum.kit.ids import new_hex_id
from locum.kit.jwt_signing import M2M_TOKEN_CATEGORY, SESSION_TOKEN_ALGORITHM
from locum.resources.m2m_tokens.serializers import TokenView

# Claims locum sets: custom claims may not use them (Clerk: machine_token_reserved_claim).
RESERVED_CLAIMS = frozenset({"aud", "azp", "exp", "iat", "iss", "jti", "nbf", "scopes", "sub"})
SCOPES_SEPARATOR = " "
TOKEN_ID_PATTERN = re.compile(r"^mt_[0-9a-fA-F]{32}$")
MACHINE_ID_PATTERN = re.compile(r"^mch_\w{27}$")
# Verified by locum's own clock (frozen in tests), not PyJWT's.
_UNTIMED: Options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False}


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


async def mint(
    instance: InstanceContext,
    *,
    machine_id: str,
    scopes: list[str],
    claims: dict[str, Any] | None,
    now: int,
    lifetime_ms: int,
) -> tuple[str, TokenView]:
    """The signed token and what its JSON shows (times in whole seconds, as the claims hold them;
    `exp` rounded up, so the token lives at least `lifetime_ms`)."""
    issued_at = now // 1000
    expires_at = -(-(now + lifetime_ms) // 1000)
    token_id = new_hex_id("m2m_token")
    payload: dict[str, Any] = {
        **(claims or {}),
        "iss": instance.frontend_api_url,
        "sub": machine_id,
        "jti": token_id,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": expires_at,
    }
    if scopes:
        payload["scopes"] = SCOPES_SEPARATOR.join(scopes)
    token = await instance.active_signing_key.sign(payload, category=M2M_TOKEN_CATEGORY)
    return token, TokenView(
        id=token_id,
        machine_id=machine_id,
        claims=claims,
        scopes=scopes,
        revoked=False,
        revocation_reason=None,
        expiration=expires_at * 1000,
        last_used_at=None,
        created_at=issued_at * 1000,
        updated_at=issued_at * 1000,
    )


def verified(instance: InstanceContext, token: str) -> TokenView | None:
    """What an M2M JWT of this instance says, if its signature holds (its times are the caller's to
    judge); None for anything else: another kind of token, another key, a forged or garbled one."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return None
    if header.get("cat") != M2M_TOKEN_CATEGORY or header.get("alg") != SESSION_TOKEN_ALGORITHM:
        return None
    key = instance.signing_key(header.get("kid"))
    if key is None:
        return None
    try:
        claims = jwt.decode(token, key.private_key.public_key(), algorithms=[SESSION_TOKEN_ALGORITHM], options=_UNTIMED)
    except jwt.PyJWTError:
        return None
    return _view(claims)


def _view(claims: dict[str, Any]) -> TokenView | None:
    token_id, subject, issued_at, expires_at = (
        claims.get("jti"),
        claims.get("sub"),
        claims.get("iat"),
        claims.get("exp"),
    )
    scopes = claims.get("scopes", "")
    if not (
        isinstance(token_id, str)
        and TOKEN_ID_PATTERN.match(token_id)
        and isinstance(subject, str)
        and MACHINE_ID_PATTERN.match(subject)
        and isinstance(issued_at, int)
        and isinstance(expires_at, int)
        and isinstance(scopes, str)
    ):
        return None
    custom = {name: value for name, value in claims.items() if name not in RESERVED_CLAIMS}
    return TokenView(
        id=token_id,
        machine_id=subject,
        claims=custom or None,
        scopes=scopes.split(SCOPES_SEPARATOR) if scopes else [],
        revoked=False,
        revocation_reason=None,
        expiration=expires_at * 1000,
        last_used_at=None,
        created_at=issued_at * 1000,
        updated_at=issued_at * 1000,
    )
