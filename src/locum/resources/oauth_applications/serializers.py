"""OAuth applications as the spec's OAuthApplication (and OAuthApplicationWithSecret) has them, the
verify answers (clerk_idp_oauth_access_token, or `{active: false}` for an expired JWT), and what
locum's issuing endpoint hands out (the shape of an OAuth token endpoint's answer)."""

from typing import Any

from locum.db.models import OAuthApplication
from locum.kit.json_types import JSON, columns
from locum.resources.oauth_applications.repository import StoredAccessToken
from locum.resources.users.serializers import image_url

# The endpoints of Clerk's authorization server, on the instance's Frontend API.
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
USER_INFO_PATH = "/oauth/userinfo"
DISCOVERY_PATH = "/.well-known/openid-configuration"
TOKEN_INTROSPECTION_PATH = "/oauth/token_info"
MS_PER_SECOND = 1000


def oauth_application_json(application: OAuthApplication, *, origin: str, frontend_api_url: str) -> JSON:
    return {
        "object": "oauth_application",
        **columns(application, "id", "instance_id", "name", "client_id", "client_uri"),
        "client_image_url": image_url(origin, application.image_id) if application.image_id else None,
        "dynamically_registered": False,
        **columns(application, "consent_screen_enabled", "pkce_required", "public", "scopes", "redirect_uris"),
        # Deprecated: the first redirect URI.
        "callback_url": application.redirect_uris[0] if application.redirect_uris else "",
        "authorize_url": frontend_api_url + AUTHORIZE_PATH,
        "token_fetch_url": frontend_api_url + TOKEN_PATH,
        "user_info_url": frontend_api_url + USER_INFO_PATH,
        "discovery_url": frontend_api_url + DISCOVERY_PATH,
        "token_introspection_url": frontend_api_url + TOKEN_INTROSPECTION_PATH,
        **columns(application, "created_at", "updated_at"),
    }


def oauth_application_with_secret_json(
    application: OAuthApplication, client_secret: str | None, *, origin: str, frontend_api_url: str
) -> JSON:
    """With the client secret, which only creation and rotation show ("" for a public client)."""
    return {
        **oauth_application_json(application, origin=origin, frontend_api_url=frontend_api_url),
        "client_secret": client_secret or "",
    }


def deleted_oauth_application_json(application_id: str) -> JSON:
    return {"object": "oauth_application", "id": application_id, "deleted": True}


def access_token_json(token: StoredAccessToken) -> JSON:
    """A valid opaque access token (a revoked or expired one is answered with an error)."""
    return {
        "object": "clerk_idp_oauth_access_token",
        "id": token.id,
        "client_id": token.client_id,
        "subject": token.user_id,
        "scopes": token.scopes,
        "revoked": False,
        "revocation_reason": None,
        "expired": False,
        "expiration": token.expiration,
        "created_at": token.created_at,
        "updated_at": token.updated_at,
    }


def jwt_access_token_json(claims: dict[str, Any]) -> JSON:
    """A valid JWT access token, from its claims (seconds) in Clerk's milliseconds."""
    issued_at_ms = claims["iat"] * MS_PER_SECOND
    return {
        "object": "clerk_idp_oauth_access_token",
        "id": claims["jti"],
        "client_id": claims["client_id"],
        "subject": claims["sub"],
        "scopes": claims["scope"].split(),
        "revoked": False,
        "revocation_reason": None,
        "expired": False,
        "expiration": claims["exp"] * MS_PER_SECOND,
        "created_at": issued_at_ms,
        "updated_at": issued_at_ms,
    }


def inactive_access_token_json() -> JSON:
    """An expired JWT access token (the spec's second answer: Clerk cannot tell more of one)."""
    return {"active": False}


def issued_access_token_json(
    access_token: str, *, refresh_token: str | None, expires_in_seconds: int, scopes: list[str]
) -> JSON:
    issued: JSON = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": expires_in_seconds,
        "scope": " ".join(scopes),
    }
    if refresh_token is not None:
        issued["refresh_token"] = refresh_token
    return issued
