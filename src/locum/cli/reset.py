"""`locum reset`: clear an instance's data (the default one's unless --instance), keeping its keys
and configuration, as `POST /locum/reset` does; development instances only."""

from typing import TYPE_CHECKING

import typer

from locum.cli.errors import run_on_database
from locum.cli.keys import Instance
from locum.cli.options import ServerDatabaseUrl, server_settings

if TYPE_CHECKING:
    from locum.settings import Settings


def reset(database_url: ServerDatabaseUrl = None, instance: Instance = None) -> None:
    """Delete an instance's users, organizations, sessions, tokens, billing, messages, events…
    (development instances only); its keys and configuration stay. Running servers see it at once."""
    from locum.api.environments import DEVELOPMENT_ONLY
    from locum.api.errors import ClerkError

    settings = server_settings(database_url=database_url)
    try:
        outcome = run_on_database(settings, _reset(settings, instance_id=instance))
    except ClerkError as error:
        typer.echo(f"Error: {error.long_message} (`locum instances list` lists the instances)", err=True)
        raise typer.Exit(1) from None
    if outcome is None:
        typer.echo(f"Error: {DEVELOPMENT_ONLY}", err=True)
        raise typer.Exit(1)
    instance_id, deleted = outcome
    typer.echo(f"Reset instance {instance_id}: {deleted} rows deleted; its keys and configuration are kept.", err=True)


async def _reset(settings: "Settings", *, instance_id: str | None) -> tuple[str, int] | None:
    """(the instance's id, rows deleted), or None for a production instance (left as it was)."""
    from locum.cli.instance import command_instance
    from locum.db.instance_data import clear_instance_data
    from locum.kit.keys import DEVELOPMENT

    async with command_instance(settings, instance_id) as chosen:
        if chosen.context.instance.environment_type != DEVELOPMENT:
            return None
        # The reset is a transaction of its own: the session's (which read the instance) ends first.
        await chosen.session.commit()
        return chosen.context.instance_id, await clear_instance_data(chosen.engine, chosen.context.instance_id)
