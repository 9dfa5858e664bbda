"""The `locum` command: `locum serve`, `locum worker` (webhook and email delivery), `locum keys` (and
`locum keys rotate` / `retire`), `locum instances` (create / list), `locum webhooks` (add / list /
remove endpoints), `locum billing plans` (create / list), `locum import-clerk-users` (Clerk's user CSV export),
`locum export` / `locum import` (snapshots), `locum reset` (clear an instance's data)."""

import typer

from locum.cli.billing import billing
from locum.cli.import_clerk_users import import_clerk_users_command
from locum.cli.instances import instances
from locum.cli.keys import keys
from locum.cli.reset import reset
from locum.cli.serve import serve
from locum.cli.snapshots import export, import_
from locum.cli.webhooks import webhooks
from locum.cli.worker import worker
from locum.instances.master_key import MasterKeyRefused

cli = typer.Typer(add_completion=False, no_args_is_help=True, help="A self-hostable Clerk Backend API.")
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


def main() -> None:
    try:
        cli()
    except MasterKeyRefused as refusal:
        # One line, no traceback: the message says which key is wrong and what to do.
        typer.echo(f"Error: {refusal}", err=True)
        raise SystemExit(1) from None
