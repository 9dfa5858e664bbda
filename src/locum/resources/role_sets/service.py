"""Role sets: the roles an organization can grant, its default (new members) and creator roles.

An organization names its set by key (`Organization.role_set_key`); NULL means the instance's
initial set, of which there is exactly one (its key is also kept in the organization settings).
Every change first locks the organization settings, so changes of role sets run one at a time.
"""

import re
from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_identifier_exists, form_param_value_invalid
from locum.api.pagination import list_body
from locum.db.constraints import flush
from locum.db.models import OrganizationSettings, Role, RoleSet
from locum.instances.context import RequestContext
from locum.instances.organization_defaults import CREATOR_PERMISSIONS
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.resources.organization_roles.errors import not_a_role
from locum.resources.organization_roles.repository import PermissionRepository, RoleRepository
from locum.resources.organization_roles.schemas import KeyedListQuery
from locum.resources.organizations.lookup import require_enabled
from locum.resources.role_sets.errors import (
    missing_creator_role_permissions,
    role_not_in_set,
    role_sets_quota_exceeded,
)
from locum.resources.role_sets.repository import RoleSetRepository
from locum.resources.role_sets.schemas import AddRolesToRoleSetBody, CreateRoleSetBody, UpdateRoleSetBody
from locum.resources.role_sets.serializers import role_set_json

KEY_PREFIX = "role_set:"
KEY_PATTERN = re.compile(r"^role_set:[a-z0-9_]+$")


# Reading


async def render(role_sets: RoleSetRepository, role_set: RoleSet) -> JSON:
    return role_set_json(role_set, members_per_role=await role_sets.members_per_role(role_set))


async def get_role_set(session: AsyncSession, ctx: RequestContext, *, key_or_id: str) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id)
    role_sets = RoleSetRepository(session, ctx.instance_id)
    return await render(role_sets, await role_sets.get_by_key_or_id(key_or_id))


async def list_role_sets(session: AsyncSession, ctx: RequestContext, *, query: KeyedListQuery) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id)
    role_sets = RoleSetRepository(session, ctx.instance_id)
    page = await role_sets.search(query)
    return list_body([await render(role_sets, role_set) for role_set in page.items], page.total_count)


# Shared rules


async def resolve_roles(session: AsyncSession, ctx: RequestContext, keys: Sequence[str], *, param: str) -> list[Role]:
    """The instance's roles with `keys`, in the order given (repeats dropped); an unknown key is a 422."""
    wanted = list(dict.fromkeys(keys))
    found = await RoleRepository(session, ctx.instance_id).by_keys(wanted)
    for key in wanted:
        if key not in found:
            raise not_a_role(param, key)
    return [found[key] for key in wanted]


def role_in(roles: Iterable[Role], key: str, *, param: str) -> Role:
    role = next((role for role in roles if role.key == key), None)
    if role is None:
        raise role_not_in_set(param, key)
    return role


async def check_creator_eligible(session: AsyncSession, role: Role, *, param: str) -> None:
    """Clerk's rule: an organization's creator must be able to manage and delete it."""
    if not await PermissionRepository(session, role.instance_id).keys_of_role(role.id) >= CREATOR_PERMISSIONS:
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


async def check_key_free(role_sets: RoleSetRepository, key: str) -> None:
    if not KEY_PATTERN.match(key):
        raise form_param_value_invalid(
            "key", "key must start with 'role_set:' followed by lowercase letters, digits and underscores only."
        )
    if await role_sets.key_taken(key):
        raise form_identifier_exists("key")


def key_from_name(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not slug:
        raise form_param_value_invalid("key", "A key can't be derived from this name; provide one.")
    return KEY_PREFIX + slug


async def make_initial(role_sets: RoleSetRepository, role_set: RoleSet, settings: OrganizationSettings) -> None:
    """Make `role_set` the instance's one initial set; the previous one becomes custom, and the
    organizations that relied on it (role_set_key NULL) are pinned to it so they keep their roles."""
    previous = await role_sets.other_initial(role_set)
    if previous is not None:
        await role_sets.move_organizations(None, previous.key)
        previous.type = "custom"
        previous.updated_at = now_ms()
    role_set.type = "initial"
    settings.initial_role_set_key = role_set.key


# Writing


async def create_role_set(session: AsyncSession, ctx: RequestContext, *, body: CreateRoleSetBody) -> JSON:
    # The settings lock (db/locking.py) keeps concurrent creations from passing the quota together.
    settings = await require_enabled(session, instance_id=ctx.instance_id, for_update=True)
    role_sets = RoleSetRepository(session, ctx.instance_id)
    if await role_sets.count() >= settings.max_role_sets_allowed:
        raise role_sets_quota_exceeded(settings.max_role_sets_allowed)
    key = body.key if body.key is not None else key_from_name(body.name)
    await check_key_free(role_sets, key)
    roles = await resolve_roles(session, ctx, body.roles, param="roles")
    role_set = role_sets.add(key=key, name=body.name, description=body.description, type="custom", roles=roles)
    await set_default_and_creator(
        session, role_set, default_role_key=body.default_role_key, creator_role_key=body.creator_role_key
    )
    if body.type == "initial":
        await make_initial(role_sets, role_set, settings)
    await flush(session)
    return await render(role_sets, role_set)


async def update_role_set(
    session: AsyncSession, ctx: RequestContext, *, key_or_id: str, body: UpdateRoleSetBody
) -> JSON:
    settings = await require_enabled(session, instance_id=ctx.instance_id, for_update=True)
    role_sets = RoleSetRepository(session, ctx.instance_id)
    role_set = await role_sets.get_by_key_or_id(key_or_id)
    await set_default_and_creator(
        session, role_set, default_role_key=body.default_role_key, creator_role_key=body.creator_role_key
    )
    if body.key is not None and body.key != role_set.key:
        await check_key_free(role_sets, body.key)
        # Organizations name their set by key: they follow the rename.
        await role_sets.move_organizations(role_set.key, body.key)
        if settings.initial_role_set_key == role_set.key:
            settings.initial_role_set_key = body.key
        role_set.key = body.key
    if body.name is not None:
        role_set.name = body.name
    if "description" in body.model_fields_set:
        role_set.description = body.description
    if body.type == "initial" and role_set.type != "initial":
        await make_initial(role_sets, role_set, settings)
    role_set.updated_at = now_ms()
    await flush(session)
    return await render(role_sets, role_set)


async def add_roles_to_role_set(
    session: AsyncSession, ctx: RequestContext, *, key_or_id: str, body: AddRolesToRoleSetBody
) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id, for_update=True)
    role_sets = RoleSetRepository(session, ctx.instance_id)
    role_set = await role_sets.get_by_key_or_id(key_or_id)
    added = await resolve_roles(session, ctx, body.role_keys, param="role_keys")
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
    return await render(role_sets, role_set)
