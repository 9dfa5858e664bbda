import asyncio

import typer

from locum.app import prepare_database, sealer_for
from locum.cli.options import DatabaseUrl, Host, Port, settings_with
from locum.db.engine import create_engine, create_sessionmaker
from locum.instances.registry import load_instance
from locum.settings import Settings


def keys(host: Host = None, port: Port = None, database_url: DatabaseUrl = None) -> None:
    """Print the default instance's keys as dotenv lines."""
    settings = settings_with(host=host, port=port, database_url=database_url)
    for line in asyncio.run(_dotenv_lines(settings)):
        typer.echo(line)


async def _dotenv_lines(settings: Settings) -> list[str]:
    engine = create_engine(settings)
    try:
        keys = await prepare_database(engine, settings)
        async with create_sessionmaker(engine)() as session:
            instance = await load_instance(session, sealer_for(settings), keys.instance_id)
    finally:
        await engine.dispose()
    return [
        f"CLERK_SECRET_KEY={keys.secret_key}",
        f"CLERK_PUBLISHABLE_KEY={instance.publishable_key}",
        f"CLERK_API_URL={settings.origin}",
        f"CLERK_JWT_KEY={instance.active_signing_key.public_pem_one_line}",
    ]
