"""`locum keys`: print the default instance's keys; `rotate` and `retire` its signing keys."""

import asyncio

import typer

from locum.cli.instance import default_instance
from locum.cli.options import DatabaseUrl, Host, Port, settings_with, subcommand_settings
from locum.instances.service import retire_signing_keys, rotate_signing_key
from locum.settings import Settings

# Serving processes recheck their keys every KEYS_RECHECK_SECONDS (instances/registry.py).
PICKUP_NOTE = "running `locum serve` processes pick the change up within a second"

keys = typer.Typer(help="Print the default instance's keys as dotenv lines; rotate or retire its signing keys.")


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
    kid = asyncio.run(_rotate(subcommand_settings(context, host=host, port=port, database_url=database_url)))
    typer.echo(kid)
    typer.echo(f"New signing key {kid}: {PICKUP_NOTE}; `locum keys` prints its CLERK_JWT_KEY.", err=True)


@keys.command()
def retire(context: typer.Context, host: Host = None, port: Port = None, database_url: DatabaseUrl = None) -> None:
    """Remove every signing key but the newest (tokens they signed stop verifying); print their kids."""
    retired = asyncio.run(_retire(subcommand_settings(context, host=host, port=port, database_url=database_url)))
    for kid in retired:
        typer.echo(kid)
    typer.echo(f"Retired {len(retired)} signing key(s): {PICKUP_NOTE}." if retired else "Nothing to retire.", err=True)


async def _dotenv_lines(settings: Settings) -> list[str]:
    async with default_instance(settings) as default:
        instance = default.context.instance
    return [
        f"CLERK_SECRET_KEY={default.keys.secret_key}",
        f"CLERK_PUBLISHABLE_KEY={instance.publishable_key}",
        f"CLERK_API_URL={settings.origin}",
        f"CLERK_JWT_KEY={instance.active_signing_key.public_pem_one_line}",
    ]


async def _rotate(settings: Settings) -> str:
    async with default_instance(settings) as default:
        return await rotate_signing_key(default.session, default.sealer, instance_id=default.keys.instance_id)


async def _retire(settings: Settings) -> list[str]:
    async with default_instance(settings) as default:
        return await retire_signing_keys(default.session, instance_id=default.keys.instance_id)
