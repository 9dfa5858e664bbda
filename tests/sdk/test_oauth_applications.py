"""OAuth applications and their access tokens through the official SDK against a real server, and
the SDK's own token verification (`verify_token`) accepting locum's opaque and JWT access tokens."""

import time
from typing import Any

import httpx
import pytest
from clerk_backend_api import Clerk, models
from clerk_backend_api.security.types import TokenVerificationError

from tests.builders import png_bytes
from tests.sdk.conftest import LocumServer, new_user, sdk_verify, unique

# Past a 1-second token's expiry (the API's verify allows no clock skew, and sdk_verify is told to allow none).
EXPIRY_WAIT_S = 1.2


def issue(server: LocumServer, application_id: str, user_id: str, **body: Any) -> dict[str, Any]:
    """An access token from locum's stand-in for Clerk's authorization server."""
    response = httpx.post(
        f"{server.origin}/locum/oauth_applications/{application_id}/access_tokens",
        json={"user_id": user_id, **body},
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )
    assert response.status_code == 200, response.text
    issued: dict[str, Any] = response.json()
    return issued


def test_create_get_list_update_and_delete(clerk: Clerk) -> None:
    name = unique("sdk_oauth")
    created = clerk.oauth_applications.create(
        request={"name": name, "redirect_uris": ["https://partner.example.com/cb"], "scopes": "profile email"}
    )
    assert isinstance(created, models.OAuthApplicationWithSecret)
    assert created.id.startswith("oa_") and created.client_secret and len(created.client_secret) == 32
    assert created.redirect_uris == ["https://partner.example.com/cb"]
    assert created.callback_url == "https://partner.example.com/cb" and created.client_image_url is None

    fetched = clerk.oauth_applications.get(oauth_application_id=created.id)
    assert isinstance(fetched, models.OAuthApplication)
    assert (fetched.client_id, fetched.name, fetched.public) == (created.client_id, name, False)

    listed = clerk.oauth_applications.list(name_query=name[-8:])
    assert isinstance(listed, models.OAuthApplications)
    assert [application.id for application in listed.data] == [created.id] and listed.total_count == 1
    by_client_id = clerk.oauth_applications.list(name_query=created.client_id, order_by="-name", limit=5)
    assert [application.id for application in by_client_id.data] == [created.id]

    updated = clerk.oauth_applications.update(
        oauth_application_id=created.id,
        name=f"{name}_renamed",
        redirect_uris=["myapp://callback"],
        scopes="email public_metadata",
        pkce_required=True,
    )
    assert isinstance(updated, models.OAuthApplication)
    assert updated.name == f"{name}_renamed" and updated.redirect_uris == ["myapp://callback"]
    assert updated.scopes == "email public_metadata" and updated.pkce_required is True

    deleted = clerk.oauth_applications.delete(oauth_application_id=created.id)
    assert isinstance(deleted, models.DeletedObject)
    assert (deleted.object, deleted.id, deleted.deleted) == ("oauth_application", created.id, True)
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.oauth_applications.get(oauth_application_id=created.id)
    assert raised.value.data.errors[0].code == "resource_not_found"


def test_invalid_input_is_a_typed_error(clerk: Clerk) -> None:
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.oauth_applications.create(request={"name": unique("sdk_oauth"), "scopes": "profile admin"})
    assert raised.value.data.errors[0].code == "form_param_value_invalid"


def test_upload_logo(clerk: Clerk, server: LocumServer) -> None:
    user = new_user(clerk)
    application = clerk.oauth_applications.create(request={"name": unique("sdk_oauth")})
    content = png_bytes()
    with_logo = clerk.oauth_applications.upload_logo(
        oauth_application_id=application.id,
        file={"file_name": "logo.png", "content": content, "content_type": "image/png"},
        uploader_user_id=user.id,
    )
    assert isinstance(with_logo, models.OAuthApplication)
    assert with_logo.client_image_url is not None
    assert with_logo.client_image_url.startswith(f"{server.origin}/locum/images/img_")
    assert httpx.get(with_logo.client_image_url).content == content


def test_rotate_secret(clerk: Clerk) -> None:
    application = clerk.oauth_applications.create(request={"name": unique("sdk_oauth")})
    rotated = clerk.oauth_applications.rotate_secret(oauth_application_id=application.id)
    assert isinstance(rotated, models.OAuthApplicationWithSecret)
    assert rotated.client_secret and rotated.client_secret != application.client_secret
    public = clerk.oauth_applications.create(request={"name": unique("sdk_oauth"), "public": True})
    assert public.client_secret == ""
    assert clerk.oauth_applications.rotate_secret(oauth_application_id=public.id).client_secret == ""


def test_verify_and_revoke_an_opaque_token(clerk: Clerk, server: LocumServer) -> None:
    user = new_user(clerk)
    application = clerk.oauth_applications.create(request={"name": unique("sdk_oauth")})
    issued = issue(server, application.id, user.id, scopes="email")

    verified = clerk.oauth_access_tokens.verify(access_token=issued["access_token"])
    assert isinstance(verified, models.ResponseBody1)
    assert verified.id.startswith("oat_") and verified.client_id == application.client_id
    assert (verified.subject, verified.scopes, verified.revoked, verified.expired) == (user.id, ["email"], False, False)

    # Clerk's own verification posts the token as `secret`, without /v1.
    claims = sdk_verify(server, issued["access_token"], clock_skew_in_ms=0)
    assert claims["subject"] == user.id and claims["client_id"] == application.client_id

    clerk.oauth_applications.revoke_token(oauth_application_id=application.id, token=issued["refresh_token"])
    with pytest.raises(models.VerifyOAuthAccessTokenOauthAccessTokensResponseResponseBody) as raised:
        clerk.oauth_access_tokens.verify(access_token=issued["access_token"])
    assert raised.value.data.errors[0].code == "token_revoked"
    with pytest.raises(TokenVerificationError):
        sdk_verify(server, issued["access_token"], clock_skew_in_ms=0)


def test_expired_tokens_are_refused(clerk: Clerk, server: LocumServer) -> None:
    user = new_user(clerk)
    application = clerk.oauth_applications.create(request={"name": unique("sdk_oauth")})
    opaque = issue(server, application.id, user.id, expires_in_seconds=1)["access_token"]
    signed = issue(server, application.id, user.id, expires_in_seconds=1, token_format="jwt")["access_token"]
    # The server's clock runs in another process and can't be frozen: the second is waited out.
    time.sleep(EXPIRY_WAIT_S)
    with pytest.raises(models.VerifyOAuthAccessTokenOauthAccessTokensResponseResponseBody) as raised:
        clerk.oauth_access_tokens.verify(access_token=opaque)
    assert raised.value.data.errors[0].code == "token_expired"
    inactive = clerk.oauth_access_tokens.verify(access_token=signed)
    assert isinstance(inactive, models.ResponseBody2) and inactive.ACTIVE is False
    for token in (opaque, signed):
        with pytest.raises(TokenVerificationError):
            sdk_verify(server, token, clock_skew_in_ms=0)


def test_verify_a_jwt_token(clerk: Clerk, server: LocumServer) -> None:
    user = new_user(clerk)
    application = clerk.oauth_applications.create(request={"name": unique("sdk_oauth"), "scopes": "profile email"})
    issued = issue(server, application.id, user.id, token_format="jwt")

    verified = clerk.oauth_access_tokens.verify(access_token=issued["access_token"])
    assert isinstance(verified, models.ResponseBody1)
    assert (verified.client_id, verified.subject, verified.scopes) == (
        application.client_id,
        user.id,
        ["profile", "email"],
    )
    # Networkless: the SDK checks the signature against the instance's JWKS.
    claims = sdk_verify(server, issued["access_token"], clock_skew_in_ms=0)
    assert claims["sub"] == user.id and claims["client_id"] == application.client_id

    with pytest.raises(models.ClerkErrors) as raised:
        clerk.oauth_applications.revoke_token(oauth_application_id=application.id, token=issued["access_token"])
    assert raised.value.data.errors[0].code == "jwt_access_token_not_revocable"
