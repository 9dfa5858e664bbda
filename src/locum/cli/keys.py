"""`locum keys`: print the default instance's keys; `rotate` and `retire` its signing keys."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from locum.app import prepare_database
from locum.cli.options import DatabaseUrl, Host, Port, settings_with
from locum.db.engine import create_engine, create_sessionmaker
from locum.instances.master_key import open_sealer
from locum.instances.registry import load_instance
from locum.instances.service import InstanceKeys, retire_signing_keys, rotate_signing_key
from locum.kit.sealing import Sealer
from locum.settings import Settings

# Serving processes recheck their keys every KEYS_RECHECK_SECONDS (instances/registry.py).
PICKUP_NOTE = "running `locum serve` processes pick the change up within a second"

keys = typer.Typer(help="Print the default instance's keys as dotenv lines; rotate or retire its signing keys.")


def _settings(context: typer.Context, **overrides: Any) -> Settings:
    """Options given after the subcommand win over those given before it (`locum keys --port 1 rotate`)."""
    given_before: dict[str, Any] = context.obj or {}
    return settings_with(**{**given_before, **{name: value for name, value in overrides.items() if value is not None}})


@keys.callback(invoke_without_command=True)
def show(context: typer.Context, host: Host = None, port: Port = None, database_url: DatabaseUrl = None) -> None:
    """Print the default instance's keys as dotenv lines."""
    if context.invoked_subcommand is not None:
        context.obj = {"host": host, "port": port, "database_url": database_url}
        return
    for line in asyncio.run(_dotenv_lines(settings_with(host=host, port=port, database_url=database_url))):
        typer.echo(line)


@keys.command()
def rotate(context: typer.Context, host: Host = None, port: Port = None, database_url: DatabaseUrl = None) -> None:
    """Add a signing key and sign with it; tokens signed by older keys verify until `locum keys retire`."""
    kid = asyncio.run(_rotate(_settings(context, host=host, port=port, database_url=database_url)))
    typer.echo(kid)
    typer.echo(f"New signing key {kid}: {PICKUP_NOTE}; `locum keys` prints its CLERK_JWT_KEY.", err=True)


@keys.command()
def retire(context: typer.Context, host: Host = None, port: Port = None, database_url: DatabaseUrl = None) -> None:
    """Remove every signing key but the newest (tokens they signed stop verifying); print their kids."""
    retired = asyncio.run(_retire(_settings(context, host=host, port=port, database_url=database_url)))
    for kid in retired:
        typer.echo(kid)
    typer.echo(f"Retired {len(retired)} signing key(s): {PICKUP_NOTE}." if retired else "Nothing to retire.", err=True)


@asynccontextmanager
async def _default_instance(settings: Settings) -> AsyncIterator[tuple[AsyncSession, Sealer, InstanceKeys]]:
    """A session on the migrated database, the sealer and the default instance; committed when the block ends."""
    engine = create_engine(settings)
    try:
        sealer = await open_sealer(engine, settings)
        instance_keys = await prepare_database(engine, settings, sealer=sealer)
        async with create_sessionmaker(engine)() as session:
            yield session, sealer, instance_keys
            await session.commit()
    finally:
        await engine.dispose()


async def _dotenv_lines(settings: Settings) -> list[str]:
    async with _default_instance(settings) as (session, sealer, instance_keys):
        instance = await load_instance(session, sealer, instance_keys.instance_id)
    return [
        f"CLERK_SECRET_KEY={instance_keys.secret_key}",
        f"CLERK_PUBLISHABLE_KEY={instance.publishable_key}",
        f"CLERK_API_URL={settings.origin}",
        f"CLERK_JWT_KEY={instance.active_signing_key.public_pem_one_line}",
    ]


async def _rotate(settings: Settings) -> str:
    async with _default_instance(settings) as (session, sealer, instance_keys):
        return await rotate_signing_key(session, sealer, instance_id=instance_keys.instance_id)


async def _retire(settings: Settings) -> list[str]:
    async with _default_instance(settings) as (session, _, instance_keys):
        return await retire_signing_keys(session, instance_id=instance_keys.instance_id)
