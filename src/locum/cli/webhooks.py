"""`locum webhooks`: add, list and remove the default instance's webhook endpoints."""

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from locum.cli.errors import run_on_database
from locum.cli.options import ServerDatabaseUrl, subcommand_settings
from locum.cli.tables import table

if TYPE_CHECKING:
    from locum.kit.json_types import JSON
    from locum.settings import Settings

webhooks = typer.Typer(
    help="The default instance's webhook endpoints (LOCUM_WEBHOOK_URL adds one more at `locum serve`).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

# What each service parameter is called on the command line, for error messages.
OPTION_NAMES = {"url": "URL", "event_types": "--events", "secret": "--secret", "description": "--description"}
LIST_COLUMNS = ("ID", "URL", "EVENTS", "ENABLED", "SECRET")
ALL_EVENTS = "*"
# Shown in place of what a stored endpoint holds but this locum cannot read.
UNREADABLE_EVENTS = "(unreadable: set them again)"
UNSEALABLE_SECRET = "(sealed with another master key: rotate it)"

Events = Annotated[
    str | None,
    typer.Option(
        "--events",
        metavar="TYPES",
        help="Comma-separated event types, e.g. user.created,user.updated [default: all]",
        show_default=False,
    ),
]
Secret = Annotated[
    str | None,
    typer.Option(
        metavar="SECRET", help="A fixed whsec_… signing secret [default: a new random one]", show_default=False
    ),
]
Description = Annotated[
    str | None, typer.Option(metavar="TEXT", help="A note shown beside the endpoint", show_default=False)
]

Result = TypeVar("Result")


@webhooks.callback()
def options(context: typer.Context, database_url: ServerDatabaseUrl = None) -> None:
    context.obj = {"database_url": database_url}


def _run(settings: "Settings", work: Coroutine[Any, Any, Result]) -> Result:
    """Run a coroutine on the database; a refusal from the service becomes a usage error naming the
    option at fault."""
    from locum.api.errors import ClerkError

    try:
        return run_on_database(settings, work)
    except ClerkError as error:
        if error.status == 404:
            typer.echo(f"Error: {error.long_message}", err=True)
            raise typer.Exit(1) from None
        param = str((error.meta or {}).get("param_name", ""))
        raise typer.BadParameter(error.long_message, param_hint=OPTION_NAMES.get(param, param)) from None


@webhooks.command()
def add(
    context: typer.Context,
    url: Annotated[
        str, typer.Argument(metavar="URL", help="Where to POST the events (http:// or https://, localhost is fine)")
    ],
    events: Events = None,
    secret: Secret = None,
    description: Description = None,
    database_url: ServerDatabaseUrl = None,
) -> None:
    """Add an endpoint; print its id and its signing secret (CLERK_WEBHOOK_SIGNING_SECRET for @clerk/backend)."""
    event_types = [name.strip() for name in events.split(",") if name.strip()] if events else None
    settings = subcommand_settings(context, database_url=database_url)
    endpoint = _run(settings, _add(settings, url=url, event_types=event_types, secret=secret, description=description))
    typer.echo(endpoint["id"])
    typer.echo(endpoint["secret"])
    typer.echo(f"Added {endpoint['url']}: `locum serve` delivers to it, signed with the secret above.", err=True)


@webhooks.command(name="list")
def list_endpoints(context: typer.Context, database_url: ServerDatabaseUrl = None) -> None:
    """Print the endpoints, newest first, with their signing secrets."""
    settings = subcommand_settings(context, database_url=database_url)
    endpoints = _run(settings, _list(settings))
    if not endpoints:
        typer.echo("No webhook endpoints.", err=True)
        return
    for line in table(LIST_COLUMNS, [_row(endpoint) for endpoint in endpoints]):
        typer.echo(line)


@webhooks.command()
def remove(
    context: typer.Context,
    endpoint_id: Annotated[str, typer.Argument(metavar="ID", help="The endpoint's id (ep_…), as `list` prints it")],
    database_url: ServerDatabaseUrl = None,
) -> None:
    """Remove an endpoint, with its pending deliveries and its delivery history."""
    settings = subcommand_settings(context, database_url=database_url)
    _run(settings, _remove(settings, endpoint_id=endpoint_id))
    typer.echo(f"Removed {endpoint_id}.", err=True)


def _row(endpoint: "JSON") -> tuple[str, ...]:
    reason = endpoint["disabled_reason"]
    enabled = "yes" if endpoint["enabled"] else f"no ({reason})" if reason else "no"
    event_types, secret = endpoint["event_types"], endpoint["secret"]
    events = UNREADABLE_EVENTS if event_types is None else ",".join(event_types) or ALL_EVENTS
    return endpoint["id"], endpoint["url"], events, enabled, UNSEALABLE_SECRET if secret is None else secret


async def _add(
    settings: "Settings", *, url: str, event_types: list[str] | None, secret: str | None, description: str | None
) -> "JSON":
    from locum.cli.instance import command_instance
    from locum.resources.webhook_endpoints import service

    async with command_instance(settings) as default:
        return await service.create_endpoint(
            default.session,
            default.context,
            sealer=default.sealer,
            url=url,
            event_types=event_types,
            description=description,
            secret=secret,
            source="cli",
        )


async def _list(settings: "Settings") -> list["JSON"]:
    from locum.cli.instance import command_instance
    from locum.resources.webhook_endpoints import service

    async with command_instance(settings) as default:
        return await service.all_endpoints(default.session, default.context, sealer=default.sealer)


async def _remove(settings: "Settings", *, endpoint_id: str) -> None:
    from locum.cli.instance import command_instance
    from locum.resources.webhook_endpoints import service

    async with command_instance(settings) as default:
        await service.delete_endpoint(default.session, default.context, endpoint_id=endpoint_id)
