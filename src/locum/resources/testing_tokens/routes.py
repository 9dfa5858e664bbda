"""Clerk's Testing Tokens operation."""

from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.testing_tokens.service import new_testing_token

router = resource_router(tags=["Testing Tokens"])


@router.post("/testing_tokens", operation_id="CreateTestingToken")
async def create_testing_token() -> ClerkJSONResponse:
    return ClerkJSONResponse(new_testing_token())
