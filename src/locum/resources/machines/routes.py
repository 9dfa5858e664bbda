"""Clerk's Machines operations: machines, their secret keys and the scopes between them."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.machines import service
from locum.resources.machines.schemas import (
    CreateMachineBody,
    CreateMachineScopeBody,
    MachineListQuery,
    RotateMachineSecretKeyBody,
    UpdateMachineBody,
)

router = resource_router(tags=["Machines"])


@router.get("/machines", operation_id="ListMachines")
async def list_machines(
    ctx: Context, session: DbReadSession, query: Annotated[MachineListQuery, query_model(MachineListQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_machines(session, ctx, query=query))


@router.post("/machines", operation_id="CreateMachine")
async def create_machine(
    ctx: Context, session: DbSession, sealer: AppSealer, body: Annotated[CreateMachineBody, body_of(CreateMachineBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_machine(session, ctx, sealer=sealer, body=body))


@router.get("/machines/{machine_id}", operation_id="GetMachine")
async def get_machine(machine_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_machine(session, ctx, machine_id=machine_id))


@router.patch("/machines/{machine_id}", operation_id="UpdateMachine")
async def update_machine(
    machine_id: str, ctx: Context, session: DbSession, body: Annotated[UpdateMachineBody, body_of(UpdateMachineBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_machine(session, ctx, machine_id=machine_id, body=body))


@router.delete("/machines/{machine_id}", operation_id="DeleteMachine")
async def delete_machine(machine_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_machine(session, ctx, machine_id=machine_id))


@router.get("/machines/{machine_id}/secret_key", operation_id="GetMachineSecretKey")
async def get_machine_secret_key(
    machine_id: str, ctx: Context, session: DbReadSession, sealer: AppSealer
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_secret_key(session, ctx, sealer=sealer, machine_id=machine_id))


@router.post("/machines/{machine_id}/secret_key/rotate", operation_id="RotateMachineSecretKey")
async def rotate_machine_secret_key(
    machine_id: str,
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
    body: Annotated[RotateMachineSecretKeyBody, body_of(RotateMachineSecretKeyBody)],
) -> ClerkJSONResponse:
    key = await service.rotate_secret_key(session, ctx, sealer=sealer, machine_id=machine_id, body=body)
    return ClerkJSONResponse(key)


@router.post("/machines/{machine_id}/scopes", operation_id="CreateMachineScope")
async def create_machine_scope(
    machine_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[CreateMachineScopeBody, body_of(CreateMachineScopeBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_scope(session, ctx, machine_id=machine_id, body=body))


@router.delete("/machines/{machine_id}/scopes/{other_machine_id}", operation_id="DeleteMachineScope")
async def delete_machine_scope(
    machine_id: str, other_machine_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    scope = await service.delete_scope(session, ctx, machine_id=machine_id, other_machine_id=other_machine_id)
    return ClerkJSONResponse(scope)
