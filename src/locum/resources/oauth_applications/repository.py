"""OAuth application and access token queries: the operations' through the ORM, and verify's on the
bare driver (a verify is made on every request an app authenticates with an access token)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import and_, bindparam, delete, or_, select

from locum.api.ordering import Ordering
from locum.api.pagination import Page, PageQuery, page_of
from locum.db.locking import locked
from locum.db.models import Image, OAuthAccessToken, OAuthApplication
from locum.db.reads import Reader
from locum.db.repository import InstanceRepository
from locum.db.text_search import contains
from locum.resources.oauth_applications.errors import oauth_application_not_found

ORDER_COLUMNS: dict[str, Any] = {"created_at": OAuthApplication.created_at, "name": OAuthApplication.name}
DEFAULT_ORDER = "+created_at"


class OAuthApplicationRepository(InstanceRepository[OAuthApplication]):
    model = OAuthApplication
    id_kind = "oauth_application"

    def not_found(self, id: str) -> Exception:
        return oauth_application_not_found()

    async def page(self, page: PageQuery, ordering: Ordering, *, name_query: str | None) -> Page[OAuthApplication]:
        """A page of the applications whose name contains `name_query` (any case) or whose client_id
        is exactly it; all of them without one."""
        statement = self.select()
        if name_query:
            statement = statement.where(
                or_(contains(OAuthApplication.name, name_query), OAuthApplication.client_id == name_query)
            )
        column = ORDER_COLUMNS[ordering.field]
        return await page_of(
            self.session, statement, page, ordering=ordering, column=column, id_column=OAuthApplication.id
        )

    async def delete_image(self, image_id: str) -> None:
        await self.session.execute(delete(Image).where(self.scope(Image), Image.id == image_id))

    async def grant_by_token(self, application_id: str, digest: str) -> OAuthAccessToken | None:
        """The application's grant whose access or refresh token has this digest, locked for revoking."""
        statement = select(OAuthAccessToken).where(
            self.scope(OAuthAccessToken),
            OAuthAccessToken.application_id == application_id,
            or_(OAuthAccessToken.token_digest == digest, OAuthAccessToken.refresh_token_digest == digest),
        )
        grant: OAuthAccessToken | None = await self.session.scalar(locked(statement))
        return grant


ACCESS_TOKEN_BY_DIGEST = (
    select(
        OAuthAccessToken.id,
        OAuthApplication.client_id,
        OAuthAccessToken.user_id,
        OAuthAccessToken.scopes,
        OAuthAccessToken.revoked,
        OAuthAccessToken.revocation_reason,
        OAuthAccessToken.expiration,
        OAuthAccessToken.created_at,
        OAuthAccessToken.updated_at,
        OAuthAccessToken.token_digest,
    )
    .join(
        OAuthApplication,
        and_(
            OAuthApplication.instance_id == OAuthAccessToken.instance_id,
            OAuthApplication.id == OAuthAccessToken.application_id,
        ),
    )
    .where(
        OAuthAccessToken.instance_id == bindparam("instance_id"), OAuthAccessToken.token_digest == bindparam("digest")
    )
)

APPLICATION_BY_CLIENT_ID = select(OAuthApplication.id).where(
    OAuthApplication.instance_id == bindparam("instance_id"), OAuthApplication.client_id == bindparam("client_id")
)


@dataclass(frozen=True)
class StoredAccessToken:
    """An opaque access token as ACCESS_TOKEN_BY_DIGEST reads it, with its application's client_id."""

    id: str
    client_id: str
    user_id: str
    scopes: list[str]
    revoked: bool
    revocation_reason: str | None
    expiration: int | None
    created_at: int
    updated_at: int
    token_digest: str

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "StoredAccessToken":
        token_id, client_id, user_id, scopes, revoked, reason, expiration, created_at, updated_at, digest = row
        # JSON comes back as text from SQLite and asyncpg, booleans as integers from SQLite.
        scopes = orjson.loads(scopes) if isinstance(scopes, str | bytes) else scopes
        return cls(
            token_id, client_id, user_id, scopes, bool(revoked), reason, expiration, created_at, updated_at, digest
        )


class AccessTokenReads:
    """One instance's verify reads on the bare-driver reader."""

    def __init__(self, reader: Reader, instance_id: str) -> None:
        self.reader = reader
        self.instance_id = instance_id

    async def by_digest(self, digest: str) -> StoredAccessToken | None:
        rows = await self.reader.fetch_by_key(
            self.reader.prepared(ACCESS_TOKEN_BY_DIGEST), {"instance_id": self.instance_id, "digest": digest}
        )
        return StoredAccessToken.from_row(rows[0]) if rows else None

    async def application_exists(self, client_id: str) -> bool:
        rows = await self.reader.fetch_by_key(
            self.reader.prepared(APPLICATION_BY_CLIENT_ID), {"instance_id": self.instance_id, "client_id": client_id}
        )
        return bool(rows)
