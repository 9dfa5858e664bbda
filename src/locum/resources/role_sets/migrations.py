"""Moving organizations between role sets, and members between roles, inside one request.

Clerk runs these as background "role set migrations"; locum runs them in the request's
transaction, so they are complete when the response leaves and never show as in progress.
Pending invitations are remapped with the memberships: accepting one must grant a role of the
organization's set.
"""

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_missing, form_param_value_invalid
from locum.db.constraints import flush
from locum.db.models import RoleSet
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.resources.organizations.lookup import require_enabled
from locum.resources.role_sets.repository import RoleSetRepository
from locum.resources.role_sets.schemas import ReplaceRoleInRoleSetBody, ReplaceRoleSetBody
from locum.resources.role_sets.serializers import deleted_role_set_json
from locum.resources.role_sets.service import check_creator_eligible, render, resolve_roles, role_in


async def destination_roles(
    role_sets: RoleSetRepository, *, source: RoleSet, dest: RoleSet, mappings: Mapping[str, str] | None
) -> dict[str, str]:
    """role id -> role id for every role held under `source`: the mapping's choice, else the same
    role when `dest` has it. A held role `dest` lacks must be mapped (Clerk's rule)."""
    explicit: dict[str, str] = {}
    for source_key, dest_key in (mappings or {}).items():
        from_role = role_in(source.roles, source_key, param="reassignment_mappings")
        explicit[from_role.id] = role_in(dest.roles, dest_key, param="reassignment_mappings").id
    dest_ids = {role.id for role in dest.roles}
    keys = {role.id: role.key for role in source.roles}
    result: dict[str, str] = {}
    for role_id in await role_sets.held_role_ids(source):
        if role_id in explicit:
            result[role_id] = explicit[role_id]
        elif role_id in dest_ids:
            result[role_id] = role_id
        elif mappings is None:
            raise form_param_missing("reassignment_mappings")
        else:
            raise form_param_value_invalid(
                "reassignment_mappings",
                f"Members hold {keys.get(role_id, role_id)!r}, which the destination role set lacks: map it.",
            )
    return result


async def replace_role_set(
    session: AsyncSession, ctx: RequestContext, *, key_or_id: str, body: ReplaceRoleSetBody
) -> JSON:
    """Move the organizations using a set to another one, remapping their roles, then delete the
    set. Replacing the initial set makes the destination initial."""
    settings = await require_enabled(session, instance_id=ctx.instance_id, for_update=True)
    role_sets = RoleSetRepository(session, ctx.instance_id)
    source = await role_sets.get_by_key_or_id(key_or_id)
    dest = await role_sets.get_by_key(body.dest_role_set_key)
    if dest is None:
        raise form_param_value_invalid("dest_role_set_key", f"{body.dest_role_set_key!r} is not a role set.")
    if dest.id == source.id:
        raise form_param_value_invalid("dest_role_set_key", "A role set can't be replaced with itself.")
    role_ids = await destination_roles(role_sets, source=source, dest=dest, mappings=body.reassignment_mappings)
    # Roles first: the organizations are found through the key they are about to lose.
    await role_sets.reassign_roles(source, role_ids)
    await role_sets.move_organizations(source.key, dest.key)
    if source.type == "initial":
        # Organizations without a key keep following the initial set, which is now `dest`.
        dest.type = "initial"
        dest.updated_at = now_ms()
        settings.initial_role_set_key = dest.key
    deleted = deleted_role_set_json(source)
    await session.delete(source)
    await flush(session)
    return deleted


async def replace_role_in_role_set(
    session: AsyncSession, ctx: RequestContext, *, key_or_id: str, body: ReplaceRoleInRoleSetBody
) -> JSON:
    """Swap one role of a set for another: holders of the old role get the new one, which joins
    the set if needed and takes over as default or creator role where the old one was."""
    await require_enabled(session, instance_id=ctx.instance_id, for_update=True)
    role_sets = RoleSetRepository(session, ctx.instance_id)
    role_set = await role_sets.get_by_key_or_id(key_or_id)
    removed = role_in(role_set.roles, body.role_key, param="role_key")
    (replacement,) = await resolve_roles(session, ctx, [body.to_role_key], param="to_role_key")
    if replacement.id == removed.id:
        raise form_param_value_invalid("to_role_key", "to_role_key must differ from role_key.")
    if role_set.creator_role_id == removed.id:
        await check_creator_eligible(session, replacement, param="to_role_key")
        role_set.creator_role_id = replacement.id
    if role_set.default_role_id == removed.id:
        role_set.default_role_id = replacement.id
    await role_sets.reassign_roles(role_set, {removed.id: replacement.id})
    position = role_set.roles.index(removed)
    if replacement in role_set.roles:
        role_set.roles.remove(removed)
    else:
        role_set.roles[position] = replacement
    role_set.updated_at = now_ms()
    await flush(session)
    return await render(role_sets, role_set)
