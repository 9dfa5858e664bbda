"""`locum keys`: print an instance's keys (the default one's unless --instance); `rotate` and `retire`
its signing keys. They act on the running server's database (cli/running_server.py)."""

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from locum.cli.errors import run_on_database
from locum.cli.options import ServerDatabaseUrl, ServerHost, ServerPort, server_settings, subcommand_settings

if TYPE_CHECKING:
    from locum.kit.json_types import JSON
    from locum.settings import Settings

# Serving processes recheck their keys every KEYS_RECHECK_SECONDS (instances/registry.py).
PICKUP_NOTE = "running `locum serve` processes pick the change up within a second"

Instance = Annotated[
    str | None,
    typer.Option(
        "--instance",
        metavar="ID",
        help="The instance (ins_…, as `locum instances list` prints it) [default: the default instance]",
        show_default=False,
    ),
]

keys = typer.Typer(
    help="Print an instance's keys as dotenv lines; rotate or retire its signing keys.", rich_markup_mode=None
)

Result = TypeVar("Result")


def _run(settings: "Settings", work: Coroutine[Any, Any, Result]) -> Result:
    """Run a coroutine on the database; an unknown instance is an error message, not a traceback."""
    from locum.api.errors import ClerkError

    try:
        return run_on_database(settings, work)
    except ClerkError as error:
        typer.echo(f"Error: {error.long_message} (`locum instances list` lists the instances)", err=True)
        raise typer.Exit(1) from None


@keys.callback(invoke_without_command=True)
def show(
    context: typer.Context,
    host: ServerHost = None,
    port: ServerPort = None,
    database_url: ServerDatabaseUrl = None,
    instance: Instance = None,
) -> None:
    """Print an instance's keys as dotenv lines (the default instance's unless --instance):
    `locum keys > .env` then `set -a; source .env`."""
    if context.invoked_subcommand is not None:
        context.obj = {"host": host, "port": port, "database_url": database_url}
        return
    settings = server_settings(host=host, port=port, database_url=database_url)
    for line in dotenv_lines(_run(settings, _keys(settings, instance_id=instance))):
        typer.echo(line)


@keys.command()
def rotate(
    context: typer.Context,
    host: ServerHost = None,
    port: ServerPort = None,
    database_url: ServerDatabaseUrl = None,
    instance: Instance = None,
) -> None:
    """Add a signing key and sign with it; tokens signed by older keys verify until `locum keys retire`."""
    settings = subcommand_settings(context, host=host, port=port, database_url=database_url)
    instance_id = _subcommand_instance(context, instance)
    kid = _run(settings, _rotate(settings, instance_id=instance_id))
    typer.echo(kid)
    show_keys = f"locum keys --instance {instance_id}" if instance_id else "locum keys"
    typer.echo(f"New signing key {kid}: {PICKUP_NOTE}; `{show_keys}` prints its CLERK_JWT_KEY.", err=True)


@keys.command()
def retire(
    context: typer.Context,
    host: ServerHost = None,
    port: ServerPort = None,
    database_url: ServerDatabaseUrl = None,
    instance: Instance = None,
) -> None:
    """Remove every signing key but the newest (tokens they signed stop verifying); print their kids."""
    settings = subcommand_settings(context, host=host, port=port, database_url=database_url)
    instance_id = _subcommand_instance(context, instance)
    retired = _run(settings, _retire(settings, instance_id=instance_id))
    for kid in retired:
        typer.echo(kid)
    typer.echo(f"Retired {len(retired)} signing key(s): {PICKUP_NOTE}." if retired else "Nothing to retire.", err=True)


def dotenv_lines(instance_keys: "JSON") -> list[str]:
    """What an app's .env needs to use the instance (service.instance_keys' answer)."""
    from locum.kit.dotenv import dotenv_line
    from locum.kit.jwt_signing import pem_one_line

    return [
        dotenv_line("CLERK_SECRET_KEY", instance_keys["secret_key"]),
        dotenv_line("CLERK_PUBLISHABLE_KEY", instance_keys["publishable_key"]),
        dotenv_line("CLERK_API_URL", instance_keys["api_url"]),
        dotenv_line("CLERK_JWT_KEY", pem_one_line(instance_keys["jwt_key"])),
    ]


def _subcommand_instance(context: typer.Context, instance: str | None) -> str | None:
    """The instance of `rotate`/`retire`: --instance after the subcommand, else before it."""
    given_before: str | None = context.parent.params.get("instance") if context.parent else None
    return instance or given_before


async def _keys(settings: "Settings", *, instance_id: str | None) -> "JSON":
    from locum.cli.instance import command_instance
    from locum.resources.locum_instances import service as instances

    async with command_instance(settings, instance_id) as chosen:
        return await instances.instance_keys(chosen.session, chosen.context, chosen.sealer)


async def _rotate(settings: "Settings", *, instance_id: str | None) -> str:
    from locum.cli.instance import command_instance
    from locum.instances.service import rotate_signing_key

    async with command_instance(settings, instance_id) as chosen:
        return await rotate_signing_key(chosen.session, chosen.sealer, instance_id=chosen.context.instance_id)


async def _retire(settings: "Settings", *, instance_id: str | None) -> list[str]:
    from locum.cli.instance import command_instance
    from locum.instances.service import retire_signing_keys

    async with command_instance(settings, instance_id) as chosen:
        return await retire_signing_keys(chosen.session, instance_id=chosen.context.instance_id)
