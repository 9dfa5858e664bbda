"""JWT templates: CRUD, the rules on claims and signing keys, and tokens minted from a template."""

from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from sqlalchemy import update

from locum.db.models import Session
from locum.instances.service import InstanceKeys
from locum.kit import clock
from tests.builders import inspection_session, make_member_with_permissions, make_session, make_user

TEMPLATE_KEYS = {
    "object", "id", "name", "claims", "lifetime", "allowed_clock_skew", "custom_signing_key", "signing_algorithm",
    "created_at", "updated_at",
}  # fmt: skip
DEFAULT_CLAIMS = {"exp", "iat", "iss", "jti", "nbf", "sub"}
RESERVED_CLAIMS = ["azp", "exp", "iat", "iss", "jti", "nbf", "sub"]
HS256_SECRET = "a-shared-secret-of-at-least-32-bytes!"


def private_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def p256_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


async def make_template(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/jwt_templates", json={"name": "hasura", "claims": {}, **body})
    assert response.status_code == 200, response.text
    template: dict[str, Any] = response.json()
    return template


async def mint(client: httpx.AsyncClient, session_id: str, name: str, body: dict[str, Any] | None = None) -> str:
    response = await client.post(f"/v1/sessions/{session_id}/tokens/{name}", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["object"] == "token"
    token: str = response.json()["jwt"]
    return token


async def instance_key_claims(client: httpx.AsyncClient, token: str, audience: str | None = None) -> dict[str, Any]:
    """Claims of a template token signed with the instance key, verified against GET /v1/jwks."""
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "kid": header["kid"], "typ": "JWT", "cat": "cl_B7d4PD222AAA"}
    keys = (await client.get("/v1/jwks")).json()["keys"]
    key = jwt.PyJWK(next(k for k in keys if k["kid"] == header["kid"])).key
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], audience=audience)
    return claims


async def template_claims(client: httpx.AsyncClient, session_id: str, claims: dict[str, Any]) -> dict[str, Any]:
    """The claims `claims` render to for the session (defaults stripped)."""
    await make_template(client, name="probe", claims=claims)
    minted = await instance_key_claims(client, await mint(client, session_id, "probe"))
    return {name: value for name, value in minted.items() if name not in DEFAULT_CLAIMS}


def error(response: httpx.Response) -> tuple[int, str, dict[str, Any] | None]:
    first = response.json()["errors"][0]
    return response.status_code, first["code"], first.get("meta")


class TestCreate:
    async def test_defaults(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        template = await make_template(client, claims={"role": "{{user.public_metadata.role}}", "aud": "hasura"})
        assert set(template) == TEMPLATE_KEYS and template["id"].startswith("jtmp_")
        assert template["object"] == "jwt_template" and template["name"] == "hasura"
        assert template["claims"] == {"role": "{{user.public_metadata.role}}", "aud": "hasura"}
        assert (template["lifetime"], template["allowed_clock_skew"]) == (60, 5)
        assert (template["custom_signing_key"], template["signing_algorithm"]) == (False, "RS256")
        assert template["created_at"] == template["updated_at"] == frozen_clock

    async def test_lifetime_and_clock_skew(self, client: httpx.AsyncClient) -> None:
        template = await make_template(client, lifetime=315_360_000, allowed_clock_skew=0)
        assert (template["lifetime"], template["allowed_clock_skew"]) == (315_360_000, 0)
        nulls = await make_template(client, name="nulls", lifetime=None, allowed_clock_skew=None)
        assert (nulls["lifetime"], nulls["allowed_clock_skew"]) == (60, 5)

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param({"claims": {}}, "form_param_missing", "name", id="no-name"),
            pytest.param({"name": "x"}, "form_param_missing", "claims", id="no-claims"),
            pytest.param({"name": "", "claims": {}}, "form_param_min_length_exceeded", "name", id="empty-name"),
            pytest.param({"name": "x", "claims": ["a"]}, "form_param_type_invalid", "claims", id="claims-array"),
            pytest.param({"name": "x", "claims": "{}"}, "form_param_type_invalid", "claims", id="claims-string"),
            pytest.param({"name": "x", "claims": {}, "lifetime": 29}, "form_param_value_invalid", "lifetime",
                         id="lifetime-too-short"),
            pytest.param({"name": "x", "claims": {}, "lifetime": 315_360_001}, "form_param_value_invalid",
                         "lifetime", id="lifetime-too-long"),
            pytest.param({"name": "x", "claims": {}, "allowed_clock_skew": -1}, "form_param_value_invalid",
                         "allowed_clock_skew", id="negative-skew"),
            pytest.param({"name": "x", "claims": {}, "allowed_clock_skew": 301}, "form_param_value_invalid",
                         "allowed_clock_skew", id="skew-too-large"),
            pytest.param({"name": "x", "claims": {}, "audience": "a"}, "form_param_unknown", "audience",
                         id="unknown-param"),
        ],
    )  # fmt: skip
    async def test_refuses_invalid_bodies(self, client: httpx.AsyncClient, body: dict, code: str, param: str) -> None:
        response = await client.post("/v1/jwt_templates", json=body)
        assert error(response) == (422, code, {"param_name": param})

    @pytest.mark.parametrize("claim", RESERVED_CLAIMS)
    async def test_refuses_reserved_claims(self, client: httpx.AsyncClient, claim: str) -> None:
        response = await client.post("/v1/jwt_templates", json={"name": "x", "claims": {"role": "a", claim: "b"}})
        assert error(response) == (400, "jwt_template_reserved_claim", {"param_name": "claims"})
        assert claim in response.json()["errors"][0]["long_message"]

    async def test_reserved_names_are_free_below_the_top_level(self, client: httpx.AsyncClient) -> None:
        template = await make_template(client, claims={"hasura": {"sub": "{{user.id}}", "exp": 1}, "sid": "x"})
        assert template["claims"]["hasura"] == {"sub": "{{user.id}}", "exp": 1}

    async def test_names_are_unique_per_instance(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await make_template(client)
        duplicate = await client.post("/v1/jwt_templates", json={"name": "hasura", "claims": {}})
        assert error(duplicate) == (422, "form_identifier_exists", {"param_name": "name"})
        assert (await other_client.post("/v1/jwt_templates", json={"name": "hasura", "claims": {}})).status_code == 200
        assert len((await client.get("/v1/jwt_templates")).json()) == 1


class TestCustomSigningKeys:
    @pytest.mark.parametrize("algorithm", ["RS256", "RS384", "RS512"])
    async def test_rsa(self, client: httpx.AsyncClient, rsa_key: rsa.RSAPrivateKey, algorithm: str) -> None:
        await self._round_trip(client, algorithm, private_pem(rsa_key), public_pem(rsa_key))

    @pytest.mark.parametrize(
        ("algorithm", "curve"),
        [("ES256", ec.SECP256R1()), ("ES384", ec.SECP384R1()), ("ES512", ec.SECP521R1())],
        ids=["ES256", "ES384", "ES512"],
    )
    async def test_ec(self, client: httpx.AsyncClient, algorithm: str, curve: ec.EllipticCurve) -> None:
        key = ec.generate_private_key(curve)
        await self._round_trip(client, algorithm, private_pem(key), public_pem(key))

    @pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
    async def test_hmac(self, client: httpx.AsyncClient, algorithm: str) -> None:
        secret = "s" * 64
        await self._round_trip(client, algorithm, secret, secret)

    async def _round_trip(self, client: httpx.AsyncClient, algorithm: str, signing_key: str, verify_key: str) -> None:
        template = await make_template(
            client,
            claims={"email": "{{user.primary_email_address}}"},
            custom_signing_key=True,
            signing_algorithm=algorithm,
            signing_key=signing_key,
        )
        assert set(template) == TEMPLATE_KEYS
        assert (template["custom_signing_key"], template["signing_algorithm"]) == (True, algorithm)
        assert (await client.get(f"/v1/jwt_templates/{template['id']}")).json() == template
        user = await make_user(client)
        session = await make_session(client, user["id"])
        token = await mint(client, session["id"], "hasura")
        assert jwt.get_unverified_header(token) == {"alg": algorithm, "typ": "JWT"}
        claims = jwt.decode(token, verify_key, algorithms=[algorithm])
        assert set(claims) == DEFAULT_CLAIMS | {"email"} and claims["sub"] == user["id"]
        assert claims["email"] == user["email_addresses"][0]["email_address"]

    @pytest.mark.parametrize(
        ("fields", "code", "param"),
        [
            pytest.param({"signing_key": HS256_SECRET}, "form_param_missing", "signing_algorithm", id="no-algorithm"),
            pytest.param({"signing_algorithm": "HS256"}, "form_param_missing", "signing_key", id="no-key"),
            pytest.param({"signing_algorithm": "PS256", "signing_key": "{rsa}"}, "form_param_value_invalid",
                         "signing_algorithm", id="unsupported-algorithm"),
            pytest.param({"signing_algorithm": "none", "signing_key": "x"}, "form_param_value_invalid",
                         "signing_algorithm", id="alg-none"),
            pytest.param({"signing_algorithm": "RS256", "signing_key": "not a pem"}, "form_param_value_invalid",
                         "signing_key", id="rsa-garbage"),
            pytest.param({"signing_algorithm": "RS256", "signing_key": "{p256}"}, "form_param_value_invalid",
                         "signing_key", id="rsa-with-ec-key"),
            pytest.param({"signing_algorithm": "RS256", "signing_key": "{rsa-public}"}, "form_param_value_invalid",
                         "signing_key", id="rsa-public-key"),
            pytest.param({"signing_algorithm": "RS256", "signing_key": "{rsa-1024}"}, "form_param_value_invalid",
                         "signing_key", id="rsa-too-short"),
            pytest.param({"signing_algorithm": "ES256", "signing_key": "{rsa}"}, "form_param_value_invalid",
                         "signing_key", id="ec-with-rsa-key"),
            pytest.param({"signing_algorithm": "ES384", "signing_key": "{p256}"}, "form_param_value_invalid",
                         "signing_key", id="ec-wrong-curve"),
            pytest.param({"signing_algorithm": "HS256", "signing_key": "short"}, "form_param_value_invalid",
                         "signing_key", id="hmac-too-short"),
            pytest.param({"signing_algorithm": "HS512", "signing_key": HS256_SECRET}, "form_param_value_invalid",
                         "signing_key", id="hmac-shorter-than-the-hash"),
            pytest.param({"signing_algorithm": "HS256", "signing_key": "{rsa}"}, "form_param_value_invalid",
                         "signing_key", id="hmac-with-a-pem"),
        ],
    )  # fmt: skip
    async def test_refuses_keys_that_do_not_fit(
        self,
        client: httpx.AsyncClient,
        rsa_key: rsa.RSAPrivateKey,
        p256_key: ec.EllipticCurvePrivateKey,
        fields: dict[str, str],
        code: str,
        param: str,
    ) -> None:
        placeholders = {
            "{rsa}": private_pem(rsa_key),
            "{rsa-public}": public_pem(rsa_key),
            "{rsa-1024}": private_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
            "{p256}": private_pem(p256_key),
        }
        body = {name: placeholders.get(value, value) for name, value in fields.items()}
        response = await client.post(
            "/v1/jwt_templates", json={"name": "x", "claims": {}, "custom_signing_key": True, **body}
        )
        assert error(response) == (422, code, {"param_name": param})

    async def test_signing_fields_are_read_only_with_a_custom_key(self, client: httpx.AsyncClient) -> None:
        template = await make_template(client, custom_signing_key=False, signing_algorithm="HS256", signing_key="x")
        assert (template["custom_signing_key"], template["signing_algorithm"]) == (False, "RS256")

    async def test_a_new_key_signs_at_once_even_within_the_same_millisecond(
        self, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        first, second = "1" * 32, "2" * 32
        template = await make_template(client, custom_signing_key=True, signing_algorithm="HS256", signing_key=first)
        session = await make_session(client, (await make_user(client))["id"])
        jwt.decode(await mint(client, session["id"], "hasura"), first, algorithms=["HS256"])
        response = await client.patch(
            f"/v1/jwt_templates/{template['id']}",
            json={"name": "hasura", "claims": {}, "custom_signing_key": True, "signing_algorithm": "HS256",
                  "signing_key": second},
        )  # fmt: skip
        assert response.json()["updated_at"] == template["updated_at"]
        jwt.decode(await mint(client, session["id"], "hasura"), second, algorithms=["HS256"])


class TestReadAndList:
    async def test_get_and_unknown(self, client: httpx.AsyncClient) -> None:
        template = await make_template(client)
        assert (await client.get(f"/v1/jwt_templates/{template['id']}")).json() == template
        assert error(await client.get("/v1/jwt_templates/jtmp_missing"))[:2] == (404, "resource_not_found")

    async def test_lists_newest_first_with_limit_and_offset(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/jwt_templates")).json() == []
        ids = [(await make_template(client, name=f"t{n}"))["id"] for n in range(3)]
        listed = (await client.get("/v1/jwt_templates")).json()
        assert [t["id"] for t in listed] == ids[::-1] and all(set(t) == TEMPLATE_KEYS for t in listed)
        page = (await client.get("/v1/jwt_templates", params={"limit": 1, "offset": 1})).json()
        assert [t["id"] for t in page] == [ids[1]]

    async def test_paginated(self, client: httpx.AsyncClient) -> None:
        ids = [(await make_template(client, name=f"t{n}"))["id"] for n in range(3)]
        # The spec shows only the bare array; Clerk's SDKs send paginated=true to get {data, total_count}.
        client.event_hooks = {"request": [], "response": []}
        paginated = (await client.get("/v1/jwt_templates", params={"paginated": "true", "limit": 2})).json()
        assert [t["id"] for t in paginated["data"]] == [ids[2], ids[1]] and paginated["total_count"] == 3

    @pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"paginated": "x"}], ids=str)
    async def test_refuses_bad_query(self, client: httpx.AsyncClient, params: dict) -> None:
        assert (await client.get("/v1/jwt_templates", params=params)).status_code == 422


class TestUpdate:
    async def test_replaces_name_and_claims_and_keeps_what_is_omitted(
        self, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        template = await make_template(client, claims={"a": 1}, lifetime=120, allowed_clock_skew=10)
        clock.freeze(frozen_clock + 1000)
        response = await client.patch(
            f"/v1/jwt_templates/{template['id']}", json={"name": "renamed", "claims": {"b": "{{user.id}}"}}
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated == {
            **template,
            "name": "renamed",
            "claims": {"b": "{{user.id}}"},
            "updated_at": frozen_clock + 1000,
        }
        assert (await client.get(f"/v1/jwt_templates/{template['id']}")).json() == updated
        changed = await client.patch(
            f"/v1/jwt_templates/{template['id']}",
            json={"name": "renamed", "claims": {}, "lifetime": 30, "allowed_clock_skew": 0},
        )
        assert (changed.json()["lifetime"], changed.json()["allowed_clock_skew"]) == (30, 0)

    async def test_switches_between_custom_and_instance_keys(self, client: httpx.AsyncClient) -> None:
        template = await make_template(client)
        url = f"/v1/jwt_templates/{template['id']}"
        custom = {"custom_signing_key": True, "signing_algorithm": "HS256", "signing_key": HS256_SECRET}
        assert (await client.patch(url, json={"name": "hasura", "claims": {}, **custom})).json()[
            "signing_algorithm"
        ] == "HS256"
        kept = (await client.patch(url, json={"name": "hasura", "claims": {"x": 1}})).json()
        assert (kept["custom_signing_key"], kept["signing_algorithm"]) == (True, "HS256")
        session = await make_session(client, (await make_user(client))["id"])
        jwt.decode(await mint(client, session["id"], "hasura"), HS256_SECRET, algorithms=["HS256"])
        cleared = (await client.patch(url, json={"name": "hasura", "claims": {}, "custom_signing_key": False})).json()
        assert (cleared["custom_signing_key"], cleared["signing_algorithm"]) == (False, "RS256")
        await instance_key_claims(client, await mint(client, session["id"], "hasura"))

    @pytest.mark.parametrize(
        ("body", "status", "code", "param"),
        [
            pytest.param({"claims": {}}, 422, "form_param_missing", "name", id="no-name"),
            pytest.param({"name": "x"}, 422, "form_param_missing", "claims", id="no-claims"),
            pytest.param({"name": "x", "claims": {"iss": "me"}}, 400, "jwt_template_reserved_claim", "claims",
                         id="reserved-claim"),
            pytest.param({"name": "x", "claims": {}, "lifetime": 10}, 422, "form_param_value_invalid", "lifetime",
                         id="lifetime-too-short"),
            pytest.param({"name": "taken", "claims": {}}, 422, "form_identifier_exists", "name", id="name-taken"),
            pytest.param({"name": "x", "claims": {}, "custom_signing_key": True, "signing_algorithm": "HS256",
                          "signing_key": "short"}, 422, "form_param_value_invalid", "signing_key", id="bad-key"),
        ],
    )  # fmt: skip
    async def test_refuses(self, client: httpx.AsyncClient, body: dict, status: int, code: str, param: str) -> None:
        await make_template(client, name="taken")
        template = await make_template(client)
        response = await client.patch(f"/v1/jwt_templates/{template['id']}", json=body)
        assert error(response) == (status, code, {"param_name": param})
        assert (await client.get(f"/v1/jwt_templates/{template['id']}")).json() == template

    async def test_unknown(self, client: httpx.AsyncClient) -> None:
        response = await client.patch("/v1/jwt_templates/jtmp_missing", json={"name": "x", "claims": {}})
        assert error(response)[:2] == (404, "resource_not_found")


class TestDelete:
    async def test_deletes_and_frees_the_name(self, client: httpx.AsyncClient) -> None:
        template = await make_template(client)
        deleted = await client.delete(f"/v1/jwt_templates/{template['id']}")
        assert deleted.json() == {"object": "jwt_template", "id": template["id"], "deleted": True}
        assert (await client.get(f"/v1/jwt_templates/{template['id']}")).status_code == 404
        assert error(await client.delete(f"/v1/jwt_templates/{template['id']}"))[:2] == (404, "resource_not_found")
        assert (await client.get("/v1/jwt_templates")).json() == []
        await make_template(client)

    async def test_a_deleted_template_mints_nothing(self, client: httpx.AsyncClient) -> None:
        template = await make_template(client)
        session = await make_session(client, (await make_user(client))["id"])
        await client.delete(f"/v1/jwt_templates/{template['id']}")
        response = await client.post(f"/v1/sessions/{session['id']}/tokens/hasura")
        assert error(response)[:2] == (404, "resource_not_found")


class TestTokenFromTemplate:
    async def test_default_claims_with_the_instance_key(
        self, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await make_template(client, claims={"aud": "hasura"}, lifetime=300, allowed_clock_skew=30)
        user = await make_user(client)
        session = await make_session(client, user["id"])
        token = await mint(client, session["id"], "hasura")
        claims = await instance_key_claims(client, token, audience="hasura")
        assert set(claims) == DEFAULT_CLAIMS | {"aud"} and claims["aud"] == "hasura"
        assert claims["sub"] == user["id"] and claims["iss"] == f"https://{instance.frontend_api_host}"
        assert claims["exp"] - claims["iat"] == 300 and claims["nbf"] == claims["iat"] - 30
        assert len(claims["jti"]) == 20 and int(claims["jti"], 16) >= 0
        again = await instance_key_claims(client, await mint(client, session["id"], "hasura"), audience="hasura")
        assert again["jti"] != claims["jti"]

    async def test_expires_in_seconds_overrides_the_lifetime(self, client: httpx.AsyncClient) -> None:
        await make_template(client, lifetime=300)
        session = await make_session(client, (await make_user(client))["id"])
        claims = await instance_key_claims(
            client, await mint(client, session["id"], "hasura", {"expires_in_seconds": 45})
        )
        assert claims["exp"] - claims["iat"] == 45
        defaulted = await instance_key_claims(client, await mint(client, session["id"], "hasura", {}))
        assert defaulted["exp"] - defaulted["iat"] == 300
        for bad in (29, 315_360_001, "soon"):
            response = await client.post(
                f"/v1/sessions/{session['id']}/tokens/hasura", json={"expires_in_seconds": bad}
            )
            assert response.status_code == 422 and response.json()["errors"][0]["meta"] == {
                "param_name": "expires_in_seconds"
            }

    async def test_user_shortcodes(self, client: httpx.AsyncClient) -> None:
        user = await make_user(
            client,
            first_name="Maria",
            last_name="Doe",
            username="maria",
            external_id="ext-1",
            phone_number=["+14155550100"],
            public_metadata={"profile": {"interests": ["hiking"]}, "role": "editor"},
            unsafe_metadata={"theme": "dark"},
            private_metadata={"secret": "never"},
        )
        session = await make_session(client, user["id"])
        signed_in = (await client.get(f"/v1/users/{user['id']}")).json()
        shortcodes = [
            "id", "external_id", "first_name", "last_name", "full_name", "username", "image_url", "profile_image_url",
            "has_image", "primary_email_address", "primary_phone_address", "primary_phone_number",
            "primary_web3_wallet", "email_verified", "phone_number_verified", "two_factor_enabled", "created_at",
            "updated_at", "last_sign_in_at", "public_metadata", "unsafe_metadata", "organizations",
        ]  # fmt: skip
        claims = await template_claims(client, session["id"], {name: f"{{{{user.{name}}}}}" for name in shortcodes})
        assert claims == {
            "id": user["id"],
            "external_id": "ext-1",
            "first_name": "Maria",
            "last_name": "Doe",
            "full_name": "Maria Doe",
            "username": "maria",
            "image_url": user["image_url"],
            "profile_image_url": user["image_url"],
            "has_image": False,
            "primary_email_address": user["email_addresses"][0]["email_address"],
            "primary_phone_address": "+14155550100",
            "primary_phone_number": "+14155550100",
            "primary_web3_wallet": None,
            "email_verified": True,
            "phone_number_verified": True,
            "two_factor_enabled": False,
            "created_at": signed_in["created_at"] // 1000,
            "updated_at": signed_in["updated_at"] // 1000,
            "last_sign_in_at": signed_in["last_sign_in_at"] // 1000,
            "public_metadata": {"profile": {"interests": ["hiking"]}, "role": "editor"},
            "unsafe_metadata": {"theme": "dark"},
            "organizations": {},
        }

    async def test_expressions_paths_and_interpolation(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, first_name="Maria", last_name="Doe", public_metadata={"p": {"i": ["x"]}})
        session = await make_session(client, user["id"])
        claims = await template_claims(
            client,
            session["id"],
            {
                "name": "{{user.last_name}} {{user.first_name}} ",
                "interests": "{{user.public_metadata.p.i}}",
                "missing": "{{user.public_metadata.nope}}",
                "private": "{{user.private_metadata}}",
                "nested": {"list": ["{{user.username || 'anon'}}", "{{org.id || 30}}"]},
                "unknown": "{{user.favourite_color}}",
            },
        )
        assert claims == {
            "name": "Doe Maria",
            "interests": ["x"],
            "missing": None,
            "private": None,
            "nested": {"list": ["anon", 30]},
            "unknown": None,
        }

    async def test_organization_shortcodes(self, client: httpx.AsyncClient) -> None:
        user, organization = await make_member_with_permissions(client, ["org:reports:read", "org:invoices:create"])
        organization_id = organization["id"]
        await client.patch(f"/v1/organizations/{organization_id}/metadata", json={"public_metadata": {"plan": "pro"}})
        await client.patch(
            f"/v1/organizations/{organization_id}/memberships/{user['id']}/metadata",
            json={"public_metadata": {"seat": 7}},
        )
        session = await make_session(client, user["id"], active_organization_id=organization_id)
        names = ["id", "name", "slug", "image_url", "has_image", "role", "permissions", "public_metadata"]
        template = {name: f"{{{{org.{name}}}}}" for name in names} | {
            "membership": "{{org_membership.public_metadata}}",
            "orgs": "{{user.organizations}}",
        }
        claims = await template_claims(client, session["id"], template)
        assert claims == {
            "id": organization_id,
            "name": "Acme",
            "slug": organization["slug"],
            "image_url": organization["image_url"],
            "has_image": False,
            "role": "org:billing_admin",
            "permissions": ["org:invoices:create", "org:reports:read"],
            "public_metadata": {"plan": "pro"},
            "membership": {"seat": 7},
            "orgs": {organization_id: "org:billing_admin"},
        }

    async def test_organization_shortcodes_are_null_without_an_active_membership(
        self, client: httpx.AsyncClient
    ) -> None:
        user, organization = await make_member_with_permissions(client, [])
        personal = await make_session(client, user["id"])
        template = {
            "org": "{{org.id}}",
            "membership": "{{org_membership.public_metadata}}",
            "orgs": "{{user.organizations}}",
        }
        await make_template(client, name="probe", claims=template)
        claims = await instance_key_claims(client, await mint(client, personal["id"], "probe"))
        assert (claims["org"], claims["membership"], claims["orgs"]) == (
            None,
            None,
            {organization["id"]: "org:billing_admin"},
        )
        in_organization = await make_session(client, user["id"], active_organization_id=organization["id"])
        assert (await instance_key_claims(client, await mint(client, in_organization["id"], "probe")))[
            "org"
        ] == organization["id"]
        await client.delete(f"/v1/organizations/{organization['id']}/memberships/{user['id']}")
        after = await instance_key_claims(client, await mint(client, in_organization["id"], "probe"))
        assert (after["org"], after["membership"], after["orgs"]) == (None, None, {})

    async def test_session_shortcodes_and_authorized_party(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        session = await make_session(client, (await make_user(client))["id"])
        claims = await template_claims(client, session["id"], {"sid": "{{session.id}}", "act": "{{session.actor}}"})
        assert claims == {"sid": session["id"], "act": None}
        async with inspection_session(app) as db:
            await db.execute(
                update(Session).where(Session.id == session["id"]).values(origin="https://app.example.com")
            )
            await db.commit()
        minted = await instance_key_claims(client, await mint(client, session["id"], "probe"))
        assert minted["azp"] == "https://app.example.com"

    async def test_refuses_sessions_and_templates_it_cannot_use(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await make_template(client)
        session = await make_session(client, (await make_user(client))["id"])
        other_session = await make_session(other_client, (await make_user(other_client))["id"])
        await make_template(other_client, name="elsewhere")
        for path in (
            "/v1/sessions/sess_missing/tokens/hasura",
            f"/v1/sessions/{other_session['id']}/tokens/hasura",
            f"/v1/sessions/{session['id']}/tokens/missing",
            f"/v1/sessions/{session['id']}/tokens/elsewhere",
        ):
            assert error(await client.post(path))[:2] == (404, "resource_not_found"), path
        await client.post(f"/v1/sessions/{session['id']}/revoke")
        revoked = await client.post(f"/v1/sessions/{session['id']}/tokens/hasura")
        assert error(revoked) == (404, "resource_not_found", {"session_id": session["id"]})
