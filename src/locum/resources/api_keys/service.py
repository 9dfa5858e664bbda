"""API key rules: subjects that exist, distinct names among a subject's unrevoked keys, expiration,
revocation, and verification.

A key is valid until revoked or past its expiration (none: never expires). Verification is a read on
the bare-driver reader; it writes only `last_used_at`, and only when that is unset or more than a minute old
(kit/last_used), so a key verified on every request costs a write a minute at most.
"""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import token_expired, token_revoked
from locum.api.pagination import list_body
from locum.db.locking import locked
from locum.db.reads import Reader
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.keys import digests_match, new_opaque_secret, secret_digest
from locum.kit.last_used import use_needs_recording
from locum.kit.sealing import Sealer
from locum.resources.api_keys.errors import (
    api_key_not_found,
    param_resource_not_found,
)
from locum.resources.api_keys.repository import ApiKeyRepository, read_key_by_digest
from locum.resources.api_keys.schemas import (
    ApiKeyListQuery,
    CreateApiKeyBody,
    RevokeApiKeyBody,
    UpdateApiKeyBody,
)
from locum.resources.api_keys.serializers import (
    api_key_json,
    api_key_secret_json,
    created_api_key_json,
    deleted_api_key_json,
    is_expired,
)

SECRET_PREFIX = "ak"
SUBJECT_KINDS = ("user", "org", "mch")
SUBJECT_DESCRIPTION = "user, organization or machine"


def _expiration(now: int, seconds_until_expiration: float | None) -> int | None:
    return None if seconds_until_expiration is None else now + round(seconds_until_expiration * 1000)


async def _require_subject(repository: ApiKeyRepository, subject: str) -> None:
    if not await repository.keep_subject(subject, kinds=SUBJECT_KINDS):
        raise param_resource_not_found("subject", SUBJECT_DESCRIPTION)


async def create_api_key(session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, body: CreateApiKeyBody) -> JSON:
    """The new key with its secret."""
    repository = ApiKeyRepository(session, ctx.instance_id)
    await _require_subject(repository, body.subject)
    if body.created_by is not None and not await repository.keep_subject(body.created_by, kinds=("user",)):
        raise param_resource_not_found("created_by", "user")
    now = now_ms()
    secret = new_opaque_secret(SECRET_PREFIX)
    key = repository.add(
        type=body.type,
        name=body.name,
        description=body.description,
        subject=body.subject,
        claims=body.claims,
        scopes=body.scopes,
        secret_digest=secret_digest(secret),
        sealed_secret=sealer.seal(secret),
        revoked=False,
        expiration=_expiration(now, body.seconds_until_expiration),
        created_by=body.created_by,
        created_at=now,
        updated_at=now,
    )
    await repository.flush()
    return created_api_key_json(key, secret, now=now)


async def list_api_keys(session: AsyncSession, ctx: RequestContext, *, query: ApiKeyListQuery) -> JSON:
    now = now_ms()
    page = await ApiKeyRepository(session, ctx.instance_id).page(query, now=now)
    return list_body([api_key_json(key, now=now) for key in page.items], page.total_count)


async def get_api_key(session: AsyncSession, ctx: RequestContext, *, api_key_id: str) -> JSON:
    key = await ApiKeyRepository(session, ctx.instance_id).get_or_raise(api_key_id)
    return api_key_json(key, now=now_ms())


async def get_api_key_secret(session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, api_key_id: str) -> JSON:
    key = await ApiKeyRepository(session, ctx.instance_id).get_or_raise(api_key_id)
    return api_key_secret_json(sealer.unseal(key.sealed_secret))


async def update_api_key(
    session: AsyncSession, ctx: RequestContext, *, api_key_id: str, body: UpdateApiKeyBody
) -> JSON:
    """A new expiration counts from now; moving the key to another subject needs that subject to exist
    and to have no unrevoked key of the same name."""
    repository = ApiKeyRepository(session, ctx.instance_id)
    key = await repository.get_or_raise(api_key_id, lock=locked)
    given = body.model_fields_set
    now = now_ms()
    if body.subject is not None and body.subject != key.subject:
        await _require_subject(repository, body.subject)
        key.subject = body.subject
    if body.scopes is not None:
        key.scopes = body.scopes
    if "claims" in given:
        key.claims = body.claims
    if "description" in given:
        key.description = body.description
    if "seconds_until_expiration" in given:
        key.expiration = _expiration(now, body.seconds_until_expiration)
    key.updated_at = now
    await repository.flush()
    return api_key_json(key, now=now)


async def delete_api_key(session: AsyncSession, ctx: RequestContext, *, api_key_id: str) -> JSON:
    if not await ApiKeyRepository(session, ctx.instance_id).delete(api_key_id):
        raise api_key_not_found()
    return deleted_api_key_json(api_key_id)


async def revoke_api_key(
    session: AsyncSession, ctx: RequestContext, *, api_key_id: str, body: RevokeApiKeyBody
) -> JSON:
    """Revoking is final and idempotent: a key already revoked is answered as it is, with the reason
    and time of its first revocation."""
    repository = ApiKeyRepository(session, ctx.instance_id)
    key = await repository.get_or_raise(api_key_id, lock=locked)
    now = now_ms()
    if not key.revoked:
        key.revoked = True
        key.revocation_reason = body.revocation_reason
        key.updated_at = now
        await repository.flush()
    return api_key_json(key, now=now)


async def verify_api_key(
    reader: Reader, open_session: Callable[[], AsyncSession], ctx: RequestContext, *, secret: str
) -> JSON:
    """The key whose secret this is, if it is valid (see errors.py for the answers when it is not);
    `open_session` gives the write session, asked for only to record the key's use."""
    digest = secret_digest(secret)
    key = await read_key_by_digest(reader, instance_id=ctx.instance_id, digest=digest)
    if key is None or not digests_match(key.secret_digest, digest):
        raise api_key_not_found()
    now = now_ms()
    if key.revoked:
        raise token_revoked("API key")
    if is_expired(key.expiration, now):
        raise token_expired("API key")
    if use_needs_recording(key.last_used_at, now):
        await ApiKeyRepository(open_session(), ctx.instance_id).record_use(key.id, now=now)
        key = key._replace(last_used_at=now)
    return api_key_json(key, now=now)
