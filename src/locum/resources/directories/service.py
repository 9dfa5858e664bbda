"""Directory rules, for both names of the resource (`/scim_directories`, `/directories`).

A directory belongs to an enterprise connection of the instance (at most one per connection: the
table's unique constraint decides between two creations racing for one connection). Its bearer token
is made with it, shown in that answer only and stored as its digest. Its attribute mapping starts
from DEFAULT_ATTRIBUTE_MAPPING; an update merges into it, a null value removing the attribute. Its
group-role mappings name the instance's organization roles (by id, or by key), each group once and
each precedence once; a mapping without a precedence takes its position in the list (1-based).
"""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.pagination import PageQuery, list_body
from locum.db.constraints import flush
from locum.db.locking import locked, locked_for_delete
from locum.db.models import Directory, EnterpriseConnection, Role
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.keys import new_opaque_secret, secret_digest
from locum.resources.directories.errors import (
    connection_has_directory,
    enterprise_connection_not_found,
    group_mapped_twice,
    precedence_used_twice,
    role_not_found,
    too_many_attributes,
)
from locum.resources.directories.repository import DirectoryRepository
from locum.resources.directories.schemas import MAX_ATTRIBUTE_MAPPING_KEYS, GroupRoleMapping, UpdateDirectoryBody
from locum.resources.directories.serializers import ObjectName, deleted_directory_json, directory_json

API_KEY_PREFIX = "scim"
# Clerk user attribute -> where a SCIM User resource carries it (GJSON paths, as Clerk's custom
# attributes take them).
DEFAULT_ATTRIBUTE_MAPPING = {
    "external_id": "externalId",
    "username": "userName",
    "email_address": "emails.#(primary==true).value",
    "first_name": "name.givenName",
    "last_name": "name.familyName",
}


def _with_precedences(mappings: list[GroupRoleMapping], group_param: str) -> list[tuple[GroupRoleMapping, int]]:
    """Each mapping with its precedence (given, or its 1-based position); refuses a group or a
    precedence that appears twice."""
    groups: set[str] = set()
    precedences: set[int] = set()
    resolved = []
    for index, mapping in enumerate(mappings):
        precedence = mapping.precedence if mapping.precedence is not None else index + 1
        if mapping.group_id in groups:
            raise group_mapped_twice(f"group_role_mappings.{index}.{group_param}")
        if precedence in precedences:
            raise precedence_used_twice(f"group_role_mappings.{index}.precedence")
        groups.add(mapping.group_id)
        precedences.add(precedence)
        resolved.append((mapping, precedence))
    return resolved


def _roles_of(mappings: list[GroupRoleMapping], roles: list[Role]) -> list[Role]:
    by_name = {role.id: role for role in roles} | {role.key: role for role in roles}
    found = []
    for index, mapping in enumerate(mappings):
        role = by_name.get(mapping.role_id)
        if role is None:
            raise role_not_found(f"group_role_mappings.{index}.role_id")
        found.append(role)
    return found


async def _json(
    directories: DirectoryRepository, ctx: RequestContext, object_name: ObjectName, directory: Directory
) -> JSON:
    connection_id = directory.enterprise_connection_id
    connection = await directories.connection(connection_id) if connection_id else None
    return directory_json(object_name, directory, connection=connection, origin=ctx.origin)


async def list_directories(
    session: AsyncSession, ctx: RequestContext, object_name: ObjectName, *, query: PageQuery
) -> JSON:
    directories = DirectoryRepository(session, ctx.instance_id)
    page = await directories.list_page(query)
    connections = await directories.connections(
        sorted({row.enterprise_connection_id for row in page.items if row.enterprise_connection_id})
    )
    items = [
        directory_json(
            object_name,
            row,
            connection=connections.get(row.enterprise_connection_id or ""),
            origin=ctx.origin,
        )
        for row in page.items
    ]
    return list_body(items, page.total_count)


async def create_directory(
    session: AsyncSession,
    ctx: RequestContext,
    object_name: ObjectName,
    *,
    enterprise_connection_id: str,
    provider: str,
    name: str | None,
    group_role_mappings: list[GroupRoleMapping],
    group_param: str,
) -> JSON:
    """The new directory with its bearer token (`api_key`), which no later answer shows.
    `group_param` is the name the caller's API gives a mapping's group id, for error messages."""
    directories = DirectoryRepository(session, ctx.instance_id)
    resolved = _with_precedences(group_role_mappings, group_param)
    # Kept until the commit: neither may be deleted before the rows that reference them exist.
    connection: EnterpriseConnection | None = await directories.connection(enterprise_connection_id, keep=True)
    if connection is None:
        raise enterprise_connection_not_found()
    roles = _roles_of(
        group_role_mappings, await directories.kept_roles(sorted({m.role_id for m in group_role_mappings}))
    )
    api_key = new_opaque_secret(API_KEY_PREFIX)
    directory = directories.add(
        enterprise_connection_id=connection.id,
        name=name or connection.name,
        provider=provider,
        enabled=True,
        group_role_mapping_enabled=bool(group_role_mappings),
        attribute_mapping=dict(DEFAULT_ATTRIBUTE_MAPPING),
        api_key_digest=secret_digest(api_key),
    )
    try:
        await session.flush()
    except IntegrityError as exc:
        raise connection_has_directory() from exc
    for (mapping, precedence), role in zip(resolved, roles, strict=True):
        directories.add_group_role_mapping(
            directory.id,
            group_id=mapping.group_id,
            group_display_name=mapping.group_display_name,
            role_id=role.id,
            precedence=precedence,
        )
    await flush(session)
    return directory_json(object_name, directory, connection=connection, origin=ctx.origin, api_key=api_key)


async def get_directory(
    session: AsyncSession, ctx: RequestContext, object_name: ObjectName, *, directory_id: str
) -> JSON:
    directories = DirectoryRepository(session, ctx.instance_id)
    return await _json(directories, ctx, object_name, await directories.get_or_raise(directory_id))


def _merged_attribute_mapping(current: dict[str, str], patch: dict[str, str | None]) -> dict[str, str]:
    merged = dict(current)
    for name, path in patch.items():
        if path is None:
            merged.pop(name, None)
        else:
            merged[name] = path
    if len(merged) > MAX_ATTRIBUTE_MAPPING_KEYS:
        raise too_many_attributes(MAX_ATTRIBUTE_MAPPING_KEYS)
    return merged


async def update_directory(
    session: AsyncSession,
    ctx: RequestContext,
    object_name: ObjectName,
    *,
    directory_id: str,
    body: UpdateDirectoryBody,
) -> JSON:
    """Only the fields given change (a null field is not given)."""
    directories = DirectoryRepository(session, ctx.instance_id)
    # Locked: the attribute mapping is merged into what is stored.
    directory = await directories.get_or_raise(directory_id, lock=locked)
    if body.name is not None:
        directory.name = body.name
    if body.provider is not None:
        directory.provider = body.provider
    if body.enabled is not None:
        directory.enabled = body.enabled
    if body.group_role_mapping_enabled is not None:
        directory.group_role_mapping_enabled = body.group_role_mapping_enabled
    if body.attribute_mapping is not None:
        directory.attribute_mapping = _merged_attribute_mapping(directory.attribute_mapping, body.attribute_mapping)
    directory.updated_at = now_ms()
    await flush(session)
    return await _json(directories, ctx, object_name, directory)


async def delete_directory(
    session: AsyncSession, ctx: RequestContext, object_name: ObjectName, *, directory_id: str
) -> JSON:
    """Its token stops working and its group-role mappings go with it (ON DELETE CASCADE)."""
    directory = await DirectoryRepository(session, ctx.instance_id).get_or_raise(directory_id, lock=locked_for_delete)
    await session.delete(directory)
    await flush(session)
    return deleted_directory_json(object_name, directory_id)
