"""M2M token queries: the ORM ones of create, list and revoke, and verification's reads on the bare
driver (one round trip for a token by its digest; JWT-format tokens are never stored)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import bindparam, or_, select, update

from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import Page, page_of
from locum.db.models import M2MToken, Machine
from locum.db.reads import Reader
from locum.db.repository import InstanceRepository
from locum.kit.clock import now_ms
from locum.kit.ids import new_hex_id
from locum.kit.keys import secret_digest
from locum.kit.last_used import stale_before
from locum.kit.sealing import Sealer
from locum.resources.m2m_tokens.errors import token_not_found
from locum.resources.m2m_tokens.schemas import M2MTokenListQuery
from locum.resources.m2m_tokens.serializers import TokenView


class M2MTokenRepository(InstanceRepository[M2MToken]):
    model = M2MToken
    # Ids are `mt_` + 32 hex (kit/ids.new_hex_id): rows are made by add_token, never by add.
    id_kind = "m2m_token"

    def not_found(self, id: str) -> Exception:
        return token_not_found()

    def add_token(
        self,
        *,
        machine_id: str,
        token: str,
        sealer: Sealer,
        claims: Any,
        scopes: list[str],
        expiration: int,
        now: int,
    ) -> M2MToken:
        """A new opaque token: its digest to verify it by, sealed to hand it out again."""
        row = M2MToken(
            id=new_hex_id("m2m_token"),
            instance_id=self.instance_id,
            machine_id=machine_id,
            token_digest=secret_digest(token),
            sealed_token=sealer.seal(token),
            claims=claims,
            scopes=scopes,
            revoked=False,
            expiration=expiration,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        return row

    async def list_page(self, query: M2MTokenListQuery, *, now: int) -> Page[M2MToken]:
        statement = self.select().where(M2MToken.machine_id == query.subject)
        if not query.revoked:
            statement = statement.where(M2MToken.revoked.is_(False))
        if not query.expired:
            statement = statement.where(or_(M2MToken.expiration.is_(None), M2MToken.expiration > now))
        return await page_of(
            self.session, statement, query, ordering=NEWEST_FIRST, column=M2MToken.created_at, id_column=M2MToken.id
        )

    async def reusable(
        self, machine_id: str, *, claims: Any, scopes: list[str], expiring_after: int
    ) -> M2MToken | None:
        """A live token of the machine with these claims and scopes that lasts past `expiring_after`."""
        rows = await self.session.scalars(
            self.select()
            .where(
                M2MToken.machine_id == machine_id,
                M2MToken.revoked.is_(False),
                or_(M2MToken.expiration.is_(None), M2MToken.expiration >= expiring_after),
            )
            .order_by(M2MToken.created_at.desc(), M2MToken.id.desc())
        )
        # Claims are any JSON: compared here, where both databases give them back decoded alike.
        return next((row for row in rows if row.claims == claims and list(row.scopes) == scopes), None)

    async def revoke(self, token_id: str, *, reason: str | None, machine_id: str | None) -> M2MToken | None:
        """The token revoked now (one UPDATE, so concurrent revocations agree), or as it was if it
        already was; None when this instance (or `machine_id`, when given) has no such token."""
        owned = [M2MToken.id == token_id]
        if machine_id is not None:
            owned.append(M2MToken.machine_id == machine_id)
        now = now_ms()
        await self.session.execute(
            update(M2MToken)
            .where(self.scope(), *owned, M2MToken.revoked.is_(False))
            .values(revoked=True, revocation_reason=reason, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        row: M2MToken | None = await self.session.scalar(
            self.select().where(*owned).execution_options(populate_existing=True)
        )
        return row


# Verification's reads: compiled once, run on the bare driver.
TOKEN_BY_DIGEST = select(
    M2MToken.id,
    M2MToken.machine_id,
    M2MToken.token_digest,
    M2MToken.claims,
    M2MToken.scopes,
    M2MToken.revoked,
    M2MToken.revocation_reason,
    M2MToken.expiration,
    M2MToken.last_used_at,
    M2MToken.created_at,
    M2MToken.updated_at,
).where(M2MToken.instance_id == bindparam("instance_id"), M2MToken.token_digest == bindparam("digest"))
MACHINE_EXISTS = select(Machine.id).where(
    Machine.instance_id == bindparam("instance_id"), Machine.id == bindparam("id")
)


def _json(value: Any) -> Any:
    """A JSON column as the bare driver returns it (text on SQLite and asyncpg), decoded."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


@dataclass(frozen=True)
class StoredToken:
    digest: str
    view: TokenView

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "StoredToken":
        token_id, machine_id, digest, claims, scopes, revoked, reason, expiration, last_used, created, updated = row
        view = TokenView(
            id=token_id,
            machine_id=machine_id,
            claims=_json(claims),
            scopes=_json(scopes),
            revoked=bool(revoked),
            revocation_reason=reason,
            expiration=expiration,
            last_used_at=last_used,
            created_at=created,
            updated_at=updated,
        )
        return cls(digest, view)


async def read_token(reader: Reader, *, instance_id: str, digest: str) -> StoredToken | None:
    rows = await reader.fetch_by_key(reader.prepared(TOKEN_BY_DIGEST), {"instance_id": instance_id, "digest": digest})
    return StoredToken.from_row(rows[0]) if rows else None


async def machine_exists(reader: Reader, *, instance_id: str, machine_id: str) -> bool:
    return bool(
        await reader.fetch_by_key(reader.prepared(MACHINE_EXISTS), {"instance_id": instance_id, "id": machine_id})
    )


def touch_statement(instance_id: str, token_id: str, *, now: int) -> Any:
    """Record a use: one UPDATE, which does nothing if another request recorded one meanwhile."""
    return (
        update(M2MToken)
        .where(
            M2MToken.instance_id == instance_id,
            M2MToken.id == token_id,
            or_(M2MToken.last_used_at.is_(None), M2MToken.last_used_at < stale_before(now)),
        )
        .values(last_used_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
