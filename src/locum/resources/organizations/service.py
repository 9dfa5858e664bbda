"""Rules for organizations: creation (slug, creator membership, settings defaults), updates,
metadata, logo and deletion. Every operation first checks that organizations are enabled. Each
change records its Clerk event in the same transaction; services flush, the route commits."""

import re
import secrets
import string
import unicodedata
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.bodies import merge_metadata_fields, replace_metadata_fields
from locum.api.errors import (
    ClerkError,
    form_identifier_exists,
    form_param_format_invalid,
    form_param_max_length_exceeded,
    form_param_missing,
    form_param_unknown,
    form_param_value_invalid,
)
from locum.api.ordering import parse_order_by
from locum.db.constraints import flush
from locum.db.locking import kept
from locum.db.models import Image, Organization, OrganizationSettings, Role, RoleSet, User
from locum.db.models.organizations import NAME_LENGTH
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.outbox.events import EventType, record_for
from locum.resources.images.repository import ImageRepository
from locum.resources.images.uploads import DecodedImage
from locum.resources.organizations import repository
from locum.resources.organizations.lookup import (
    get_organization_or_raise,
    get_role_by_key_or_raise,
    require_enabled,
)
from locum.resources.organizations.members import add_membership
from locum.resources.organizations.schemas import (
    CreateOrganizationBody,
    OrganizationCountsParams,
    OrganizationListParams,
    OrganizationMetadataBody,
    UpdateOrganizationBody,
)
from locum.resources.organizations.serializers import JSON, organization_json
from locum.resources.users.service import METADATA_ONLY_THROUGH_METADATA_ENDPOINTS, parse_time

SLUG_PATTERN = re.compile(r"[a-z0-9-]+")
NAME_MARKUP = re.compile(r"<[a-zA-Z/!]|https?://|www\.", re.IGNORECASE)
SLUG_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
SLUG_SUFFIX_LENGTH = 8
SLUG_ATTEMPTS = 5
FALLBACK_SLUG = "organization"
METADATA_FIELDS = ("public_metadata", "private_metadata")


def slugs_disabled() -> ClerkError:
    return ClerkError(
        403,
        "organization_slugs_disabled",
        "Organization slugs are disabled",
        "Organization slugs are disabled for this instance; omit the slug.",
        {"param_name": "slug"},
    )


def creator_not_found() -> ClerkError:
    return ClerkError(
        400,
        "organization_creator_not_found",
        "Creator not found",
        "The user given as created_by could not be found.",
        {"param_name": "created_by"},
    )


# -- reads -------------------------------------------------------------------------------------


async def _render(
    session: AsyncSession, organizations: list[Organization], *, origin: str, extras: OrganizationCountsParams
) -> list[JSON]:
    ids = [organization.id for organization in organizations]
    counts = await repository.members_counts(session, organization_ids=ids) if extras.include_members_count else {}
    pending = (
        await repository.pending_invitations_counts(session, organization_ids=ids)
        if extras.include_members_count
        else {}
    )
    missing = (
        await repository.missing_elevated_members(session, organization_ids=ids)
        if extras.include_missing_member_with_elevated_permissions
        else {}
    )
    return [
        organization_json(
            organization,
            origin=origin,
            members_count=counts.get(organization.id),
            pending_invitations_count=pending.get(organization.id),
            missing_member_with_elevated_permissions=missing.get(organization.id),
        )
        for organization in organizations
    ]


async def list_organizations(
    session: AsyncSession, *, instance_id: str, params: OrganizationListParams, origin: str
) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    ordering = parse_order_by(params.order_by, repository.ORDER_COLUMNS, repository.DEFAULT_ORDER)
    page = await repository.list_organizations(session, instance_id=instance_id, params=params, ordering=ordering)
    data = await _render(session, page.organizations, origin=origin, extras=params)
    return {"data": data, "total_count": page.total_count}


async def get_organization(
    session: AsyncSession, *, instance_id: str, id_or_slug: str, extras: OrganizationCountsParams, origin: str
) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    organization = await get_organization_or_raise(session, instance_id=instance_id, id_or_slug=id_or_slug)
    return (await _render(session, [organization], origin=origin, extras=extras))[0]


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


async def _slug_taken(session: AsyncSession, *, instance_id: str, slug: str, except_id: str | None = None) -> bool:
    statement = select(Organization.id).where(Organization.instance_id == instance_id, Organization.slug == slug)
    if except_id is not None:
        statement = statement.where(Organization.id != except_id)
    return await session.scalar(statement) is not None


def slug_from_name(name: str) -> str:
    """`Acme Inc.` -> `acme-inc`: ASCII-folded, lowercased, runs of anything else become one dash."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return base[: NAME_LENGTH - SLUG_SUFFIX_LENGTH - 1].strip("-") or FALLBACK_SLUG


async def _generated_slug(session: AsyncSession, *, instance_id: str, name: str) -> str:
    base = slug_from_name(name)
    candidate = base
    for _ in range(SLUG_ATTEMPTS):
        if not await _slug_taken(session, instance_id=instance_id, slug=candidate):
            return candidate
        suffix = "".join(secrets.choice(SLUG_SUFFIX_ALPHABET) for _ in range(SLUG_SUFFIX_LENGTH))
        candidate = f"{base}-{suffix}"
    return candidate


async def _given_slug(
    session: AsyncSession, *, settings: OrganizationSettings, slug: str, except_id: str | None = None
) -> str:
    if settings.slug_disabled:
        raise slugs_disabled()
    _check_slug_format(slug)
    if await _slug_taken(session, instance_id=settings.instance_id, slug=slug, except_id=except_id):
        raise form_identifier_exists("slug")
    return slug


async def _role_set_or_raise(session: AsyncSession, *, instance_id: str, key: str) -> RoleSet:
    role_set = await session.scalar(select(RoleSet).where(RoleSet.instance_id == instance_id, RoleSet.key == key))
    if role_set is None:
        raise form_param_value_invalid("role_set_key", f"{key!r} is not a role set of this instance.")
    return role_set


async def _save(
    session: AsyncSession, organization: Organization, *, origin: str, event: EventType, touch: bool = True
) -> JSON:
    """Stamp updated_at (unless `touch` is False: a new row is stamped already), flush, record `event`."""
    if touch:
        organization.updated_at = now_ms()
    await flush(session)
    data = organization_json(organization, origin=origin)
    record_for(session, instance_id=organization.instance_id, type=event, data=data)
    return data


# -- writes ------------------------------------------------------------------------------------


async def _creator_role(session: AsyncSession, *, settings: OrganizationSettings, role_set: RoleSet | None) -> Role:
    """The role set's creator role when the caller chose a role set, else the instance's."""
    if role_set is not None and role_set.creator_role_id is not None:
        return await session.get_one(Role, role_set.creator_role_id)
    return await get_role_by_key_or_raise(
        session, instance_id=settings.instance_id, key=settings.creator_role_key, param="created_by"
    )


async def create_organization(
    session: AsyncSession, *, instance_id: str, body: CreateOrganizationBody, origin: str
) -> JSON:
    settings = await require_enabled(session, instance_id=instance_id)
    name = _check_name(body.name)
    at_ms = now_ms()
    created_at = parse_time(body.created_at, "created_at") if body.created_at is not None else at_ms
    max_memberships = (
        _check_max_memberships(body.max_allowed_memberships)
        if body.max_allowed_memberships is not None
        else settings.max_allowed_memberships
    )
    role_set = (
        await _role_set_or_raise(session, instance_id=instance_id, key=body.role_set_key)
        if body.role_set_key is not None
        else None
    )
    if body.created_by is not None:
        creator = kept(select(User.id).where(User.instance_id == instance_id, User.id == body.created_by))
        if await session.scalar(creator) is None:
            raise creator_not_found()
    slug = (
        await _given_slug(session, settings=settings, slug=body.slug)
        if body.slug is not None
        else await _generated_slug(session, instance_id=instance_id, name=name)
    )
    organization = Organization(
        id=new_id("organization"),
        instance_id=instance_id,
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
    session.add(organization)
    data = await _save(session, organization, origin=origin, event="organization.created", touch=False)
    if body.created_by is not None:
        role = await _creator_role(session, settings=settings, role_set=role_set)
        await add_membership(session, organization=organization, user_id=body.created_by, role=role, origin=origin)
    return data


async def update_organization(
    session: AsyncSession,
    *,
    instance_id: str,
    organization_id: str,
    body: UpdateOrganizationBody,
    origin: str,
    api_version: str,
) -> JSON:
    settings = await require_enabled(session, instance_id=instance_id)
    given = {name for name in body.model_fields_set if getattr(body, name) is not None}
    metadata_given = sorted(given & set(METADATA_FIELDS))
    if metadata_given and api_version >= METADATA_ONLY_THROUGH_METADATA_ENDPOINTS:
        # From 2026-05-12 Clerk takes metadata only through the /metadata endpoints.
        raise form_param_unknown(metadata_given[0])
    organization = await get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=organization_id, for_update=True
    )
    changes: dict[str, Any] = {}
    if "name" in given:
        changes["name"] = _check_name(body.name)
    if body.slug is not None and body.slug != organization.slug:
        changes["slug"] = await _given_slug(session, settings=settings, slug=body.slug, except_id=organization.id)
    if body.max_allowed_memberships is not None:
        changes["max_allowed_memberships"] = _check_max_memberships(body.max_allowed_memberships)
    if body.admin_delete_enabled is not None:
        changes["admin_delete_enabled"] = body.admin_delete_enabled
    if body.created_at is not None:
        changes["created_at"] = parse_time(body.created_at, "created_at")
    if body.role_set_key is not None:
        changes["role_set_key"] = (
            await _role_set_or_raise(session, instance_id=instance_id, key=body.role_set_key)
        ).key
    for name in metadata_given:
        changes[name] = getattr(body, name)
    for name, value in changes.items():
        setattr(organization, name, value)
    return await _save(session, organization, origin=origin, event="organization.updated")


async def delete_organization(session: AsyncSession, *, instance_id: str, organization_id: str) -> JSON:
    """Memberships, invitations and domains go with it (ON DELETE CASCADE)."""
    await require_enabled(session, instance_id=instance_id)
    organization = await get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=organization_id, for_update=True
    )
    await _drop_image(session, organization)
    await session.execute(delete(Organization).where(Organization.id == organization.id))
    deleted = {"object": "organization", "id": organization.id, "slug": organization.slug, "deleted": True}
    record_for(session, instance_id=instance_id, type="organization.deleted", data=deleted)
    return deleted


async def merge_metadata(
    session: AsyncSession, *, instance_id: str, organization_id: str, body: OrganizationMetadataBody, origin: str
) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    organization = await get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=organization_id, for_update=True
    )
    merge_metadata_fields(organization, body, METADATA_FIELDS)
    return await _save(session, organization, origin=origin, event="organization.updated")


async def replace_metadata(
    session: AsyncSession, *, instance_id: str, organization_id: str, body: OrganizationMetadataBody, origin: str
) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    organization = await get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=organization_id, for_update=True
    )
    replace_metadata_fields(organization, body, METADATA_FIELDS)
    return await _save(session, organization, origin=origin, event="organization.updated")


async def _drop_image(session: AsyncSession, organization: Organization) -> None:
    if organization.image_id is not None:
        await session.execute(
            delete(Image).where(Image.instance_id == organization.instance_id, Image.id == organization.image_id)
        )


async def set_logo(
    session: AsyncSession, *, instance_id: str, organization_id: str, image: DecodedImage, origin: str
) -> JSON:
    """Store the image and show it as the logo; the previous logo's image is deleted."""
    await require_enabled(session, instance_id=instance_id)
    organization = await get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=organization_id, for_update=True
    )
    stored = ImageRepository(session, instance_id).store(image)
    await _drop_image(session, organization)
    organization.image_id = stored.id
    data = await _save(session, organization, origin=origin, event="organization.updated")
    # OrganizationWithLogo still carries the deprecated logo_url.
    return {**data, "logo_url": data["image_url"]}


async def delete_logo(session: AsyncSession, *, instance_id: str, organization_id: str, origin: str) -> JSON:
    """Remove the logo; an organization without one is returned unchanged and no event is recorded."""
    await require_enabled(session, instance_id=instance_id)
    organization = await get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=organization_id, for_update=True
    )
    if organization.image_id is None:
        return organization_json(organization, origin=origin)
    await _drop_image(session, organization)
    organization.image_id = None
    return await _save(session, organization, origin=origin, event="organization.updated")
