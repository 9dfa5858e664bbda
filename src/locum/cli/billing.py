"""`locum billing plans create / list`: the plans Clerk's dashboard defines, straight in the database
(like `locum instances`); a running `locum serve` lists them at once."""

from collections.abc import Coroutine
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from locum.cli.errors import run_on_database
from locum.cli.keys import Instance
from locum.cli.options import ServerDatabaseUrl, server_settings
from locum.cli.tables import table

if TYPE_CHECKING:
    from locum.kit.json_types import JSON
    from locum.resources.billing.schemas import CreatePlanBody
    from locum.settings import Settings

LIST_COLUMNS = ("ID", "SLUG", "PAYER", "NAME", "MONTHLY", "ANNUAL/MO", "TRIAL", "DEFAULT", "FEATURES")
# What each body field is called on the command line, for error messages.
OPTION_NAMES = {
    "name": "NAME",
    "slug": "--slug",
    "payer_type": "--payer-type",
    "monthly_fee": "--monthly-fee",
    "annual_monthly_fee": "--annual-monthly-fee",
    "free_trial_days": "--free-trial-days",
    "is_default": "--default",
    "features": "--feature",
    "description": "--description",
}

Result = TypeVar("Result")

billing = typer.Typer(help="Clerk Billing: the plans payers subscribe to.", no_args_is_help=True, rich_markup_mode=None)
plans = typer.Typer(help="Create and list billing plans.", no_args_is_help=True, rich_markup_mode=None)
billing.add_typer(plans, name="plans")


class PayerType(StrEnum):
    USER = "user"
    ORG = "org"


def _run(settings: "Settings", work: Coroutine[Any, Any, Result]) -> Result:
    from locum.api.errors import ClerkError

    try:
        return run_on_database(settings, work)
    except ClerkError as error:
        if error.status == 404:
            typer.echo(f"Error: {error.long_message}", err=True)
            raise typer.Exit(1) from None
        param = str((error.meta or {}).get("param_name", ""))
        raise typer.BadParameter(error.long_message, param_hint=OPTION_NAMES.get(param, param)) from None


@plans.command()
def create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The plan's name, e.g. Pro")],
    slug: Annotated[str, typer.Option(metavar="SLUG", help="Its key in has({plan}) and the pla claim, e.g. pro")],
    payer_type: Annotated[
        PayerType, typer.Option(metavar="PAYER", help="Who subscribes: user or org")
    ] = PayerType.USER,
    monthly_fee: Annotated[int, typer.Option(metavar="CENTS", help="Cents a month (0, or at least 100)")] = 0,
    annual_monthly_fee: Annotated[
        int | None,
        typer.Option(
            metavar="CENTS", help="Cents a month when paid yearly [default: the monthly fee]", show_default=False
        ),
    ] = None,
    free_trial_days: Annotated[
        int | None, typer.Option(metavar="DAYS", help="Days of free trial", show_default=False)
    ] = None,
    default: Annotated[bool, typer.Option("--default", help="The free plan every payer falls back to")] = False,
    hidden: Annotated[bool, typer.Option("--hidden", help="Not publicly visible")] = False,
    feature: Annotated[
        list[str] | None, typer.Option(metavar="SLUG", help="A feature slug (repeat the option for more)")
    ] = None,
    description: Annotated[str, typer.Option(metavar="TEXT", help="A description")] = "",
    instance: Instance = None,
    database_url: ServerDatabaseUrl = None,
) -> None:
    """Create a plan; print its id."""
    from pydantic import ValidationError

    from locum.resources.billing.schemas import CreatePlanBody

    try:
        body = CreatePlanBody.model_validate(
            {
                "name": name,
                "slug": slug,
                "payer_type": payer_type.value,
                "monthly_fee": monthly_fee,
                "annual_monthly_fee": annual_monthly_fee,
                "free_trial_days": free_trial_days,
                "is_default": default,
                "publicly_visible": not hidden,
                "features": feature or [],
                "description": description,
            }
        )
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        raise typer.BadParameter(first["msg"], param_hint=OPTION_NAMES.get(field, field)) from None
    settings = server_settings(database_url=database_url)
    plan = _run(settings, _create(settings, instance, body))
    typer.echo(plan["id"])


@plans.command(name="list")
def list_plans(
    payer_type: Annotated[
        PayerType | None, typer.Option(metavar="PAYER", help="Only user or org plans", show_default=False)
    ] = None,
    instance: Instance = None,
    database_url: ServerDatabaseUrl = None,
) -> None:
    """Print the plans, newest first."""
    settings = server_settings(database_url=database_url)
    listed = _run(settings, _list(settings, instance, payer_type.value if payer_type else None))
    if not listed:
        typer.echo("No billing plans (`locum billing plans create` makes one).", err=True)
        return
    rows = [
        (
            plan["id"],
            plan["slug"],
            plan["for_payer_type"],
            plan["name"],
            str(plan["fee"]["amount"]),
            str(plan["annual_monthly_fee"]["amount"]),
            str(plan["free_trial_days"] or "-"),
            "yes" if plan["is_default"] else "no",
            ",".join(feature["slug"] for feature in plan["features"]) or "-",
        )
        for plan in listed
    ]
    for line in table(LIST_COLUMNS, rows):
        typer.echo(line)


async def _create(settings: "Settings", instance_id: str | None, body: "CreatePlanBody") -> "JSON":
    from locum.cli.instance import command_instance
    from locum.resources.billing import plans as service

    async with command_instance(settings, instance_id) as command:
        return await service.create_plan(command.session, command.context, body=body)


async def _list(settings: "Settings", instance_id: str | None, payer_type: str | None) -> list["JSON"]:
    from locum.cli.instance import command_instance
    from locum.resources.billing import plans as service

    async with command_instance(settings, instance_id) as command:
        return await service.all_plans(command.session, command.context, payer_type=payer_type)
