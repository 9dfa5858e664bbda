"""Operations Clerk serves on development instances only, refused on production ones as Clerk does:
400 `request_invalid_for_environment`, before the body is read or anything is looked up.

A route opts in with `dependencies=[DevelopmentOnly]`. Clerk's spec marks one such operation,
`POST /sessions` ("not available for production instances"). Testing tokens were development-only
until Clerk opened them to production instances (changelog, 2025-08-19), and test mode may be turned
on in production (it is only off by default there), so neither is refused.
"""

from fastapi import Depends, Request

from locum.api.errors import request_invalid_for_environment
from locum.instances.registry import InstanceContext
from locum.kit.keys import DEVELOPMENT

DEVELOPMENT_ONLY = "This operation is only available on development instances, not on production ones."


async def _require_development(request: Request) -> None:
    instance: InstanceContext = request.state.instance
    if instance.environment_type != DEVELOPMENT:
        raise request_invalid_for_environment(DEVELOPMENT_ONLY)


DevelopmentOnly = Depends(_require_development)
