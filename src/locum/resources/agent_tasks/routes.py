"""Clerk's Agent Tasks operations."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.agent_tasks import service
from locum.resources.agent_tasks.schemas import CreateAgentTaskBody

router = resource_router(tags=["Agent Tasks"])


@router.post("/agents/tasks", operation_id="CreateAgentTask")
async def create_agent_task(
    ctx: Context, session: DbSession, body: Annotated[CreateAgentTaskBody, body_of(CreateAgentTaskBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_agent_task(session, ctx, body))


@router.post("/agents/tasks/{agent_task_id}/revoke", operation_id="RevokeAgentTask")
async def revoke_agent_task(agent_task_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.revoke_agent_task(session, ctx, agent_task_id=agent_task_id))
