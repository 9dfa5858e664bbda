"""Rules for organizations: creation (slug, creator membership, settings defaults), updates,
metadata, logo and deletion. Every operation first checks that organizations are enabled. Each
change records its Clerk event in the same transaction; services flush, the route commits."""

import re
import secrets
import string
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.bodies import merge_metadata_fields, replace_metadata_fields
from locum.api.errors import (
    form_identifier_exists,
    form_param_format_invalid,
    form_param_max_length_exceeded,
    form_param_missing,
    form_param_unknown,
    form_param_value_invalid,
)
from locum.api.ordering import parse_order_by
from locum.api.pagination import list_body
from locum.db.constraints import flush
from locum.db.locking import kept
from locum.db.models import Image, Organization, OrganizationSettings, Role, RoleSet, User
from locum.db.models.organizations import NAME_LENGTH
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.outbox.events import EventType, record
from locum.resources.api_keys.repository import ApiKeyRepository
from locum.resources.images.repository import ImageRepository
from locum.resources.images.uploads import DecodedImage
from locum.resources.organizations.errors import creator_not_found, role_set_not_found, slugs_disabled
from locum.resources.organizations.lookup import (
    enabled_organization_or_raise,
    get_role_by_key_or_raise,
    require_enabled,
)
from locum.resources.organizations.members import add_membership
from locum.resources.organizations.repository import DEFAULT_ORDER, ORDER_COLUMNS, OrganizationRepository
from locum.resources.organizations.schemas import (
    CreateOrganizationBody,
    OrganizationCountsParams,
    OrganizationListParams,
    OrganizationMetadataBody,
    UpdateOrganizationBody,
)
from locum.resources.organizations.serializers import organization_json
from locum.resources.users.service import METADATA_ONLY_THROUGH_METADATA_ENDPOINTS, parse_time

SLUG_PATTERN = re.compile(r"[a-z0-9-]+")
NAME_MARKUP = re.compile(r"<[a-zA-Z/!]|https?://|www\.", re.IGNORECASE)
SLUG_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
SLUG_SUFFIX_LENGTH = 8
SLUG_ATTEMPTS = 5
FALLBACK_SLUG = "organization"
METADATA_FIELDS = ("public_metadata", "private_metadata")


# -- reads -------------------------------------------------------------------------------------


async def _render(
    ctx: RequestContext,
    organizations: OrganizationRepository,
    rows: list[Organization],
    extras: OrganizationCountsParams,
) -> list[JSON]:
    ids = [organization.id for organization in rows]
    counts = await organizations.members_counts(ids) if extras.include_members_count else {}
    pending = await organizations.pending_invitations_counts(ids) if extras.include_members_count else {}
    missing = (
        await organizations.missing_elevated_members(ids)
        if extras.include_missing_member_with_elevated_permissions
        else {}
    )
    return [
        organization_json(
            organization,
            origin=ctx.origin,
            members_count=counts.get(organization.id),
            pending_invitations_count=pending.get(organization.id),
            missing_member_with_elevated_permissions=missing.get(organization.id),
        )
        for organization in rows
    ]


async def list_organizations(session: AsyncSession, ctx: RequestContext, *, params: OrganizationListParams) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id)
    ordering = parse_order_by(params.order_by, ORDER_COLUMNS, DEFAULT_ORDER)
    organizations = OrganizationRepository(session, ctx.instance_id)
    page = await organizations.page(params, ordering)
    data = await _render(ctx, organizations, page.items, params)
    return list_body(data, page.total_count)


async def get_organization(
    session: AsyncSession, ctx: RequestContext, *, id_or_slug: str, extras: OrganizationCountsParams
) -> JSON:
    organization = await enabled_organization_or_raise(session, instance_id=ctx.instance_id, id_or_slug=id_or_slug)
    organizations = OrganizationRepository(session, ctx.instance_id)
    return (await _render(ctx, organizations, [organization], extras))[0]


# -- shared rules ------------------------------------------------------------------------------


def _check_name(name: str | None) -> str:
    if name is None or not name.strip():
        raise form_param_missing("name")
    if len(name) > NAME_LENGTH:
        raise form_param_max_length_exceeded("name", NAME_LENGTH)
    if NAME_MARKUP.search(name):
        raise form_param_format_invalid("name", "name may not contain URLs or HTML.")
    return name.strip()


def _check_slug_format(slug: str) -> None:
    if len(slug) > NAME_LENGTH:
        raise form_param_max_length_exceeded("slug", NAME_LENGTH)
    if not SLUG_PATTERN.fullmatch(slug):
        raise form_param_format_invalid(
            "slug", "slug can contain only lowercase alphanumeric characters and the dash '-'."
        )


def _check_max_memberships(value: int) -> int:
    if value < 0:
        raise form_param_value_invalid("max_allowed_memberships", "max_allowed_memberships must be 0 or more.")
    return value


def slug_from_name(name: str) -> str:
    """`Acme Inc.` -> `acme-inc`: ASCII-folded, lowercased, runs of anything else become one dash."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return base[: NAME_LENGTH - SLUG_SUFFIX_LENGTH - 1].strip("-") or FALLBACK_SLUG


async def _generated_slug(organizations: OrganizationRepository, name: str) -> str:
    base = slug_from_name(name)
    candidate = base
    for _ in range(SLUG_ATTEMPTS):
        if not await organizations.slug_taken(candidate):
            return candidate
        suffix = "".join(secrets.choice(SLUG_SUFFIX_ALPHABET) for _ in range(SLUG_SUFFIX_LENGTH))
        candidate = f"{base}-{suffix}"
    return candidate


async def _given_slug(
    organizations: OrganizationRepository,
    settings: OrganizationSettings,
    slug: str,
    *,
    except_id: str | None = None,
) -> str:
    if settings.slug_disabled:
        raise slugs_disabled()
    _check_slug_format(slug)
    if await organizations.slug_taken(slug, except_id=except_id):
        raise form_identifier_exists("slug")
    return slug


async def _role_set_or_raise(session: AsyncSession, ctx: RequestContext, key: str) -> RoleSet:
    role_set = await session.scalar(select(RoleSet).where(RoleSet.instance_id == ctx.instance_id, RoleSet.key == key))
    if role_set is None:
        raise role_set_not_found(key)
    return role_set


async def _save(
    session: AsyncSession, ctx: RequestContext, organization: Organization, *, event: EventType, touch: bool = True
) -> JSON:
    """Stamp updated_at (unless `touch` is False: a new row is stamped already), flush, record `event`."""
    if touch:
        organization.updated_at = now_ms()
    await flush(session)
    data = organization_json(organization, origin=ctx.origin)
    record(session, ctx, event, data)
    return data


async def _locked(session: AsyncSession, ctx: RequestContext, id_or_slug: str) -> Organization:
    return await enabled_organization_or_raise(
        session, instance_id=ctx.instance_id, id_or_slug=id_or_slug, for_update=True
    )


# -- writes ------------------------------------------------------------------------------------


async def _creator_role(
    session: AsyncSession, ctx: RequestContext, settings: OrganizationSettings, role_set: RoleSet | None
) -> Role:
    """The role set's creator role when the caller chose a role set, else the instance's."""
    if role_set is not None and role_set.creator_role_id is not None:
        creator_role = select(Role).where(Role.instance_id == ctx.instance_id, Role.id == role_set.creator_role_id)
        return (await session.scalars(creator_role)).one()
    return await get_role_by_key_or_raise(
        session, instance_id=ctx.instance_id, key=settings.creator_role_key, param="created_by"
    )


async def create_organization(session: AsyncSession, ctx: RequestContext, *, body: CreateOrganizationBody) -> JSON:
    settings = await require_enabled(session, instance_id=ctx.instance_id)
    name = _check_name(body.name)
    at_ms = now_ms()
    created_at = parse_time(body.created_at, "created_at") if body.created_at is not None else at_ms
    max_memberships = (
        _check_max_memberships(body.max_allowed_memberships)
        if body.max_allowed_memberships is not None
        else settings.max_allowed_memberships
    )
    role_set = await _role_set_or_raise(session, ctx, body.role_set_key) if body.role_set_key is not None else None
    if body.created_by is not None:
        creator = kept(select(User.id).where(User.instance_id == ctx.instance_id, User.id == body.created_by))
        if await session.scalar(creator) is None:
            raise creator_not_found()
    organizations = OrganizationRepository(session, ctx.instance_id)
    slug = (
        await _given_slug(organizations, settings, body.slug)
        if body.slug is not None
        else await _generated_slug(organizations, name)
    )
    organization = organizations.add(
        name=name,
        slug=slug,
        created_by=body.created_by,
        max_allowed_memberships=max_memberships,
        admin_delete_enabled=settings.admin_delete_enabled,
        public_metadata=body.public_metadata or {},
        private_metadata=body.private_metadata or {},
        role_set_key=role_set.key if role_set is not None else settings.initial_role_set_key,
        created_at=created_at,
        updated_at=at_ms,
    )
    data = await _save(session, ctx, organization, event="organization.created", touch=False)
    if body.created_by is not None:
        role = await _creator_role(session, ctx, settings, role_set)
        await add_membership(session, ctx, organization, user_id=body.created_by, role=role)
    return data


async def update_organization(
    session: AsyncSession, ctx: RequestContext, *, organization_id: str, body: UpdateOrganizationBody
) -> JSON:
    settings = await require_enabled(session, instance_id=ctx.instance_id)
    given = {name for name in body.model_fields_set if getattr(body, name) is not None}
    metadata_given = sorted(given & set(METADATA_FIELDS))
    if metadata_given and ctx.api_version >= METADATA_ONLY_THROUGH_METADATA_ENDPOINTS:
        # From 2026-05-12 Clerk takes metadata only through the /metadata endpoints.
        raise form_param_unknown(metadata_given[0])
    organization = await _locked(session, ctx, organization_id)
    changes: dict[str, Any] = {}
    if "name" in given:
        changes["name"] = _check_name(body.name)
    if body.slug is not None and body.slug != organization.slug:
        organizations = OrganizationRepository(session, ctx.instance_id)
        changes["slug"] = await _given_slug(organizations, settings, body.slug, except_id=organization.id)
    if body.max_allowed_memberships is not None:
        changes["max_allowed_memberships"] = _check_max_memberships(body.max_allowed_memberships)
    if body.admin_delete_enabled is not None:
        changes["admin_delete_enabled"] = body.admin_delete_enabled
    if body.created_at is not None:
        changes["created_at"] = parse_time(body.created_at, "created_at")
    if body.role_set_key is not None:
        changes["role_set_key"] = (await _role_set_or_raise(session, ctx, body.role_set_key)).key
    for name in metadata_given:
        changes[name] = getattr(body, name)
    for name, value in changes.items():
        setattr(organization, name, value)
    return await _save(session, ctx, organization, event="organization.updated")


async def delete_organization(session: AsyncSession, ctx: RequestContext, *, organization_id: str) -> JSON:
    """Memberships, invitations and domains go with it (ON DELETE CASCADE), and its API keys."""
    organization = await _locked(session, ctx, organization_id)
    await _drop_image(session, organization)
    await ApiKeyRepository(session, ctx.instance_id).delete_of_subject(organization.id)
    await session.execute(
        delete(Organization).where(Organization.instance_id == ctx.instance_id, Organization.id == organization.id)
    )
    deleted = {"object": "organization", "id": organization.id, "slug": organization.slug, "deleted": True}
    record(session, ctx, "organization.deleted", deleted)
    return deleted


async def _change_metadata(
    session: AsyncSession,
    ctx: RequestContext,
    organization_id: str,
    body: OrganizationMetadataBody,
    change: Callable[[Organization, OrganizationMetadataBody, Sequence[str]], None],
) -> JSON:
    organization = await _locked(session, ctx, organization_id)
    change(organization, body, METADATA_FIELDS)
    return await _save(session, ctx, organization, event="organization.updated")


async def merge_metadata(
    session: AsyncSession, ctx: RequestContext, *, organization_id: str, body: OrganizationMetadataBody
) -> JSON:
    return await _change_metadata(session, ctx, organization_id, body, merge_metadata_fields)


async def replace_metadata(
    session: AsyncSession, ctx: RequestContext, *, organization_id: str, body: OrganizationMetadataBody
) -> JSON:
    return await _change_metadata(session, ctx, organization_id, body, replace_metadata_fields)


async def _drop_image(session: AsyncSession, organization: Organization) -> None:
    if organization.image_id is not None:
        await session.execute(
            delete(Image).where(Image.instance_id == organization.instance_id, Image.id == organization.image_id)
        )


async def set_logo(session: AsyncSession, ctx: RequestContext, *, organization_id: str, image: DecodedImage) -> JSON:
    """Store the image and show it as the logo; the previous logo's image is deleted."""
    organization = await _locked(session, ctx, organization_id)
    stored = ImageRepository(session, ctx.instance_id).store(image)
    await _drop_image(session, organization)
    organization.image_id = stored.id
    data = await _save(session, ctx, organization, event="organization.updated")
    # OrganizationWithLogo still carries the deprecated logo_url.
    return {**data, "logo_url": data["image_url"]}


async def delete_logo(session: AsyncSession, ctx: RequestContext, *, organization_id: str) -> JSON:
    """Remove the logo; an organization without one is returned unchanged and no event is recorded."""
    organization = await _locked(session, ctx, organization_id)
    if organization.image_id is None:
        return organization_json(organization, origin=ctx.origin)
    await _drop_image(session, organization)
    organization.image_id = None
    return await _save(session, ctx, organization, event="organization.updated")
