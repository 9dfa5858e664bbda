"""JWT template queries: the API operations' through the ORM, and the reads of minting a token
(tokens.py) on the bare driver, whatever shortcodes the template uses: the session with its active
organization, membership, role and permissions (the session token's statement plus the
organization's own columns); the template by name; and the user's memberships (for
`user.organizations`)."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Select, bindparam, select

from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import PaginatedQuery, page_if_asked
from locum.db.models import JwtTemplate, Organization, OrganizationMembership, Role
from locum.db.reads import Reader, Row
from locum.db.repository import InstanceRepository
from locum.kit.json_types import JSON
from locum.resources.jwt_templates.errors import template_not_found
from locum.resources.sessions.tokens import TokenSubject, token_subject_statement


class JwtTemplateRepository(InstanceRepository[JwtTemplate]):
    model = JwtTemplate
    id_kind = "jwt_template"

    def not_found(self, id: str) -> Exception:
        return template_not_found()

    async def list_page(self, page: PaginatedQuery) -> tuple[list[JwtTemplate], int | None]:
        """The page, newest first, and the total count when `paginated` asked for it."""
        return await page_if_asked(
            self.session,
            self.select(),
            page,
            ordering=NEWEST_FIRST,
            column=JwtTemplate.created_at,
            id_column=JwtTemplate.id,
        )


TEMPLATE_BY_NAME = select(
    JwtTemplate.id,
    JwtTemplate.claims,
    JwtTemplate.lifetime,
    JwtTemplate.allowed_clock_skew,
    JwtTemplate.signing_algorithm,
    JwtTemplate.sealed_signing_key,
    JwtTemplate.updated_at,
).where(JwtTemplate.instance_id == bindparam("instance_id"), JwtTemplate.name == bindparam("name"))

USER_MEMBERSHIPS = (
    select(OrganizationMembership.organization_id, Role.key)
    .join(Role, Role.id == OrganizationMembership.role_id)
    .where(
        OrganizationMembership.instance_id == bindparam("instance_id"),
        Role.instance_id == bindparam("instance_id"),
        OrganizationMembership.user_id == bindparam("user_id"),
    )
)


@cache
def session_context_statement(dialect_name: str) -> Select[Any]:
    """The session token's statement, plus what org.* and org_membership.* shortcodes show."""
    return token_subject_statement(dialect_name).add_columns(
        Organization.name, Organization.image_id, Organization.public_metadata, OrganizationMembership.public_metadata
    )


def _json(value: Any) -> Any:
    """A JSON column as the bare driver returns it (text on SQLite and asyncpg), decoded."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


@dataclass(frozen=True)
class SessionContext:
    subject: TokenSubject
    organization_name: str | None
    organization_image_id: str | None
    organization_metadata: JSON | None
    membership_metadata: JSON | None

    @classmethod
    def from_row(cls, row: Sequence[Any], now: int) -> "SessionContext":
        *subject, name, image_id, organization_metadata, membership_metadata = tuple(row)
        return cls(
            subject=TokenSubject.from_row(subject, now),
            organization_name=name,
            organization_image_id=image_id,
            organization_metadata=_json(organization_metadata),
            membership_metadata=_json(membership_metadata),
        )


@dataclass(frozen=True)
class TemplateRow:
    id: str
    claims: JSON
    lifetime: int
    allowed_clock_skew: int
    signing_algorithm: str
    sealed_signing_key: bytes | None
    updated_at: int

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "TemplateRow":
        template_id, claims, lifetime, skew, algorithm, sealed_key, updated_at = tuple(row)
        return cls(template_id, _json(claims), lifetime, skew, algorithm, sealed_key, updated_at)


async def read_session_context(reader: Reader, *, instance_id: str, session_id: str, now: int) -> SessionContext | None:
    statement = reader.prepared(session_context_statement(reader.dialect.name))
    rows = await reader.fetch_by_key(statement, {"instance_id": instance_id, "session_id": session_id})
    return SessionContext.from_row(rows[0], now) if rows else None


async def read_template(reader: Reader, *, instance_id: str, name: str) -> TemplateRow | None:
    rows = await reader.fetch_by_key(reader.prepared(TEMPLATE_BY_NAME), {"instance_id": instance_id, "name": name})
    return TemplateRow.from_row(rows[0]) if rows else None


async def read_memberships(reader: Reader, *, instance_id: str, user_id: str) -> list[Row]:
    """(organization id, role key) of each of the user's memberships."""
    return await reader.fetch(reader.prepared(USER_MEMBERSHIPS), {"instance_id": instance_id, "user_id": user_id})
