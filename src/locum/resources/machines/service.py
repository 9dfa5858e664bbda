"""Machine rules: secret keys (one current, rotated-out ones in their grace period) and scopes.

A machine gets its first key when it is made; the key is stored as its digest (how the registry
finds the machine) and sealed (GET …/secret_key shows it again). Rotating makes a new current key
and gives the old one `previous_token_ttl` seconds more (0: none). A scope lets a machine's new M2M
tokens reach another machine; at most MAX_SCOPES_PER_MACHINE per machine, never itself. A duplicate
scope is refused by the table's primary key, so two requests racing to add it get one 200 and one
409. Deleting a machine deletes its keys, its scopes (both ways) and its tokens (the foreign keys
cascade, PRAGMA foreign_keys being on for SQLite).
"""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.ordering import parse_order_by
from locum.api.pagination import list_body
from locum.db.constraints import flush
from locum.db.locking import kept, locked, locked_for_delete
from locum.db.models import Machine
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.keys import new_opaque_secret
from locum.kit.sealing import Sealer
from locum.resources.api_keys.repository import ApiKeyRepository
from locum.resources.machines.errors import (
    machine_not_found,
    machine_scope_exists,
    machine_scope_to_itself,
    scoped_machine_not_found,
    too_many_machine_scopes,
)
from locum.resources.machines.repository import ORDER_COLUMNS, MachineRepository
from locum.resources.machines.schemas import (
    MAX_SCOPES_PER_MACHINE,
    CreateMachineBody,
    CreateMachineScopeBody,
    MachineListQuery,
    RotateMachineSecretKeyBody,
    UpdateMachineBody,
)
from locum.resources.machines.serializers import (
    created_machine_json,
    deleted_machine_json,
    deleted_machine_scope_json,
    machine_json,
    machine_scope_json,
    secret_key_json,
)

# Machine secret keys share the `ak_` prefix of API keys, as Clerk's are.
MACHINE_SECRET_KEY_PREFIX = "ak"
DEFAULT_ORDER = "-created_at"


async def _machine_json(machines: MachineRepository, machine: Machine) -> JSON:
    scoped = await machines.scoped_machines([machine.id])
    return machine_json(machine, scoped[machine.id])


async def list_machines(session: AsyncSession, ctx: RequestContext, *, query: MachineListQuery) -> JSON:
    ordering = parse_order_by(query.order_by, ORDER_COLUMNS, DEFAULT_ORDER)
    machines = MachineRepository(session, ctx.instance_id)
    page = await machines.list_page(query, query=query.query, ordering=ordering)
    scoped = await machines.scoped_machines([machine.id for machine in page.items])
    return list_body([machine_json(machine, scoped[machine.id]) for machine in page.items], page.total_count)


async def create_machine(
    session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, body: CreateMachineBody
) -> JSON:
    """The new machine with its secret key, which GET …/secret_key shows again."""
    machines = MachineRepository(session, ctx.instance_id)
    scoped_ids = sorted(set(body.scoped_machines))
    # Kept until the commit: a scope must not outlive a machine deleted meanwhile.
    scoped = await machines.kept_by_id(scoped_ids)
    missing = next((machine_id for machine_id in scoped_ids if machine_id not in scoped), None)
    if missing is not None:
        raise scoped_machine_not_found(missing)
    machine = machines.add(name=body.name, default_token_ttl=body.default_token_ttl)
    # The machine is inserted before the rows that reference it.
    await flush(session)
    for machine_id in scoped_ids:
        machines.add_scope(machine.id, machine_id)
    secret = new_opaque_secret(MACHINE_SECRET_KEY_PREFIX)
    machines.add_secret_key(machine.id, secret, sealer)
    await flush(session)
    return created_machine_json(machine, [scoped[machine_id] for machine_id in scoped_ids], secret)


async def get_machine(session: AsyncSession, ctx: RequestContext, *, machine_id: str) -> JSON:
    machines = MachineRepository(session, ctx.instance_id)
    return await _machine_json(machines, await machines.get_or_raise(machine_id))


async def update_machine(
    session: AsyncSession, ctx: RequestContext, *, machine_id: str, body: UpdateMachineBody
) -> JSON:
    machines = MachineRepository(session, ctx.instance_id)
    machine = await machines.get_or_raise(machine_id, lock=locked)
    if body.name is not None:
        machine.name = body.name
    if body.default_token_ttl is not None:
        machine.default_token_ttl = body.default_token_ttl
    machine.updated_at = now_ms()
    await flush(session)
    return await _machine_json(machines, machine)


async def delete_machine(session: AsyncSession, ctx: RequestContext, *, machine_id: str) -> JSON:
    """Its keys, scopes and tokens go with it (ON DELETE CASCADE), and its API keys."""
    machine = await MachineRepository(session, ctx.instance_id).get_or_raise(machine_id, lock=locked_for_delete)
    await ApiKeyRepository(session, ctx.instance_id).delete_of_subject(machine_id)
    await session.delete(machine)
    await flush(session)
    return deleted_machine_json(machine_id)


async def get_secret_key(session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, machine_id: str) -> JSON:
    machines = MachineRepository(session, ctx.instance_id)
    await machines.get_or_raise(machine_id)
    sealed = await machines.current_sealed_key(machine_id)
    if sealed is None:
        raise machine_not_found()
    return secret_key_json(sealer.unseal(sealed))


async def rotate_secret_key(
    session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, machine_id: str, body: RotateMachineSecretKeyBody
) -> JSON:
    machines = MachineRepository(session, ctx.instance_id)
    # Locked: two rotations at once must not both retire the same key and leave two current ones.
    await machines.get_or_raise(machine_id, lock=locked)
    now = now_ms()
    await machines.retire_current_key(machine_id, expires_at=now + body.previous_token_ttl * 1000, now=now)
    secret = new_opaque_secret(MACHINE_SECRET_KEY_PREFIX)
    machines.add_secret_key(machine_id, secret, sealer)
    await flush(session)
    return secret_key_json(secret)


async def create_scope(
    session: AsyncSession, ctx: RequestContext, *, machine_id: str, body: CreateMachineScopeBody
) -> JSON:
    machines = MachineRepository(session, ctx.instance_id)
    # Locked: scopes added at once must not together pass the limit.
    await machines.get_or_raise(machine_id, lock=locked)
    if body.to_machine_id == machine_id:
        raise machine_scope_to_itself()
    await machines.get_or_raise(body.to_machine_id, lock=kept)
    if await machines.scope_count(machine_id) >= MAX_SCOPES_PER_MACHINE:
        raise too_many_machine_scopes(MAX_SCOPES_PER_MACHINE)
    scope = machines.add_scope(machine_id, body.to_machine_id)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise machine_scope_exists() from exc
    return machine_scope_json(scope)


async def delete_scope(session: AsyncSession, ctx: RequestContext, *, machine_id: str, other_machine_id: str) -> JSON:
    if not await MachineRepository(session, ctx.instance_id).delete_scope(machine_id, other_machine_id):
        raise machine_not_found()
    return deleted_machine_scope_json(machine_id, other_machine_id)
