"""Secrets at rest: every secret locum is given or hands out is sealed (if it is shown again) or
digested (if it is only compared); the SQLite files are private to their owner; a database error is
logged without the values of its statement.
"""

import base64
import logging
import os
import secrets
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import orjson
import pyotp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from sqlalchemy import Table, select

from locum.db.base import Base
from locum.db.engine import create_engine
from locum.instances.master_key import open_sealer
from locum.instances.service import InstanceKeys
from locum.resources.users import service as users_service
from locum.settings import Settings
from tests.builders import (
    inspection_session,
    make_enterprise_connection,
    make_organization,
    make_session,
    make_user,
    unique_email,
)
from tests.conftest import TEST_ORIGIN

ORIGIN = "http://localhost:3000"
ON_POSTGRESQL = bool(os.environ.get("LOCUM_TEST_DATABASE_URL"))


def random_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def pem_body_line(pem: str) -> str:
    """A line of a PEM's base64 body: present in any copy of the key, header or not."""
    return pem.splitlines()[1]


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


async def credentials_secrets(credentials: dict[str, Any]) -> dict[str, str]:
    """What a sign-in hands a browser: the session token, the refresh token and the client token,
    with the client's rotating token inside it."""
    rotating_token = jwt.decode(credentials["client_token"], options={"verify_signature": False})["rotating_token"]
    return {
        "session token": credentials["session_token"],
        "refresh token": credentials["refresh_token"],
        "client token": credentials["client_token"],
        "client rotating token": rotating_token,
    }


def searchable(value: Any) -> bytes:
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    return orjson.dumps(value, default=str)


def _rows_of_instance(table: Table, instance_id: str) -> Any:
    if "instance_id" in table.c:
        return select(table).where(table.c.instance_id == instance_id)
    if table.name == "instances":
        return select(table).where(table.c.id == instance_id)
    return select(table)


async def plaintext_hits(app: FastAPI, instance_id: str, plaintexts: dict[str, str]) -> list[tuple[str, str, str]]:
    """(table, column, name of the secret) for every stored value holding one of `plaintexts`,
    reading every column of every table (the instance's rows, where a table has an instance)."""
    hits = []
    async with inspection_session(app) as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(_rows_of_instance(table, instance_id))).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    stored = searchable(value)
                    hits.extend(
                        (table.name, column, name) for name, secret in plaintexts.items() if secret.encode() in stored
                    )
    return hits


async def use_every_secret(app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys) -> dict[str, str]:
    """Drive every feature that stores a secret; returns each secret given or received, by name."""
    used: dict[str, str] = {"instance secret key": instance.secret_key}
    context = await app.state.registry.resolve(instance.secret_key)
    instance_pem = context.active_signing_key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    used["instance signing key"] = pem_body_line(instance_pem)

    # Users: password, TOTP secret and backup codes, on create and on update.
    used |= {
        "password": random_secret("pw-"),
        "totp secret": pyotp.random_base32(),
        "backup code": random_secret("bc-"),
        "new password": random_secret("pw-"),
        "new totp secret": pyotp.random_base32(),
        "new backup code": random_secret("bc-"),
    }
    user = await make_user(
        client, password=used["password"], totp_secret=used["totp secret"], backup_codes=[used["backup code"]]
    )
    ok(
        await client.patch(
            f"/v1/users/{user['id']}",
            json={
                "password": used["new password"],
                "totp_secret": used["new totp secret"],
                "backup_codes": [used["new backup code"]],
            },
        )
    )
    totp_code = pyotp.TOTP(used["new totp secret"]).now()
    assert ok(await client.post(f"/v1/users/{user['id']}/verify_totp", json={"code": totp_code}))["verified"]
    assert ok(await client.post(f"/v1/users/{user['id']}/verify_password", json={"password": used["new password"]}))

    # An external account with its OAuth tokens, returned again by GetOAuthAccessToken.
    used |= {"oauth access token": random_secret("ya29."), "oauth id token": random_secret("eyJ.")}
    ok(
        await client.post(
            f"/locum/users/{user['id']}/external_accounts",
            json={
                "provider": "oauth_google",
                "provider_user_id": random_secret(),
                "access_token": used["oauth access token"],
                "id_token": used["oauth id token"],
            },
        )
    )
    [token] = ok(await client.get(f"/v1/users/{user['id']}/oauth_access_tokens/oauth_google"))
    assert (token["token"], token["id_token"]) == (used["oauth access token"], used["oauth id token"])

    # Sessions and clients: a BAPI session's browser credentials, the client verified by its token.
    session = await make_session(client, user["id"])
    credentials = ok(await client.post(f"/locum/sessions/{session['id']}/frontend_credentials"))
    used |= {f"session {name}": value for name, value in (await credentials_secrets(credentials)).items()}
    used["minted session token"] = ok(await client.post(f"/v1/sessions/{session['id']}/tokens"))["jwt"]
    assert ok(await client.post("/v1/clients/verify", json={"token": credentials["client_token"]}))["id"]

    # Sign-in and actor tokens, shown once and then consumed.
    sign_in_token = ok(await client.post("/v1/sign_in_tokens", json={"user_id": user["id"]}))
    actor_token = ok(
        await client.post("/v1/actor_tokens", json={"user_id": user["id"], "actor": {"sub": "user_support"}})
    )
    used |= {"sign-in token": sign_in_token["token"], "actor token": actor_token["token"]}
    for kind, ticket in (("sign_in_tokens", sign_in_token), ("actor_tokens", actor_token)):
        signed_in = ok(await client.post(f"/locum/{kind}/consume", json={"token": ticket["token"], "origin": ORIGIN}))
        used |= {f"{kind} {name}": value for name, value in (await credentials_secrets(signed_in)).items()}

    # JWT templates with custom signing keys (a shared secret and a private key).
    rsa_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    used |= {"HS256 signing key": random_secret("hs-"), "RS256 signing key": pem_body_line(rsa_pem)}
    for name, algorithm, signing_key in (("hs", "HS256", used["HS256 signing key"]), ("rs", "RS256", rsa_pem)):
        template = {
            "name": f"{name}-{secrets.token_hex(4)}",
            "claims": {"role": "tester"},
            "custom_signing_key": True,
            "signing_algorithm": algorithm,
            "signing_key": signing_key,
        }
        ok(await client.post("/v1/jwt_templates", json=template))
        minted = ok(await client.post(f"/v1/sessions/{session['id']}/tokens/{template['name']}"))
        used[f"{algorithm} template token"] = minted["jwt"]

    # Webhook endpoints: a given secret, a generated one and a rotated one.
    used["given webhook secret"] = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    given = ok(
        await client.post(
            "/locum/webhooks/endpoints", json={"url": f"{ORIGIN}/given", "secret": used["given webhook secret"]}
        )
    )
    generated = ok(await client.post("/locum/webhooks/endpoints", json={"url": f"{ORIGIN}/generated"}))
    rotated = ok(await client.post(f"/locum/webhooks/endpoints/{given['id']}/rotate_secret", json={}))
    used |= {"generated webhook secret": generated["secret"], "rotated webhook secret": rotated["secret"]}

    used["testing token"] = ok(await client.post("/v1/testing_tokens"))["token"]

    # Directories: the bearer token an identity provider provisions with, shown once.
    connection_id = (await make_enterprise_connection(client))["id"]
    directory = ok(
        await client.post("/v1/scim_directories", json={"enterprise_connection_id": connection_id, "provider": "okta"})
    )
    used["directory api key"] = directory["api_key"]
    return used | await use_machine_auth_secrets(client, user["id"])


async def use_machine_auth_secrets(client: httpx.AsyncClient, user_id: str) -> dict[str, str]:
    """Machine keys (made and rotated), M2M tokens, API keys, OAuth client secrets and tokens, agent
    task and admin portal tickets, each made and then used."""
    used: dict[str, str] = {}
    machine = ok(await client.post("/v1/machines", json={"name": "secrets"}))
    used["machine secret key"] = machine["secret_key"]
    m2m = await client.post("/m2m_tokens", json={}, headers={"Authorization": f"Bearer {machine['secret_key']}"})
    assert m2m.status_code == 201, m2m.text
    used["m2m token"] = m2m.json()["token"]
    assert ok(await client.post("/m2m_tokens/verify", json={"token": used["m2m token"]}))["id"] == m2m.json()["id"]
    rotated = ok(await client.post(f"/v1/machines/{machine['id']}/secret_key/rotate", json={"previous_token_ttl": 60}))
    used["rotated machine secret key"] = rotated["secret"]

    api_key = await client.post("/api_keys", json={"name": "secrets", "subject": user_id})
    assert api_key.status_code == 201, api_key.text
    used["api key secret"] = api_key.json()["secret"]
    assert ok(await client.post("/api_keys/verify", json={"secret": used["api key secret"]}))["id"]

    application = ok(await client.post("/v1/oauth_applications", json={"name": "secrets"}))
    rotated_application = ok(await client.post(f"/v1/oauth_applications/{application['id']}/rotate_secret"))
    used |= {
        "oauth client secret": application["client_secret"],
        "rotated oauth client secret": rotated_application["client_secret"],
    }
    issued = ok(
        await client.post(
            f"/locum/oauth_applications/{application['id']}/access_tokens",
            json={"user_id": user_id, "scopes": "profile"},
        )
    )
    used |= {"oauth app access token": issued["access_token"], "oauth app refresh token": issued["refresh_token"]}
    verified = ok(
        await client.post("/oauth_applications/access_tokens/verify", json={"access_token": issued["access_token"]})
    )
    assert verified["subject"] == user_id

    agent_task = ok(
        await client.post(
            "/v1/agents/tasks",
            json={
                "on_behalf_of": {"user_id": user_id},
                "permissions": "*",
                "agent_name": "secrets",
                "task_description": "look for secrets",
                "redirect_url": f"{ORIGIN}/done",
            },
        )
    )
    [used["agent task ticket"]] = parse_qs(urlsplit(agent_task["url"]).query)["token"]
    organization = await make_organization(client)
    portal = await client.post("/v1/admin_portal_link_tokens", json={"organization_id": organization["id"]})
    assert portal.status_code == 201, portal.text
    used["admin portal link token"] = portal.json()["token"]
    return used


class TestNoPlaintextSecretAtRest:
    async def test_no_table_holds_a_secret_that_was_used_or_received(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        used = await use_every_secret(app, client, instance)
        assert await plaintext_hits(app, instance.instance_id, used) == []

    async def test_the_search_finds_a_secret_stored_in_plaintext(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        """The search itself can fail: a value kept as given (here a first name) is found."""
        marker = random_secret("visible-")
        user = await make_user(client, first_name=marker[:64])
        hits = await plaintext_hits(app, instance.instance_id, {"marker": marker[:64]})
        assert ("users", "first_name", "marker") in hits and user["first_name"] == marker[:64]


@pytest.mark.skipif(ON_POSTGRESQL, reason="file modes are SQLite's")
class TestPrivateDatabaseFiles:
    @pytest.fixture
    async def settings(self, tmp_path: Path) -> AsyncIterator[Settings]:
        yield Settings(data_dir=tmp_path / "data", database_url="", master_key=None)

    async def test_data_directory_and_database_files_are_readable_by_their_owner_only(self, settings: Settings) -> None:
        engine = create_engine(settings)
        try:
            await open_sealer(engine, settings)
            async with engine.begin() as connection:
                # A write in WAL mode, the connection still open: the -wal and -shm files exist.
                await connection.exec_driver_sql("CREATE TABLE probe (value TEXT)")
                await connection.exec_driver_sql("INSERT INTO probe VALUES ('x')")
            database = settings.data_dir / "locum.db"
            files = [database, database.with_name("locum.db-wal"), database.with_name("locum.db-shm")]
            assert [stat.S_IMODE(path.stat().st_mode) for path in files] == [0o600, 0o600, 0o600]
            assert stat.S_IMODE((settings.data_dir / "master.key").stat().st_mode) == 0o600
            assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700
        finally:
            await engine.dispose()

    async def test_files_an_earlier_version_left_readable_are_made_private(self, settings: Settings) -> None:
        settings.data_dir.mkdir()
        database = settings.data_dir / "locum.db"
        for path in (database, database.with_name("locum.db-wal")):
            path.touch(mode=0o644)
            path.chmod(0o644)
        engine = create_engine(settings)
        await engine.dispose()
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
        assert stat.S_IMODE(database.with_name("locum.db-wal").stat().st_mode) == 0o600


class TestDatabaseErrorLog:
    async def test_a_failed_statement_is_logged_without_its_values(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        instance: InstanceKeys,
        caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        taken = await make_user(client)
        values = {
            "email_address": unique_email("logged"),
            "first_name": random_secret("name-")[:40],
            "external_id": random_secret("ext-")[:40],
            "password": random_secret("pw-"),
            "totp_secret": pyotp.random_base32(),
        }
        # The user's insert hits the primary key of an existing user: an IntegrityError nobody maps.
        real_new_id = users_service.new_id
        monkeypatch.setattr(users_service, "new_id", lambda kind: taken["id"] if kind == "user" else real_new_id(kind))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        headers = {"Authorization": f"Bearer {instance.secret_key}"}
        async with httpx.AsyncClient(transport=transport, base_url=TEST_ORIGIN, headers=headers) as raw:
            with caplog.at_level(logging.ERROR):
                response = await raw.post("/v1/users", json={**values, "email_address": [values["email_address"]]})
        assert response.status_code == 500
        logged = "\n".join(logging.Formatter().format(record) for record in caplog.records)
        assert "IntegrityError" in logged
        for value in [*values.values(), taken["id"], "$argon2"]:
            assert value not in logged
