"""API key queries: the operations' through the ORM, and verification's lookup by secret digest on the
bare-driver reader (db/reads.py), one round trip with no ORM, since apps verify a key on every
request it authenticates."""

from typing import Any, NamedTuple

import orjson
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import Page, page_of
from locum.db.locking import kept
from locum.db.models import ApiKey, Machine, Organization, User
from locum.db.reads import Reader, Row
from locum.db.repository import InstanceRepository
from locum.db.text_search import contains
from locum.kit.clock import now_ms
from locum.kit.ids import new_hex_id
from locum.kit.last_used import stale_before
from locum.resources.api_keys.errors import api_key_name_taken, api_key_not_found
from locum.resources.api_keys.schemas import ApiKeyListQuery

# What a subject's prefix names; `scim_` (a SCIM directory) is none: locum has no SCIM directories.
SUBJECT_MODELS: dict[str, Any] = {"user": User, "org": Organization, "mch": Machine}
# A violation of the (instance_id, subject, name) unique index of unrevoked keys: PostgreSQL names the
# index, SQLite its columns.
NAME_CONFLICT_SIGNATURES = (
    "ix_api_keys_instance_id_subject_name",
    "api_keys.instance_id, api_keys.subject, api_keys.name",
)


class ApiKeyRepository(InstanceRepository[ApiKey]):
    model = ApiKey

    def not_found(self, id: str) -> Exception:
        return api_key_not_found()

    def add(self, **values: Any) -> ApiKey:
        """A new key of this instance with Clerk's hex id (kit/ids.new_hex_id), created now."""
        at_ms = now_ms()
        key = ApiKey(
            **{"id": new_hex_id("api_key"), "instance_id": self.instance_id, "created_at": at_ms, "updated_at": at_ms}
            | values
        )
        self.session.add(key)
        return key

    async def flush(self) -> None:
        """Flush the session's changes; a second unrevoked key of one name for a subject is api_key_name_taken."""
        try:
            await self.session.flush()
        except IntegrityError as exc:
            if any(signature in str(exc.orig) for signature in NAME_CONFLICT_SIGNATURES):
                raise api_key_name_taken() from None
            raise

    async def delete_of_subject(self, subject_id: str) -> None:
        """Delete the subject's keys, with the user, organization or machine they were made for."""
        await self.session.execute(delete(ApiKey).where(self.scope(ApiKey), ApiKey.subject == subject_id))

    async def keep_subject(self, subject_id: str, *, kinds: tuple[str, ...]) -> bool:
        """Whether `subject_id` is a user, organization or machine (of `kinds`) of the instance; it is
        kept from deletion until commit (db/locking.py), so no key is made for a subject deleted meanwhile."""
        prefix = subject_id.partition("_")[0]
        model = SUBJECT_MODELS.get(prefix) if prefix in kinds else None
        if model is None:
            return False
        found = await self.session.scalar(kept(select(model.id).where(self.scope(model), model.id == subject_id)))
        return found is not None

    async def page(self, query: ApiKeyListQuery, *, now: int) -> Page[ApiKey]:
        """The subject's keys of the type, newest first; only valid ones (neither revoked nor expired
        at `now`) unless include_invalid."""
        statement = self.select().where(ApiKey.subject == query.subject, ApiKey.type == query.type)
        if query.include_invalid == "false":
            statement = statement.where(
                ApiKey.revoked.is_(False), or_(ApiKey.expiration.is_(None), ApiKey.expiration > now)
            )
        if query.query:
            statement = statement.where(contains(ApiKey.name, query.query))
        return await page_of(
            self.session, statement, query, ordering=NEWEST_FIRST, column=ApiKey.created_at, id_column=ApiKey.id
        )

    async def delete(self, api_key_id: str) -> bool:
        """Delete the key in one statement; False when the instance has no such key."""
        statement = delete(ApiKey).where(self.scope(), ApiKey.id == api_key_id)
        result = await self.session.execute(statement.execution_options(synchronize_session=False))
        return bool(getattr(result, "rowcount", 0))

    async def record_use(self, api_key_id: str, *, now: int) -> None:
        """Set last_used_at to `now` unless it is already recent (kit/last_used; one UPDATE, so
        concurrent verifications write at most once)."""
        statement = (
            update(ApiKey)
            .where(
                self.scope(),
                ApiKey.id == api_key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < stale_before(now)),
            )
            .values(last_used_at=now)
        )
        await self.session.execute(statement.execution_options(synchronize_session=False))


def _decoded_json(value: Any) -> Any:
    """A JSON column as the bare driver returns it (text on SQLite and asyncpg), decoded."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


class StoredKey(NamedTuple):
    """An API key as verification reads it: the fields of its JSON, and its secret's digest."""

    id: str
    type: str
    subject: str
    name: str
    description: str | None
    claims: Any
    scopes: list[str]
    revoked: bool
    revocation_reason: str | None
    expiration: int | None
    created_by: str | None
    last_used_at: int | None
    created_at: int
    updated_at: int
    secret_digest: str

    @classmethod
    def from_row(cls, row: Row) -> "StoredKey":
        key = cls._make(row)
        return key._replace(
            claims=_decoded_json(key.claims), scopes=_decoded_json(key.scopes), revoked=bool(key.revoked)
        )


KEY_BY_DIGEST = select(*(getattr(ApiKey, field) for field in StoredKey._fields)).where(
    ApiKey.instance_id == bindparam("instance_id"), ApiKey.secret_digest == bindparam("secret_digest")
)


async def read_key_by_digest(reader: Reader, *, instance_id: str, digest: str) -> StoredKey | None:
    rows = await reader.fetch_by_key(
        reader.prepared(KEY_BY_DIGEST), {"instance_id": instance_id, "secret_digest": digest}
    )
    return StoredKey.from_row(rows[0]) if rows else None
