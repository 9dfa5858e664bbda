"""The `locum` command: `locum serve`, `locum keys` (and `locum keys rotate` / `retire`)."""

import typer

from locum.cli.keys import keys
from locum.cli.serve import serve

cli = typer.Typer(add_completion=False, no_args_is_help=True, help="A self-hostable Clerk Backend API.")
cli.command()(serve)
cli.add_typer(keys, name="keys")


def main() -> None:
    cli()
