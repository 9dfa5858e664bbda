"""Agent tasks as Clerk's `AgentTask` schema has them."""

from locum.db.models import AgentTask
from locum.kit.json_types import JSON
from locum.resources.frontend.serializers import consume_url


def agent_task_json(agent_task: AgentTask) -> JSON:
    # `task_id` is the deprecated name of `agent_task_id`, still required by the schema.
    return {
        "object": "agent_task",
        "agent_id": agent_task.agent_id,
        "agent_task_id": agent_task.id,
        "task_id": agent_task.id,
    }


def created_agent_task_json(agent_task: AgentTask, secret: str, *, origin: str) -> JSON:
    """Only the create response carries the URL, which holds the task's secret."""
    return {**agent_task_json(agent_task), "url": consume_url(origin, "agent_tasks", secret)}
