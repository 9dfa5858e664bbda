"""Request bodies and the list query of the OAuth Applications operations, the verify body of OAuth
Access Tokens', and the body of locum's own endpoint that issues an access token.

Redirect URIs are absolute URIs of any scheme (`https://…`, `myapp://callback`,
`com.example.app:/cb`, as Clerk allows), without a fragment (RFC 6749 §3.1.2); scopes are Clerk's
space-separated string, each one of ALLOWED_SCOPES. PATCH fields left out or null keep their value.
"""

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from locum.api.bodies import ClerkBody, LongText
from locum.api.pagination import PageQuery

NAME_MAX_LENGTH = 256
URI_MAX_LENGTH = 1024
SCOPES_MAX_LENGTH = 1024
DEFAULT_SCOPES = "profile email"
# The spec's four, and `openid`: Clerk's authorization server is also an OpenID Connect provider.
ALLOWED_SCOPES = ("email", "openid", "private_metadata", "profile", "public_metadata")
DEFAULT_ACCESS_TOKEN_SECONDS = 3600
# Ten years, as locum's other token lifetimes: deadlines stay far inside a 64-bit column.
MAX_ACCESS_TOKEN_SECONDS = 315_360_000

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_WEB_SCHEMES = ("http", "https")


def _absolute_uri(value: str) -> str:
    scheme, _, rest = value.partition(":")
    if not _SCHEME.fullmatch(scheme) or not rest or any(c.isspace() or not c.isprintable() for c in value):
        raise PydanticCustomError("uri_invalid", "must be an absolute URI, such as https://example.com/callback")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise PydanticCustomError("uri_invalid", "must be a valid URI") from None
    if parts.fragment or value.endswith("#"):
        raise PydanticCustomError("uri_invalid", "must not have a fragment")
    if parts.scheme.lower() in _WEB_SCHEMES and not parts.hostname:
        raise PydanticCustomError("uri_invalid", "must name a host")
    return value


def _absolute_uri_or_empty(value: str) -> str:
    return _absolute_uri(value) if value else value


def scope_list(scopes: str) -> list[str]:
    """The scopes of Clerk's space-separated string, each once, in the order given."""
    return list(dict.fromkeys(scopes.split()))


def _known_scopes(value: str) -> str:
    unknown = [scope for scope in scope_list(value) if scope not in ALLOWED_SCOPES]
    if unknown:
        raise PydanticCustomError(
            "scope_unknown",
            "{unknown} is not a scope; the scopes are {allowed}",
            {"unknown": unknown[0], "allowed": ", ".join(ALLOWED_SCOPES)},
        )
    return " ".join(scope_list(value))


RedirectUri = Annotated[str, Field(max_length=URI_MAX_LENGTH), AfterValidator(_absolute_uri)]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX_LENGTH)]
Scopes = Annotated[str, Field(max_length=SCOPES_MAX_LENGTH), AfterValidator(_known_scopes)]
CallbackUrl = Annotated[str, Field(max_length=URI_MAX_LENGTH), AfterValidator(_absolute_uri_or_empty)]


class _ApplicationFields(ClerkBody):
    redirect_uris: list[RedirectUri] | None = None
    # Deprecated: the single redirect URI ("" for none), when redirect_uris is not given.
    callback_url: CallbackUrl | None = None
    scopes: Scopes | None = None
    consent_screen_enabled: bool | None = None
    pkce_required: bool | None = None
    public: bool | None = None

    def given_redirect_uris(self) -> list[str] | None:
        """The redirect URIs this body sets (callback_url standing in for them), or None."""
        if self.redirect_uris is not None:
            return list(dict.fromkeys(self.redirect_uris))
        if self.callback_url is not None:
            return [self.callback_url] if self.callback_url else []
        return None


class CreateOAuthApplicationBody(_ApplicationFields):
    name: Name


class UpdateOAuthApplicationBody(_ApplicationFields):
    name: Name | None = None


class OAuthApplicationListQuery(PageQuery):
    # Clerk keeps the first order_by when several are given; a plain str field would keep the last.
    order_by: list[str] = Field([])
    name_query: str | None = None


class RevokeOAuthApplicationTokenBody(ClerkBody):
    token: LongText


class VerifyOAuthAccessTokenBody(ClerkBody):
    access_token: LongText | None = None
    # Deprecated alias of access_token; Clerk's Python SDK sends this one.
    secret: LongText | None = None


class IssueOAuthAccessTokenBody(ClerkBody):
    """locum's stand-in for the grant Clerk's authorization server would make: a user, the scopes
    granted (a list or Clerk's space-separated string; the application's when left out), and the
    token's format and lifetime."""

    user_id: str
    scopes: list[str] | str | None = None
    token_format: Literal["opaque", "jwt"] = "opaque"
    expires_in_seconds: int = Field(DEFAULT_ACCESS_TOKEN_SECONDS, ge=1, le=MAX_ACCESS_TOKEN_SECONDS)
