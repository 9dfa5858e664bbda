"""Role sets: the roles an organization can grant, its default (new members) and creator roles.

An organization names its set by key (`Organization.role_set_key`); NULL means the instance's
initial set, of which there is exactly one (its key is also kept in the organization settings).
Every change first locks the organization settings, so changes of role sets run one at a time.
"""

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from locum.api.errors import ClerkError, form_identifier_exists, form_param_value_invalid, not_found
from locum.api.ordering import parse_order_by
from locum.db.constraints import flush
from locum.db.models import (
    Organization,
    OrganizationMembership,
    OrganizationSettings,
    Permission,
    Role,
    RolePermission,
    RoleSet,
)
from locum.db.text_search import contains
from locum.instances.organization_defaults import CREATOR_PERMISSIONS
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.resources.organizations.lookup import require_enabled
from locum.resources.role_sets.schemas import (
    AddRolesToRoleSetBody,
    CreateRoleSetBody,
    RoleSetListParams,
    UpdateRoleSetBody,
)
from locum.resources.role_sets.serializers import JSON, role_set_json

KEY_PREFIX = "role_set:"
KEY_PATTERN = re.compile(r"^role_set:[a-z0-9_]+$")
ORDER_COLUMNS = {"created_at": RoleSet.created_at, "name": RoleSet.name, "key": RoleSet.key}
DEFAULT_ORDER = "-created_at"


def missing_creator_role_permissions(param: str) -> ClerkError:
    return ClerkError(
        422,
        "organization_missing_creator_role_permissions",
        "Creator role is missing required permissions",
        "The creator role must have the permissions " + ", ".join(sorted(CREATOR_PERMISSIONS)) + ".",
        {"param_name": param},
    )


def role_sets_quota_exceeded(limit: int) -> ClerkError:
    return ClerkError(
        403, "quota_exceeded", "Quota exceeded", f"The instance has reached its limit of {limit} role sets."
    )


def role_not_in_set(param: str, key: str) -> ClerkError:
    return form_param_value_invalid(param, f"{key!r} is not a role of this role set.")


# Reading


def organizations_using(role_set: RoleSet) -> Select[str]:
    """The ids of the organizations whose roles come from `role_set`."""
    uses: ColumnElement[bool] = Organization.role_set_key == role_set.key
    if role_set.type == "initial":
        uses = or_(uses, Organization.role_set_key.is_(None))
    return select(Organization.id).where(Organization.instance_id == role_set.instance_id, uses)


async def members_per_role(session: AsyncSession, role_set: RoleSet) -> dict[str, int]:
    rows = await session.execute(
        select(OrganizationMembership.role_id, func.count())
        .where(OrganizationMembership.organization_id.in_(organizations_using(role_set)))
        .group_by(OrganizationMembership.role_id)
    )
    return {role_id: int(count) for role_id, count in rows.tuples()}


async def render(session: AsyncSession, role_set: RoleSet) -> JSON:
    return role_set_json(role_set, members_per_role=await members_per_role(session, role_set))


async def get_role_set_or_raise(session: AsyncSession, *, instance_id: str, key_or_id: str) -> RoleSet:
    """A role set by key or id (Clerk accepts both), with its roles."""
    role_set = await session.scalar(
        select(RoleSet)
        .where(RoleSet.instance_id == instance_id, or_(RoleSet.id == key_or_id, RoleSet.key == key_or_id))
        .options(selectinload(RoleSet.roles))
    )
    if role_set is None:
        raise not_found("role set")
    return role_set


async def get_role_set(session: AsyncSession, *, instance_id: str, key_or_id: str) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    return await render(session, await get_role_set_or_raise(session, instance_id=instance_id, key_or_id=key_or_id))


async def list_role_sets(session: AsyncSession, *, instance_id: str, params: RoleSetListParams) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    ordering = parse_order_by(params.order_by, ORDER_COLUMNS, DEFAULT_ORDER)
    conditions: list[ColumnElement[bool]] = [RoleSet.instance_id == instance_id]
    if params.query:
        # Exact match on the id, partial (case-insensitive) on name and key, as Clerk documents.
        conditions.append(
            or_(RoleSet.id == params.query, contains(RoleSet.name, params.query), contains(RoleSet.key, params.query))
        )
    total = await session.scalar(select(func.count()).select_from(RoleSet).where(*conditions))
    page = await session.scalars(
        select(RoleSet)
        .where(*conditions)
        .options(selectinload(RoleSet.roles))
        .order_by(ordering.apply(ORDER_COLUMNS[ordering.field]), ordering.apply(RoleSet.id))
        .limit(params.limit)
        .offset(params.offset)
    )
    return {"data": [await render(session, role_set) for role_set in page], "total_count": int(total or 0)}


# Shared rules


async def resolve_roles(session: AsyncSession, *, instance_id: str, keys: Sequence[str], param: str) -> list[Role]:
    """The instance's roles with `keys`, in the order given (repeats dropped); an unknown key is a 422."""
    wanted = list(dict.fromkeys(keys))
    found = {
        role.key: role
        for role in await session.scalars(select(Role).where(Role.instance_id == instance_id, Role.key.in_(wanted)))
    }
    for key in wanted:
        if key not in found:
            raise form_param_value_invalid(param, f"{key!r} is not a role of this instance.")
    return [found[key] for key in wanted]


def role_in(roles: Iterable[Role], key: str, *, param: str) -> Role:
    role = next((role for role in roles if role.key == key), None)
    if role is None:
        raise role_not_in_set(param, key)
    return role


async def check_creator_eligible(session: AsyncSession, role: Role, *, param: str) -> None:
    """Clerk's rule: an organization's creator must be able to manage and delete it."""
    granted = await session.scalars(
        select(Permission.key)
        .join(RolePermission, RolePermission.permission_id == Permission.id)
        .where(RolePermission.role_id == role.id)
    )
    if not set(granted) >= CREATOR_PERMISSIONS:
        raise missing_creator_role_permissions(param)


async def set_default_and_creator(
    session: AsyncSession, role_set: RoleSet, *, default_role_key: str | None, creator_role_key: str | None
) -> None:
    """Point the set's default and creator roles at roles of the set (None keeps the current one)."""
    if default_role_key is not None:
        role_set.default_role_id = role_in(role_set.roles, default_role_key, param="default_role_key").id
    if creator_role_key is not None:
        creator = role_in(role_set.roles, creator_role_key, param="creator_role_key")
        await check_creator_eligible(session, creator, param="creator_role_key")
        role_set.creator_role_id = creator.id


async def check_key_free(session: AsyncSession, *, instance_id: str, key: str) -> None:
    if not KEY_PATTERN.match(key):
        raise form_param_value_invalid(
            "key", "key must start with 'role_set:' followed by lowercase letters, digits and underscores only."
        )
    taken = await session.scalar(select(RoleSet.id).where(RoleSet.instance_id == instance_id, RoleSet.key == key))
    if taken is not None:
        raise form_identifier_exists("key")


def key_from_name(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not slug:
        raise form_param_value_invalid("key", "A key can't be derived from this name; provide one.")
    return KEY_PREFIX + slug


async def make_initial(session: AsyncSession, role_set: RoleSet, settings: OrganizationSettings) -> None:
    """Make `role_set` the instance's one initial set; the previous one becomes custom, and the
    organizations that relied on it (role_set_key NULL) are pinned to it so they keep their roles."""
    previous = await session.scalar(
        select(RoleSet).where(
            RoleSet.instance_id == role_set.instance_id, RoleSet.type == "initial", RoleSet.id != role_set.id
        )
    )
    if previous is not None:
        await session.execute(
            update(Organization)
            .where(Organization.instance_id == role_set.instance_id, Organization.role_set_key.is_(None))
            .values(role_set_key=previous.key)
        )
        previous.type = "custom"
        previous.updated_at = now_ms()
    role_set.type = "initial"
    settings.initial_role_set_key = role_set.key


# Writing


async def create_role_set(session: AsyncSession, *, instance_id: str, body: CreateRoleSetBody) -> JSON:
    # The settings lock (db/locking.py) keeps concurrent creations from passing the quota together.
    settings = await require_enabled(session, instance_id=instance_id, for_update=True)
    count = await session.scalar(select(func.count()).select_from(RoleSet).where(RoleSet.instance_id == instance_id))
    if int(count or 0) >= settings.max_role_sets_allowed:
        raise role_sets_quota_exceeded(settings.max_role_sets_allowed)
    key = body.key if body.key is not None else key_from_name(body.name)
    await check_key_free(session, instance_id=instance_id, key=key)
    roles = await resolve_roles(session, instance_id=instance_id, keys=body.roles, param="roles")
    at_ms = now_ms()
    role_set = RoleSet(
        id=new_id("role_set"),
        instance_id=instance_id,
        key=key,
        name=body.name,
        description=body.description,
        type="custom",
        roles=roles,
        created_at=at_ms,
        updated_at=at_ms,
    )
    await set_default_and_creator(
        session, role_set, default_role_key=body.default_role_key, creator_role_key=body.creator_role_key
    )
    session.add(role_set)
    if body.type == "initial":
        await make_initial(session, role_set, settings)
    await flush(session)
    return await render(session, role_set)


async def update_role_set(session: AsyncSession, *, instance_id: str, key_or_id: str, body: UpdateRoleSetBody) -> JSON:
    settings = await require_enabled(session, instance_id=instance_id, for_update=True)
    role_set = await get_role_set_or_raise(session, instance_id=instance_id, key_or_id=key_or_id)
    await set_default_and_creator(
        session, role_set, default_role_key=body.default_role_key, creator_role_key=body.creator_role_key
    )
    if body.key is not None and body.key != role_set.key:
        await check_key_free(session, instance_id=instance_id, key=body.key)
        # Organizations name their set by key: they follow the rename.
        await session.execute(
            update(Organization)
            .where(Organization.instance_id == instance_id, Organization.role_set_key == role_set.key)
            .values(role_set_key=body.key)
        )
        if settings.initial_role_set_key == role_set.key:
            settings.initial_role_set_key = body.key
        role_set.key = body.key
    if body.name is not None:
        role_set.name = body.name
    if "description" in body.model_fields_set:
        role_set.description = body.description
    if body.type == "initial" and role_set.type != "initial":
        await make_initial(session, role_set, settings)
    role_set.updated_at = now_ms()
    await flush(session)
    return await render(session, role_set)


async def add_roles_to_role_set(
    session: AsyncSession, *, instance_id: str, key_or_id: str, body: AddRolesToRoleSetBody
) -> JSON:
    await require_enabled(session, instance_id=instance_id, for_update=True)
    role_set = await get_role_set_or_raise(session, instance_id=instance_id, key_or_id=key_or_id)
    added = await resolve_roles(session, instance_id=instance_id, keys=body.role_keys, param="role_keys")
    present = {role.id for role in role_set.roles}
    for role in added:
        if role.id in present:
            raise form_param_value_invalid("role_keys", f"{role.key!r} is already a role of this role set.")
    role_set.roles.extend(added)
    await set_default_and_creator(
        session, role_set, default_role_key=body.default_role_key, creator_role_key=body.creator_role_key
    )
    role_set.updated_at = now_ms()
    await flush(session)
    return await render(session, role_set)
