"""Session tokens: Clerk's v2 claim set, read in one round trip and signed with the instance key.

Minting is the hot path of every app that calls POST /sessions/{id}/tokens (and of tests that
mint a token per request), so the session, its active membership, role and permissions come from
one compiled statement on the bare driver, and the key is a parsed object held in memory.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import orjson
from sqlalchemy import Select, and_, bindparam, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import not_found
from locum.db.models import Organization, OrganizationMembership, Permission, Role, RolePermission, Session
from locum.db.reads import Reader
from locum.instances.context import RequestContext
from locum.instances.registry import InstanceContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.jwt_signing import SESSION_TOKEN_CATEGORY
from locum.resources.billing.claims import BillingClaims, billing_claims, billing_claims_within, billing_in_use
from locum.resources.sessions.errors import session_not_active
from locum.resources.sessions.lifetimes import ACTIVE_STATUSES, effective_status
from locum.resources.sessions.schemas import CreateSessionTokenBody

DEFAULT_TOKEN_LIFETIME_SECONDS = 60
# Clerk backdates `nbf` so a verifier whose clock runs a little behind still accepts a fresh token.
NOT_BEFORE_SKEW_SECONDS = 10
JTI_BYTES = 10
SYSTEM_PERMISSION_PREFIX = "org:sys_"
NEVER_VERIFIED = -1
# Distinct (permission keys, plan features) combinations whose feature claims are kept.
FEATURE_CLAIMS_CACHE_SIZE = 1024
# The claims of an instance without billing plans (read only, so one serves every token).
NO_BILLING = BillingClaims()


def _joined_permission_keys(dialect_name: str) -> Any:
    # SQLAlchemy's aggregate_strings renders its separator as a post-compile parameter, which a
    # statement compiled once for the bare driver cannot carry; each dialect's own spelling can.
    if dialect_name == "sqlite":
        return func.group_concat(Permission.key)
    return func.string_agg(Permission.key, literal_column("','"))


@cache
def token_subject_statement(dialect_name: str) -> Select[Any]:
    role_permissions = (
        select(_joined_permission_keys(dialect_name))
        .select_from(RolePermission)
        .join(Permission, Permission.id == RolePermission.permission_id)
        .where(
            RolePermission.role_id == Role.id,
            Permission.instance_id == Role.instance_id,
            Permission.key.not_like(f"{SYSTEM_PERMISSION_PREFIX}%"),
        )
        .scalar_subquery()
    )
    return (
        select(
            Session.id,
            Session.user_id,
            Session.status,
            Session.expire_at,
            Session.abandon_at,
            Session.actor,
            Session.origin,
            Session.first_factor_verified_at,
            Session.second_factor_verified_at,
            Organization.id,
            Organization.slug,
            Role.key,
            role_permissions,
            billing_in_use(Session.instance_id),
        )
        .select_from(Session)
        .outerjoin(
            OrganizationMembership,
            and_(
                OrganizationMembership.instance_id == Session.instance_id,
                OrganizationMembership.organization_id == Session.last_active_organization_id,
                OrganizationMembership.user_id == Session.user_id,
            ),
        )
        .outerjoin(
            Organization,
            and_(
                Organization.instance_id == Session.instance_id,
                Organization.id == OrganizationMembership.organization_id,
            ),
        )
        .outerjoin(Role, and_(Role.instance_id == Session.instance_id, Role.id == OrganizationMembership.role_id))
        .where(Session.instance_id == bindparam("instance_id"), Session.id == bindparam("session_id"))
    )


@dataclass(frozen=True)
class TokenSubject:
    """What a token says about its session: the row TOKEN_SUBJECT reads, named."""

    session_id: str
    user_id: str
    status: str
    actor: dict[str, Any] | None
    origin: str | None
    first_factor_verified_at: int
    second_factor_verified_at: int | None
    organization_id: str | None
    organization_slug: str | None
    role_key: str | None
    permission_keys: list[str]
    # The instance has billing plans: the billing claims are worth a read.
    billing_in_use: bool

    @classmethod
    def from_row(cls, row: Sequence[Any], now: int) -> "TokenSubject":
        (
            sid,
            user_id,
            status,
            expire_at,
            abandon_at,
            actor,
            origin,
            ffva,
            sfva,
            org_id,
            slug,
            role,
            permissions,
            billing,
        ) = row
        return cls(
            session_id=sid,
            user_id=user_id,
            status=effective_status(status, expire_at, abandon_at, now),
            actor=orjson.loads(actor) if isinstance(actor, str | bytes) else actor,
            origin=origin,
            first_factor_verified_at=ffva,
            second_factor_verified_at=sfva,
            organization_id=org_id,
            organization_slug=slug,
            role_key=role,
            permission_keys=sorted(permissions.split(",")) if permissions else [],
            billing_in_use=bool(billing),
        )


async def read_token_subject(reader: Reader, ctx: RequestContext, *, session_id: str, now: int) -> TokenSubject:
    rows = await reader.fetch_by_key(
        reader.prepared(token_subject_statement(reader.dialect.name)),
        {"instance_id": ctx.instance_id, "session_id": session_id},
    )
    if not rows:
        raise not_found("session")
    subject = TokenSubject.from_row(rows[0], now)
    if subject.status not in ACTIVE_STATUSES:
        raise session_not_active(session_id)
    return subject


def _minutes_since(then_ms: int | None, now_ms_: int) -> int:
    return NEVER_VERIFIED if then_ms is None else max(0, (now_ms_ - then_ms) // 60_000)


def organization_claims(
    role_key: str, organization_id: str, slug: str, permission_keys: Sequence[str], plan_features: Sequence[str] = ()
) -> tuple[dict[str, Any], str]:
    """The `o` claim and the `fea` list it indexes (see _feature_claims)."""
    actions, masks, features = _feature_claims(tuple(permission_keys), tuple(plan_features))
    claim = {
        "id": organization_id,
        "rol": role_key.removeprefix("org:"),
        "slg": slug,
        "per": actions,
        "fpm": masks,
    }
    return claim, features


@lru_cache(maxsize=FEATURE_CLAIMS_CACHE_SIZE)
def _feature_claims(permission_keys: tuple[str, ...], plan_features: tuple[str, ...]) -> tuple[str, str, str]:
    """`per`, `fpm` and `fea` for a role's permission keys and a plan's features; the few roles of an
    instance mint nearly every token, so each combination is worked out once.

    Custom permission keys are `org:<feature>:<action>`: `per` lists the actions, `fea` the features
    (`o:<feature>`, with those of the organization's billing plan), and `fpm` holds one bitmask per
    feature whose bit i (least significant first) grants the i-th action, as Clerk's SDKs decode them.
    """
    actions_by_feature: dict[str, set[str]] = {}
    for key in permission_keys:
        parts = key.split(":")
        if len(parts) == 3:
            actions_by_feature.setdefault(parts[1], set()).add(parts[2])
    actions = sorted({action for feature_actions in actions_by_feature.values() for action in feature_actions})
    for feature in plan_features:
        actions_by_feature.setdefault(feature, set())
    features = sorted(actions_by_feature)
    masks = [sum(1 << actions.index(action) for action in actions_by_feature[feature]) for feature in features]
    return (
        ",".join(actions),
        ",".join(str(mask) for mask in masks),
        ",".join(f"o:{feature}" for feature in features),
    )


def session_claims(
    instance: InstanceContext,
    subject: TokenSubject,
    *,
    lifetime_seconds: int,
    now: int,
    billing: BillingClaims = NO_BILLING,
) -> dict[str, Any]:
    """The v2 claims. `fea` lists the organization's features first (`fpm` indexes them: Clerk's
    Python SDK counts its masks over the whole list), then the user's plan's (`u:<feature>`)."""
    issued_at = now // 1000
    claims: dict[str, Any] = {
        "exp": issued_at + lifetime_seconds,
        "fva": [
            _minutes_since(subject.first_factor_verified_at, now),
            _minutes_since(subject.second_factor_verified_at, now),
        ],
        "iat": issued_at,
        "iss": instance.frontend_api_url,
        "jti": secrets.token_hex(JTI_BYTES),
        "nbf": issued_at - NOT_BEFORE_SKEW_SECONDS,
        "sid": subject.session_id,
        "sts": subject.status,
        "sub": subject.user_id,
        "v": 2,
    }
    if subject.origin:
        claims["azp"] = subject.origin
    if subject.actor is not None:
        claims["act"] = subject.actor
    features = ""
    if subject.organization_id is not None and subject.role_key is not None and subject.organization_slug is not None:
        claims["o"], features = organization_claims(
            subject.role_key,
            subject.organization_id,
            subject.organization_slug,
            subject.permission_keys,
            billing.organization_features,
        )
    features = ",".join(filter(None, [features, *(f"u:{feature}" for feature in billing.user_features)]))
    if features:
        claims["fea"] = features
    if billing.pla:
        claims["pla"] = billing.pla
    return claims


def token_json(token: str) -> JSON:
    return {"object": "token", "jwt": token}


async def _signed(
    instance: InstanceContext, subject: TokenSubject, billing: BillingClaims, *, lifetime_seconds: int, now: int
) -> str:
    claims = session_claims(instance, subject, lifetime_seconds=lifetime_seconds, now=now, billing=billing)
    return await instance.active_signing_key.sign(claims, category=SESSION_TOKEN_CATEGORY)


async def create_session_token(
    reader: Reader, ctx: RequestContext, *, session_id: str, body: CreateSessionTokenBody
) -> JSON:
    now = now_ms()
    subject = await read_token_subject(reader, ctx, session_id=session_id, now=now)
    billing = (
        await billing_claims(reader, ctx, user_id=subject.user_id, organization_id=subject.organization_id)
        if subject.billing_in_use
        else NO_BILLING
    )
    lifetime_seconds = body.expires_in_seconds or DEFAULT_TOKEN_LIFETIME_SECONDS
    return token_json(await _signed(ctx.instance, subject, billing, lifetime_seconds=lifetime_seconds, now=now))


async def mint_session_token_within(session: AsyncSession, ctx: RequestContext, *, session_id: str, now: int) -> str:
    """A session token read through `session`, for a session created or changed in this transaction
    (refresh, sign-in) that the read path cannot see until it commits."""
    statement = token_subject_statement(session.get_bind().dialect.name)
    row = (await session.execute(statement, {"instance_id": ctx.instance_id, "session_id": session_id})).one()
    subject = TokenSubject.from_row(tuple(row), now)
    billing = (
        await billing_claims_within(session, ctx, user_id=subject.user_id, organization_id=subject.organization_id)
        if subject.billing_in_use
        else NO_BILLING
    )
    return await _signed(ctx.instance, subject, billing, lifetime_seconds=DEFAULT_TOKEN_LIFETIME_SECONDS, now=now)
