"""JWT templates and tokens minted from them, through the official SDK.

The server's instance is shared with other SDK tests, so template names are unique per test and
every template created here is deleted again.

The SDK's claims models (CreateJWTTemplateClaims, UpdateJWTTemplateClaims, Claims) declare no
fields and drop unknown ones, so claims sent through the SDK arrive as `{}` and claims read back
are empty models: templates with claims are created over plain HTTP here, then used through the SDK.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from clerk_backend_api import Clerk, models

from tests.builders import unique_email
from tests.sdk.conftest import LocumServer, unique

HS256_SECRET = "an-sdk-shared-secret-of-32-bytes-or-more"


@pytest.fixture
def session_id(clerk: Clerk) -> str:
    user = clerk.users.create(email_address=[unique_email("sdkjwt")], first_name="Maria", last_name="Doe")
    return clerk.sessions.create(request={"user_id": user.id}).id


@pytest.fixture
def template_name(clerk: Clerk) -> Iterator[str]:
    """A unique name; whatever template ends up with it is deleted afterwards."""
    name = unique("sdk")
    yield name
    for template in clerk.jwt_templates.list(limit=500):
        if template.name == name:
            clerk.jwt_templates.delete(template_id=template.id)


def instance_key_claims(clerk: Clerk, token: str) -> dict[str, Any]:
    header = jwt.get_unverified_header(token)
    assert header["cat"] == "cl_B7d4PD222AAA"
    jwks = clerk.jwks.get_jwks()
    key = next(k for k in jwks.keys or [] if k.kid == header["kid"])
    public_key = jwt.PyJWK(key.model_dump(by_alias=True, exclude_none=True)).key
    claims: dict[str, Any] = jwt.decode(token, public_key, algorithms=["RS256"])
    return claims


def test_create_get_list_update_delete(clerk: Clerk, template_name: str) -> None:
    created = clerk.jwt_templates.create(request={"name": template_name, "claims": {}, "lifetime": 120})
    assert isinstance(created, models.JWTTemplate) and created.id.startswith("jtmp_")
    assert (created.name, created.lifetime, created.allowed_clock_skew) == (template_name, 120, 5)
    assert (created.custom_signing_key, created.signing_algorithm) == (False, "RS256")
    assert clerk.jwt_templates.get(template_id=created.id) == created
    listed = clerk.jwt_templates.list(limit=500)
    assert created in listed and listed == sorted(listed, key=lambda t: t.created_at, reverse=True)
    assert clerk.jwt_templates.list(limit=1, offset=0)[0] == listed[0]
    updated = clerk.jwt_templates.update(
        template_id=created.id,
        name=template_name,
        claims={},
        allowed_clock_skew=0,
        custom_signing_key=True,
        signing_algorithm="HS256",
        signing_key=HS256_SECRET,
    )
    assert (updated.lifetime, updated.allowed_clock_skew) == (120, 0)
    assert (updated.custom_signing_key, updated.signing_algorithm) == (True, "HS256")
    deleted = clerk.jwt_templates.delete(template_id=created.id)
    assert isinstance(deleted, models.DeletedObject) and deleted.deleted and deleted.id == created.id
    assert deleted.object == "jwt_template"


def test_errors_are_clerk_errors(clerk: Clerk, template_name: str) -> None:
    clerk.jwt_templates.create(request={"name": template_name, "claims": {}})
    with pytest.raises(models.ClerkErrors) as duplicate:
        clerk.jwt_templates.create(request={"name": template_name, "claims": {}})
    assert duplicate.value.data.errors[0].code == "form_identifier_exists"
    with pytest.raises(models.ClerkErrors) as bad_key:
        clerk.jwt_templates.create(
            request={
                "name": unique("sdk"),
                "claims": {},
                "custom_signing_key": True,
                "signing_algorithm": "RS256",
                "signing_key": "not a key",
            }
        )
    assert bad_key.value.data.errors[0].code == "form_param_value_invalid"
    with pytest.raises(models.ClerkErrors) as missing:
        clerk.jwt_templates.get(template_id="jtmp_missing")
    assert missing.value.data.errors[0].code == "resource_not_found"


def test_token_from_template_signed_with_the_instance_key(
    clerk: Clerk, server: LocumServer, session_id: str, template_name: str
) -> None:
    response = httpx.post(
        f"{server.api_url}/jwt_templates",
        json={"name": template_name, "claims": {"name": "{{user.full_name}}", "org": "{{org.id || 'personal'}}"}},
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )
    assert response.status_code == 200, response.text
    minted = clerk.sessions.create_token_from_template(
        session_id=session_id, template_name=template_name, expires_in_seconds=600
    )
    assert isinstance(minted, models.CreateSessionTokenFromTemplateResponseBody) and minted.jwt
    assert minted.object == models.CreateSessionTokenFromTemplateObject.TOKEN
    claims = instance_key_claims(clerk, minted.jwt)
    assert (claims["name"], claims["org"]) == ("Maria Doe", "personal")
    assert claims["exp"] - claims["iat"] == 600 and "sid" not in claims


def test_token_from_template_signed_with_a_custom_key(clerk: Clerk, session_id: str, template_name: str) -> None:
    clerk.jwt_templates.create(
        request={
            "name": template_name,
            "claims": {},
            "custom_signing_key": True,
            "signing_algorithm": "HS256",
            "signing_key": HS256_SECRET,
        }
    )
    minted = clerk.sessions.create_token_from_template(session_id=session_id, template_name=template_name)
    assert minted.jwt is not None
    assert jwt.get_unverified_header(minted.jwt) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(minted.jwt, HS256_SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 60 and claims["nbf"] == claims["iat"] - 5


def test_token_from_an_unknown_template_or_revoked_session(clerk: Clerk, session_id: str) -> None:
    with pytest.raises(models.ClerkErrors) as unknown:
        clerk.sessions.create_token_from_template(session_id=session_id, template_name=unique("missing"))
    assert unknown.value.data.errors[0].code == "resource_not_found"
    clerk.sessions.revoke(session_id=session_id)
    with pytest.raises(models.ClerkErrors) as revoked:
        clerk.sessions.create_token_from_template(session_id=session_id, template_name="any")
    assert revoked.value.data.errors[0].code == "resource_not_found"
