"""Revision 0006 converts the secrets earlier revisions stored in plaintext, and old rows keep working.

Rows are written at the revision before it, as that schema had them (required columns the test does
not care about get a placeholder), then the database is upgraded with the master key's sealer.
"""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet
from sqlalchemy import JSON, Boolean, Connection, Integer, LargeBinary, MetaData, Table, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from locum.db.engine import create_engine, create_sessionmaker
from locum.db.migrate import alembic_config, upgrade
from locum.db.models import ActorToken, Client, ExternalAccount, SignInToken, User
from locum.db.scoping import ACROSS_INSTANCES_INFO
from locum.kit.sealing import Sealer
from locum.resources.frontend.tickets import ACCEPTED, claim
from locum.settings import Settings
from tests.sdk.conftest import drop_own_database, own_database_url

SEALED_SECRETS = "0006"
INSTANCE_ID = "ins_seeded"
USER_ID = "user_seeded"
TICKETS_EXPIRE_AT = 2**62
PLAINTEXT = {
    "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "access_token": "ya29.seeded-access-token",
    "id_token": "eyJ.seeded-id-token",
    "rotating_token": "seeded-rotating-token",
    "sign_in_token": "seeded-sign-in-token",
    "actor_token": "seeded-actor-token",
}


def revision_before() -> str:
    script = ScriptDirectory.from_config(alembic_config(None))
    down_revision = script.get_revision(SEALED_SECRETS).down_revision
    assert isinstance(down_revision, str)
    return down_revision


def placeholder(column: Any) -> Any:
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, Integer):
        return 0
    if isinstance(column.type, JSON):
        return {}
    if isinstance(column.type, LargeBinary):
        return b""
    return "x"


def seed_row(connection: Connection, table_name: str, **values: Any) -> None:
    """A row as the current schema has the table, with a placeholder in every other required column."""
    table = Table(table_name, MetaData(), autoload_with=connection)
    filled = {
        column.name: placeholder(column)
        for column in table.columns
        if not column.nullable and column.server_default is None and column.name not in values
    }
    connection.execute(insert(table).values(**filled, **values))


def seed_plaintext_rows(connection: Connection) -> None:
    seed_row(connection, "instances", id=INSTANCE_ID, frontend_api_host="seeded.locum.localhost")
    seed_row(connection, "users", id=USER_ID, instance_id=INSTANCE_ID, totp_secret=PLAINTEXT["totp_secret"])
    seed_row(connection, "users", id="user_without_totp", instance_id=INSTANCE_ID)
    seed_row(
        connection,
        "external_accounts",
        id="eac_seeded",
        instance_id=INSTANCE_ID,
        user_id=USER_ID,
        access_token=PLAINTEXT["access_token"],
        id_token=PLAINTEXT["id_token"],
    )
    seed_row(
        connection, "clients", id="client_seeded", instance_id=INSTANCE_ID, rotating_token=PLAINTEXT["rotating_token"]
    )
    for table, ticket_id in (("sign_in_tokens", "sit_seeded"), ("actor_tokens", "act_seeded")):
        seed_row(
            connection,
            table,
            id=ticket_id,
            instance_id=INSTANCE_ID,
            user_id=USER_ID,
            token=PLAINTEXT[table.removesuffix("s")],
            status="pending",
            expires_at=TICKETS_EXPIRE_AT,
        )


def stored_plaintext(connection: Connection) -> dict[str, Any]:
    """The secrets as the schema before 0006 stores them."""
    metadata = MetaData()
    users, accounts, clients, sign_in_tokens = (
        Table(name, metadata, autoload_with=connection)
        for name in ("users", "external_accounts", "clients", "sign_in_tokens")
    )
    return {
        "totp_secret": connection.scalar(select(users.c.totp_secret).where(users.c.id == USER_ID)),
        "access_token": connection.scalar(select(accounts.c.access_token)),
        "id_token": connection.scalar(select(accounts.c.id_token)),
        "rotating_token": connection.scalar(select(clients.c.rotating_token)),
        "sign_in_token": connection.scalar(select(sign_in_tokens.c.token)),
    }


def columns_of(connection: Connection, table_name: str) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns(table_name)}


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A database of its own, at the revision before 0006, holding plaintext secrets."""
    # Both helpers run their own event loop (they serve synchronous tests too).
    database_url = await asyncio.to_thread(own_database_url, tmp_path)
    engine = create_engine(Settings(database_url=database_url, data_dir=tmp_path))
    try:
        await upgrade(engine, revision_before())
        async with engine.begin() as connection:
            await connection.run_sync(seed_plaintext_rows)
        yield engine
    finally:
        await engine.dispose()
        await asyncio.to_thread(drop_own_database, database_url)


@pytest.fixture
def sealer() -> Sealer:
    return Sealer(Fernet.generate_key())


class TestSealedSecretsUpgrade:
    async def test_plaintext_secrets_are_sealed_or_digested(self, engine: AsyncEngine, sealer: Sealer) -> None:
        await upgrade(engine, sealer=sealer)
        async with create_sessionmaker(engine)(info=dict(ACROSS_INSTANCES_INFO)) as session:
            user = await session.get_one(User, USER_ID)
            account = await session.get_one(ExternalAccount, "eac_seeded")
            client = await session.get_one(Client, "client_seeded")
            assert user.sealed_totp_secret is not None and account.sealed_access_token is not None
            assert account.sealed_id_token is not None
            assert sealer.unseal(user.sealed_totp_secret) == PLAINTEXT["totp_secret"]
            assert sealer.unseal(account.sealed_access_token) == PLAINTEXT["access_token"]
            assert sealer.unseal(account.sealed_id_token) == PLAINTEXT["id_token"]
            assert sealer.unseal(client.sealed_rotating_token) == PLAINTEXT["rotating_token"]
            assert (await session.get_one(User, "user_without_totp")).sealed_totp_secret is None
            for model, name in ((SignInToken, "sign_in_token"), (ActorToken, "actor_token")):
                digest = await session.scalar(select(model.token_digest))
                assert digest == hashlib.sha256(PLAINTEXT[name].encode()).hexdigest()
        async with engine.connect() as connection:
            assert "totp_secret" not in await connection.run_sync(columns_of, "users")
            assert not {"access_token", "id_token", "token_secret"} & await connection.run_sync(
                columns_of, "external_accounts"
            )
            assert "rotating_token" not in await connection.run_sync(columns_of, "clients")

    async def test_tickets_issued_before_are_still_consumed_with_their_secret(
        self, engine: AsyncEngine, sealer: Sealer
    ) -> None:
        await upgrade(engine, sealer=sealer)
        async with create_sessionmaker(engine)(info=dict(ACROSS_INSTANCES_INFO)) as session:
            for model, name in ((SignInToken, "sign_in_token"), (ActorToken, "actor_token")):
                ticket = await claim(session, model, instance_id=INSTANCE_ID, secret=PLAINTEXT[name], now=0)
                assert ticket.status == ACCEPTED

    async def test_refuses_to_convert_without_the_master_key_and_changes_nothing(self, engine: AsyncEngine) -> None:
        with pytest.raises(RuntimeError, match="needs the master key"):
            await upgrade(engine)
        async with engine.connect() as connection:
            assert "totp_secret" in await connection.run_sync(columns_of, "users")

    async def test_downgrade_unseals_the_sealed_values(self, engine: AsyncEngine, sealer: Sealer) -> None:
        """Digests cannot be undone: a ticket keeps its digest as its token, which no secret matches."""
        await upgrade(engine, sealer=sealer)
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync, sealer), revision_before()))
            stored = await connection.run_sync(stored_plaintext)
        assert stored == {
            **{name: PLAINTEXT[name] for name in ("totp_secret", "access_token", "id_token", "rotating_token")},
            "sign_in_token": hashlib.sha256(PLAINTEXT["sign_in_token"].encode()).hexdigest(),
        }
