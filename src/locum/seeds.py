"""Seed files: the users, organizations, memberships, JWT templates and webhook endpoints an app's
tests or demos start from, applied by `locum serve --seed FILE` to the default instance after the
migrations and before serving.

A seed file (YAML, or JSON) holds one list per kind; each entry is the body the API's create
operation takes (POST /v1/users, /v1/organizations, /v1/jwt_templates, /locum/webhooks/endpoints),
and goes through the same service function, so the same rules, defaults and events apply:

    users:
      - external_id: alice            # every field of POST /v1/users
        email_address: [alice@example.com]
        password: correct-horse-battery
      - email_address: [bob@example.com]
        password_digest: $2a$10$…
        password_hasher: bcrypt
    organizations:
      - name: Acme                    # every field of POST /v1/organizations; slug is required here
        slug: acme
        created_by: alice             # a user: its id, external_id or email address
        memberships:
          - {user: bob@example.com, role: org:member}
    jwt_templates:
      - {name: supabase, claims: {aud: authenticated}}
    webhook_endpoints:
      - {url: http://localhost:3000/api/webhooks, event_types: [user.created]}

Applying is idempotent: every entry is matched by a natural key (a user by external_id, else its
first email address; an organization by slug; a membership by organization and user; a JWT template
by name; a webhook endpoint by url) and only what is missing is created, so a second start creates
nothing and records no event. Entries already there are left as they are (not updated). Everything
is applied in one transaction: a seed that fails changes nothing, and says which entry failed.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import ClerkError
from locum.db.constraints import IdentifierTaken
from locum.db.models import EmailAddress, JwtTemplate, Organization, OrganizationMembership, User, WebhookEndpoint
from locum.instances.context import RequestContext
from locum.kit.sealing import Sealer
from locum.resources.jwt_templates.schemas import JWTTemplateBody
from locum.resources.jwt_templates.service import create_template
from locum.resources.organization_memberships.schemas import CreateMembershipBody
from locum.resources.organization_memberships.service import create_membership
from locum.resources.organizations.schemas import CreateOrganizationBody
from locum.resources.organizations.service import create_organization
from locum.resources.users.schemas import CreateUserBody
from locum.resources.users.service import create_user
from locum.resources.webhook_endpoints.schemas import CreateWebhookEndpointBody
from locum.resources.webhook_endpoints.service import create_endpoint

# A seed file is read whole; a bigger one is a mistake (or a data import: see `locum import`).
MAX_SEED_FILE_BYTES = 10 * 1024 * 1024
USER_ID_PREFIX = "user_"

BodyT = TypeVar("BodyT", bound=BaseModel)


class SeedError(Exception):
    """A seed file that cannot be read or applied; the message names the entry."""


class _Entries(BaseModel):
    model_config = ConfigDict(extra="forbid")

    users: list[dict[str, Any]] = []
    organizations: list[dict[str, Any]] = []
    jwt_templates: list[dict[str, Any]] = []
    webhook_endpoints: list[dict[str, Any]] = []


class SeedMembership(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str
    role: str
    public_metadata: dict[str, Any] | None = None
    private_metadata: dict[str, Any] | None = None


@dataclass
class SeedResult:
    """What applying created, by kind (entries found already there are not counted)."""

    created: dict[str, int] = field(
        default_factory=lambda: {
            "users": 0,
            "organizations": 0,
            "organization_memberships": 0,
            "jwt_templates": 0,
            "webhook_endpoints": 0,
        }
    )

    @property
    def total(self) -> int:
        return sum(self.created.values())

    def summary(self) -> str:
        made = ", ".join(f"{count} {kind}" for kind, count in self.created.items() if count)
        return f"seed applied: created {made}" if made else "seed applied: nothing to create"


def read_seed_file(path: Path) -> _Entries:
    try:
        if path.stat().st_size > MAX_SEED_FILE_BYTES:
            raise SeedError(f"{path}: larger than {MAX_SEED_FILE_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except OSError as failure:
        raise SeedError(f"{path}: {failure.strerror or failure}") from failure
    try:
        document = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as failure:
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        raise SeedError(f"{path}: not valid {kind}: {failure}") from None
    try:
        return _Entries.model_validate(document or {})
    except ValidationError as failure:
        raise SeedError(f"{path}: {_describe(failure)}") from None


def _describe(failure: ValidationError) -> str:
    first = failure.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the document"
    return f"{where}: {first['msg']}"


def _body(model: type[BodyT], entry: dict[str, Any], where: str) -> BodyT:
    try:
        return model.model_validate(entry)
    except ValidationError as failure:
        raise SeedError(f"{where}: {_describe(failure)}") from None


class _Seeder:
    def __init__(self, session: AsyncSession, ctx: RequestContext, sealer: Sealer) -> None:
        self.session = session
        self.ctx = ctx
        self.sealer = sealer
        self.result = SeedResult()
        # The entry being applied, for the message of an error the services raise.
        self.where = ""

    @property
    def instance_id(self) -> str:
        return self.ctx.instance_id

    async def user_id(self, reference: str, where: str) -> str:
        """A user named by id, email address or external_id."""
        if reference.startswith(USER_ID_PREFIX):
            statement = select(User.id).where(User.instance_id == self.instance_id, User.id == reference)
        elif "@" in reference:
            statement = self._by_email(reference)
        else:
            statement = select(User.id).where(User.instance_id == self.instance_id, User.external_id == reference)
        found = await self.session.scalar(statement.limit(1))
        if found is None:
            raise SeedError(f"{where}: no user {reference!r} (give an id, email address or external_id)")
        return found

    def _by_email(self, email: str) -> Any:
        return select(EmailAddress.user_id).where(
            EmailAddress.instance_id == self.instance_id, func.lower(EmailAddress.email_address) == email.lower()
        )

    async def _existing_user(self, body: CreateUserBody, where: str) -> str | None:
        if body.external_id:
            external_id = body.external_id
            statement = select(User.id).where(User.instance_id == self.instance_id, User.external_id == external_id)
        elif body.email_address:
            statement = self._by_email(body.email_address[0])
        else:
            raise SeedError(f"{where}: a seeded user needs an external_id or an email_address (its natural key)")
        found: str | None = await self.session.scalar(statement.limit(1))
        return found

    async def users(self, entries: Sequence[dict[str, Any]]) -> None:
        for index, entry in enumerate(entries):
            where = self.where = f"users[{index}]"
            body = _body(CreateUserBody, entry, where)
            if await self._existing_user(body, where) is None:
                await create_user(self.session, self.ctx, body, sealer=self.sealer)
                self.result.created["users"] += 1

    async def organizations(self, entries: Sequence[dict[str, Any]]) -> None:
        for index, entry in enumerate(entries):
            where = self.where = f"organizations[{index}]"
            fields = dict(entry)
            memberships = [
                _body(SeedMembership, membership, f"{where}.memberships[{position}]")
                for position, membership in enumerate(fields.pop("memberships", None) or [])
            ]
            if fields.get("created_by") is not None:
                fields["created_by"] = await self.user_id(str(fields["created_by"]), f"{where}.created_by")
            body = _body(CreateOrganizationBody, fields, where)
            if not body.slug:
                raise SeedError(f"{where}: a seeded organization needs a slug (its natural key)")
            statement = select(Organization.id).where(
                Organization.instance_id == self.instance_id, Organization.slug == body.slug
            )
            organization_id = await self.session.scalar(statement)
            if organization_id is None:
                organization_id = str((await create_organization(self.session, self.ctx, body=body))["id"])
                self.result.created["organizations"] += 1
            for position, membership in enumerate(memberships):
                await self._membership(organization_id, membership, f"{where}.memberships[{position}]")

    async def _membership(self, organization_id: str, membership: SeedMembership, where: str) -> None:
        self.where = where
        user_id = await self.user_id(membership.user, where)
        statement = select(OrganizationMembership.id).where(
            OrganizationMembership.instance_id == self.instance_id,
            OrganizationMembership.organization_id == organization_id,
            OrganizationMembership.user_id == user_id,
        )
        if await self.session.scalar(statement) is not None:
            return
        body = CreateMembershipBody(
            user_id=user_id,
            role=membership.role,
            public_metadata=membership.public_metadata,
            private_metadata=membership.private_metadata,
        )
        await create_membership(self.session, self.ctx, organization_id=organization_id, body=body)
        self.result.created["organization_memberships"] += 1

    async def jwt_templates(self, entries: Sequence[dict[str, Any]]) -> None:
        for index, entry in enumerate(entries):
            self.where = f"jwt_templates[{index}]"
            body = _body(JWTTemplateBody, entry, self.where)
            statement = select(JwtTemplate.id).where(
                JwtTemplate.instance_id == self.instance_id, JwtTemplate.name == body.name
            )
            if await self.session.scalar(statement) is None:
                await create_template(self.session, self.ctx, sealer=self.sealer, body=body)
                self.result.created["jwt_templates"] += 1

    async def webhook_endpoints(self, entries: Sequence[dict[str, Any]]) -> None:
        for index, entry in enumerate(entries):
            self.where = f"webhook_endpoints[{index}]"
            body = _body(CreateWebhookEndpointBody, entry, self.where)
            statement = select(WebhookEndpoint.id).where(
                WebhookEndpoint.instance_id == self.instance_id, WebhookEndpoint.url == body.url
            )
            if await self.session.scalar(statement.limit(1)) is None:
                await create_endpoint(
                    self.session,
                    self.ctx,
                    sealer=self.sealer,
                    url=body.url,
                    event_types=body.event_types,
                    description=body.description,
                    secret=body.secret,
                    source="api",
                )
                self.result.created["webhook_endpoints"] += 1


def _clerk_error_line(error: ClerkError) -> str:
    param = (error.meta or {}).get("param_name")
    return f"{error.code}{f' ({param})' if param else ''}: {error.long_message}"


async def apply_seed(session: AsyncSession, ctx: RequestContext, sealer: Sealer, entries: _Entries) -> SeedResult:
    """Create what `entries` name and the instance lacks, in `session`'s transaction (the caller
    commits). Users come first (organizations and memberships name them), then organizations with
    their memberships, JWT templates and webhook endpoints."""
    seeder = _Seeder(session, ctx, sealer)
    try:
        await seeder.users(entries.users)
        await seeder.organizations(entries.organizations)
        await seeder.jwt_templates(entries.jwt_templates)
        await seeder.webhook_endpoints(entries.webhook_endpoints)
    except ClerkError as error:
        raise SeedError(f"{seeder.where}: {_clerk_error_line(error)}") from None
    except IdentifierTaken as taken:
        raise SeedError(f"{seeder.where}: {taken.param} is already taken by another record") from None
    return seeder.result
