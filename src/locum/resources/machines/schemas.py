"""Request bodies and the list query of the Machines operations, with the spec's bounds."""

from typing import Annotated

from pydantic import Field

from locum.api.bodies import ClerkBody
from locum.api.pagination import PageQuery

NAME_MAX_LENGTH = 255
DEFAULT_TOKEN_TTL_SECONDS = 3600
MAX_TOKEN_TTL_SECONDS = 315_360_000
MAX_SCOPES_PER_MACHINE = 150
# How long a rotated-out secret key may keep working: eight hours at most.
MAX_PREVIOUS_KEY_TTL_SECONDS = 28_800

Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX_LENGTH)]
TokenTtl = Annotated[int, Field(ge=1, le=MAX_TOKEN_TTL_SECONDS)]


class MachineListQuery(PageQuery):
    # An exact machine id, or part of a name.
    query: str | None = None
    order_by: str | None = None


class CreateMachineBody(ClerkBody):
    name: Name
    scoped_machines: list[str] = Field(default_factory=list, max_length=MAX_SCOPES_PER_MACHINE)
    default_token_ttl: TokenTtl = DEFAULT_TOKEN_TTL_SECONDS


class UpdateMachineBody(ClerkBody):
    """Only the fields given change."""

    name: Name | None = None
    default_token_ttl: TokenTtl | None = None


class RotateMachineSecretKeyBody(ClerkBody):
    previous_token_ttl: int = Field(ge=0, le=MAX_PREVIOUS_KEY_TTL_SECONDS)


class CreateMachineScopeBody(ClerkBody):
    to_machine_id: str
