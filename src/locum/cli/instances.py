"""`locum instances`: create another instance (development or production) and list them.

Each instance is a Clerk application environment of its own: its own secret and publishable keys,
signing keys, settings and data. A running `locum serve` accepts a new instance's secret key at
once (it looks keys it does not know up in the database).
"""

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from locum.cli.errors import run_on_database
from locum.cli.keys import dotenv_lines
from locum.cli.options import ServerDatabaseUrl, server_settings
from locum.cli.tables import table

if TYPE_CHECKING:
    from locum.kit.json_types import JSON
    from locum.settings import Settings

LIST_COLUMNS = ("ID", "ENVIRONMENT", "DEFAULT", "PUBLISHABLE KEY")

instances = typer.Typer(
    help="Create and list instances (each with its own keys, settings and data).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


@instances.command()
def create(
    environment: Annotated[
        Environment,
        typer.Option(
            metavar="ENVIRONMENT",
            help="development (sk_test_ keys) or production (sk_live_ keys)",
            case_sensitive=False,
        ),
    ] = Environment.DEVELOPMENT,
    database_url: ServerDatabaseUrl = None,
) -> None:
    """Create an instance; print its id (as a comment) and its keys as dotenv lines."""
    settings = server_settings(database_url=database_url)
    created = run_on_database(settings, _create(settings, environment_type=environment.value))
    typer.echo(f"# {created['id']} ({created['environment_type']})")
    for line in dotenv_lines(created):
        typer.echo(line)
    typer.echo(
        f"Created {created['environment_type']} instance {created['id']}: running `locum serve` processes "
        f"accept its secret key now; `locum keys --instance {created['id']}` prints its keys again.",
        err=True,
    )


@instances.command(name="list")
def list_instances(database_url: ServerDatabaseUrl = None) -> None:
    """Print every instance, oldest first (the default one is the first `locum serve` made)."""
    settings = server_settings(database_url=database_url)
    rows = [
        (
            instance["id"],
            instance["environment_type"],
            "yes" if instance["is_default"] else "no",
            instance["publishable_key"],
        )
        for instance in run_on_database(settings, _list(settings))
    ]
    for line in table(LIST_COLUMNS, rows):
        typer.echo(line)


async def _create(settings: "Settings", *, environment_type: str) -> "JSON":
    from locum.cli.instance import command_instance
    from locum.resources.locum_instances import service

    async with command_instance(settings) as default:
        return await service.create_instance(
            default.session, default.context, default.sealer, environment_type=environment_type
        )


async def _list(settings: "Settings") -> list["JSON"]:
    from locum.cli.instance import command_instance
    from locum.resources.locum_instances import service

    async with command_instance(settings) as default:
        return await service.all_instances(default.session, default.context)
