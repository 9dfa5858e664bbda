"""Resetting an instance: its data deleted in one transaction, its configuration kept."""

from sqlalchemy.ext.asyncio import AsyncEngine

from locum.db.instance_data import clear_instance_data
from locum.instances.context import RequestContext
from locum.kit.json_types import JSON


async def reset_instance(engine: AsyncEngine, ctx: RequestContext) -> JSON:
    """Clear the instance's data; answers how many rows went. No event is recorded: the events are
    data too, and the reset is the test suite's, not the application's."""
    deleted = await clear_instance_data(engine, ctx.instance_id)
    return {"object": "locum_reset", "instance_id": ctx.instance_id, "deleted_rows": deleted}
