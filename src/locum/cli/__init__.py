"""The `locum` command: `locum serve`, `locum worker` (webhook and email delivery), `locum keys` (and
`locum keys rotate` / `retire`), `locum instances` (create / list), `locum webhooks` (add / list /
remove endpoints), `locum billing plans` (create / list), `locum import-clerk-users` (Clerk's user CSV export),
`locum export` / `locum import` (snapshots), `locum reset` (clear an instance's data).

`locum --help` must answer at once, so the command modules import the server (FastAPI, SQLAlchemy,
pydantic) inside the functions that need it, and help is plain text (`rich_markup_mode=None` on every
Typer: Rich's import alone costs more than the rest of the help).
"""

from typing import Annotated

import typer

from locum import __version__
from locum.cli.billing import billing
from locum.cli.errors import failure_lines
from locum.cli.import_clerk_users import import_clerk_users_command
from locum.cli.instances import instances
from locum.cli.keys import keys
from locum.cli.reset import reset
from locum.cli.serve import serve
from locum.cli.snapshots import export, import_
from locum.cli.webhooks import webhooks
from locum.cli.worker import worker

cli = typer.Typer(
    add_completion=False, no_args_is_help=True, help="A self-hostable Clerk Backend API.", rich_markup_mode=None
)
cli.command()(serve)
cli.command()(worker)
cli.command("import-clerk-users")(import_clerk_users_command)
cli.command(name="export")(export)
cli.command(name="import")(import_)
cli.command()(reset)
cli.add_typer(keys, name="keys")
cli.add_typer(instances, name="instances")
cli.add_typer(webhooks, name="webhooks")
cli.add_typer(billing, name="billing")


def _print_version(given: bool) -> None:
    if given:
        typer.echo(f"locum {__version__}")
        raise typer.Exit()


@cli.callback()
def options(
    version: Annotated[
        bool, typer.Option("--version", help="Print locum's version and exit", callback=_print_version, is_eager=True)
    ] = False,
) -> None:
    """A self-hostable Clerk Backend API."""


def main() -> None:
    try:
        cli()
    except Exception as error:
        failure = failure_lines(error)
        if failure is None:
            raise
        lines, exit_code = failure
        for line in lines:
            typer.echo(f"Error: {line}", err=True)
        raise SystemExit(exit_code) from None
