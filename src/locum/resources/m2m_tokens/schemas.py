"""Request bodies and the list query of the M2M Tokens operations.

Clerk's JS SDK sends explicit nulls for the fields it was not given, so every field the spec marks
nullable takes null as "not given". Verify takes the token as `token` (the spec, the JS SDK) or as
`secret` (what the Python SDK's verify_token sends).
"""

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field

from locum.api.bodies import ClerkBody, LongText
from locum.api.pagination import MachineTokenPageQuery
from locum.resources.machines.schemas import MAX_TOKEN_TTL_SECONDS

MACHINE_ID_PATTERN = r"^mch_\w{27}$"


class CreateM2MTokenBody(ClerkBody):
    token_format: Literal["opaque", "jwt"] = "opaque"
    # Seconds, fractions allowed (the spec's `number`); at most the longest a machine's default may be.
    seconds_until_expiration: Annotated[float, Field(gt=0, le=MAX_TOKEN_TTL_SECONDS)] | None = None
    claims: Any = None
    min_remaining_ttl_seconds: Annotated[int, Field(ge=0, le=MAX_TOKEN_TTL_SECONDS)] | None = None


class RevokeM2MTokenBody(ClerkBody):
    revocation_reason: str | None = None


class VerifyM2MTokenBody(ClerkBody):
    token: LongText = Field(validation_alias=AliasChoices("token", "secret"))


class M2MTokenListQuery(MachineTokenPageQuery):
    """`revoked`/`expired` false (the default) leave such tokens out; true lists them too."""

    subject: str = Field(pattern=MACHINE_ID_PATTERN)
    revoked: bool = False
    expired: bool = False
