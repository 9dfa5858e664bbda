"""`locum worker`: webhook delivery as a process of its own, beside `locum serve` or several of them.

It does not migrate the database (`locum serve` does, once): until the schema exists it logs the
error and retries. It needs the server's master key (LOCUM_MASTER_KEY, or LOCUM_DATA_DIR where
`locum serve` keeps it) to unseal the endpoints' signing secrets. SIGTERM and SIGINT stop it
gracefully: attempts in flight get a few seconds to finish, the rest are given back to the queue.
"""

import logging
import signal
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import typer

from locum.cli.errors import run_on_database
from locum.cli.options import DatabaseUrl, settings_with

if TYPE_CHECKING:
    from locum.settings import Settings

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
MEMORY_DATABASE_REFUSAL = "a worker delivers from the server's database: give a file or PostgreSQL one"
NO_MASTER_KEY = "no master key to unseal endpoint secrets with: the server's data directory holds it"

logger = logging.getLogger("locum")


def worker(database_url: DatabaseUrl = None) -> None:
    """Deliver webhooks (fan out new events, send due deliveries, retry) until SIGTERM or Ctrl-C."""
    settings = settings_with(database_url=database_url)
    if settings.is_memory_database:
        raise typer.BadParameter(MEMORY_DATABASE_REFUSAL, param_hint="--database-url")
    # A worker must use the server's key: a new one would unseal nothing.
    if not settings.master_key and not settings.master_key_file.exists():
        raise typer.BadParameter(NO_MASTER_KEY, param_hint="LOCUM_DATA_DIR or LOCUM_MASTER_KEY")
    run_on_database(settings, _deliver(settings), runner=_event_loop_runner())


def _event_loop_runner() -> Callable[[Coroutine[Any, Any, None]], None]:
    import asyncio

    try:
        # The loop `locum serve` runs on too (uvicorn's); ~15% less time a delivery than asyncio's own.
        from uvloop import run
    except ImportError:  # uvicorn[standard] brings uvloop everywhere but on Windows
        return asyncio.run
    return run


async def _deliver(settings: "Settings") -> None:
    import asyncio

    from locum.app import run_worker
    from locum.db.engine import create_engine, create_sessionmaker
    from locum.db.reads import open_reader
    from locum.instances.master_key import open_sealer
    from locum.logs import configure_logging

    # Once the server's modules are imported: alembic logs its plugins' set-up as it is imported.
    configure_logging(settings.log_level, settings.log_format)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in STOP_SIGNALS:
        loop.add_signal_handler(stop_signal, stop.set)
    engine = create_engine(settings)
    try:
        sealer = await open_sealer(engine, settings, may_create_key=False)
        logger.info("locum worker is delivering webhooks from %s", engine.url.render_as_string(hide_password=True))
        reader = await open_reader(settings, engine)
        try:
            await run_worker(create_sessionmaker(engine), sealer, settings, reader=reader, stop=stop)
        finally:
            await reader.close()
    finally:
        await engine.dispose()
