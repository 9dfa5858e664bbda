"""The API Keys operations' bodies and list query, bounded as Clerk's spec gives them (strings not
bounded there stop at api/bodies' MAX_STRING_LENGTH, claims at the size metadata may have)."""

import re
from typing import Annotated, Any, Literal

import orjson
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from locum.api.bodies import MAX_STRING_LENGTH, METADATA_MAX_BYTES, ClerkBody, LongText
from locum.api.errors import METADATA_TOO_LARGE
from locum.api.pagination import MachineTokenPageQuery

DEFAULT_TYPE = "api_key"
TYPE_MIN_LENGTH, TYPE_MAX_LENGTH = 3, 25
NAME_MIN_LENGTH = 3
# No whitespace at either end.
NAME_PATTERN = r"^(\S(.*\S)?)?$"
SUBJECT_PATTERN = r"^(user|org|mch|scim)_\w{27}$"
CREATED_BY_PATTERN = r"^user_\w{27}$"
API_KEY_ID = re.compile(r"(?:ak|api_key)_[0-9A-Fa-f]{32}")
# Ten years, the longest lifetime the spec gives any token (default_token_ttl, expires_in_seconds):
# it keeps expirations in milliseconds far inside a 64-bit column.
MAX_SECONDS_UNTIL_EXPIRATION = 315_360_000


def _within_claims_size(value: Any) -> Any:
    if len(orjson.dumps(value)) > METADATA_MAX_BYTES:
        raise PydanticCustomError(
            METADATA_TOO_LARGE, "must not be larger than {limit} bytes as JSON", {"limit": METADATA_MAX_BYTES}
        )
    return value


# Any JSON value; stored and shown as given.
Claims = Annotated[Any, AfterValidator(_within_claims_size)]
# Fractions of a second are kept (expirations are in milliseconds).
SecondsUntilExpiration = Annotated[float, Field(gt=0, le=MAX_SECONDS_UNTIL_EXPIRATION)]


class CreateApiKeyBody(ClerkBody):
    type: str = Field(DEFAULT_TYPE, min_length=TYPE_MIN_LENGTH, max_length=TYPE_MAX_LENGTH)
    name: str = Field(min_length=NAME_MIN_LENGTH, pattern=NAME_PATTERN)
    description: str | None = None
    subject: str = Field(pattern=SUBJECT_PATTERN)
    claims: Claims = None
    scopes: list[str] = Field(default_factory=list)
    created_by: str | None = Field(None, pattern=CREATED_BY_PATTERN)
    # null or absent: the key never expires.
    seconds_until_expiration: SecondsUntilExpiration | None = None


class UpdateApiKeyBody(ClerkBody):
    """Only the fields given change (`model_fields_set`). null clears claims, description and the
    expiration; for subject and scopes, which the spec makes non-nullable, null changes nothing."""

    claims: Claims = None
    scopes: list[str] | None = None
    description: str | None = None
    subject: str | None = Field(None, pattern=SUBJECT_PATTERN)
    seconds_until_expiration: SecondsUntilExpiration | None = None


class RevokeApiKeyBody(ClerkBody):
    revocation_reason: str | None = None


class VerifyApiKeyBody(ClerkBody):
    # Any string (up to LongText): one that is no key's secret is not found (404), whatever it looks like.
    secret: LongText


class ApiKeyListQuery(MachineTokenPageQuery):
    subject: str = Field(pattern=SUBJECT_PATTERN)
    type: str = Field(DEFAULT_TYPE, min_length=TYPE_MIN_LENGTH, max_length=MAX_STRING_LENGTH)
    include_invalid: Literal["true", "false"] = "false"
    # A case-insensitive substring of the name.
    query: str | None = Field(None, max_length=MAX_STRING_LENGTH)
