import asyncio
import functools
import os
import signal
import socket
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from uvicorn.supervisors import Multiprocess

from locum.api.http_protocol import HeaderTimeoutProtocol
from locum.api.metrics import worker_metrics_environment
from locum.app import create_app, prepare_database, startup_banner
from locum.cli.options import DatabaseUrl, Host, Port, settings_with
from locum.cli.snapshots import serve_export, serve_import
from locum.db.engine import create_engine
from locum.instances.master_key import open_sealer
from locum.instances.service import InstanceKeys
from locum.logs import configure_logging
from locum.seeds import SeedError, read_seed_file
from locum.settings import Settings

STOPS = (signal.SIGINT, signal.SIGTERM)


def serve(
    host: Host = None,
    port: Port = None,
    database_url: DatabaseUrl = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (env LOCUM_WORKERS) \\[default: 1]", min=1)
    ] = None,
    seed: Annotated[
        Path | None,
        typer.Option(
            help="YAML or JSON file of users, organizations, JWT templates and webhook endpoints to create "
            "if missing, before serving (env LOCUM_SEED_FILE)",
            show_default=False,
        ),
    ] = None,
    import_file: Annotated[
        Path | None,
        typer.Option("--import", help="Load this snapshot into an empty database", exists=True, dir_okay=False),
    ] = None,
    export_on_exit: Annotated[
        Path | None, typer.Option(help="Write a snapshot here on a clean shutdown (SIGINT, SIGTERM)", dir_okay=False)
    ] = None,
) -> None:
    """Run the API server (migrations run first); `--port 0` listens on a free port and prints it."""
    settings = settings_with(host=host, port=port, database_url=database_url, workers=workers, seed_file=seed)
    if settings.seed_file is not None:
        try:
            read_seed_file(settings.seed_file)
        except SeedError as problem:
            raise typer.BadParameter(str(problem), param_hint="--seed") from None
    configure_logging(settings.log_level, settings.log_format)
    if (import_file or export_on_exit) and settings.is_memory_database:
        raise typer.BadParameter("snapshots need a file or PostgreSQL database", param_hint="--import")
    if import_file:
        serve_import(settings, import_file)
    if not export_on_exit:
        _serve(settings)
        return
    # uvicorn raises the signal that stopped it again once it is done: held back until the export is written.
    received: list[int] = []
    originals = {stop: signal.signal(stop, lambda number, _frame: received.append(number)) for stop in STOPS}
    try:
        _serve(settings)
    finally:
        for stop, handler in originals.items():
            signal.signal(stop, handler)
    serve_export(settings, export_on_exit)
    for number in received:
        signal.raise_signal(number)


def _serve(settings: Settings) -> None:
    if settings.workers > 1 and settings.is_memory_database:
        raise typer.BadParameter("several workers need a file or PostgreSQL database", param_hint="--workers")
    # Port 0: the socket is bound here, so the banner and every URL locum renders carry the real port.
    listening = _listen_on_free_port(settings) if settings.port == 0 else None
    if listening is not None:
        settings = settings.model_copy(update={"port": listening.getsockname()[1]})
        typer.echo(f"locum listening on http://{settings.host}:{settings.port}", err=True)
    if settings.workers == 1:
        if not settings.is_memory_database:
            # Refused here, before uvicorn runs the app: its start-up failures come with a traceback.
            asyncio.run(_check_master_key(settings))
        if listening is None:
            uvicorn.run(create_app(settings), **_server_options(settings))
        else:
            uvicorn.Server(uvicorn.Config(create_app(settings), **_server_options(settings))).run(sockets=[listening])
        return
    keys = asyncio.run(_prepare(settings))
    typer.echo(startup_banner(settings, keys), err=True)
    # Workers are fresh processes: they read their settings from the environment.
    os.environ.update(_worker_environment(settings))
    options = {"factory": True, "workers": settings.workers, **_server_options(settings)}
    if listening is None:
        uvicorn.run("locum.app:create_app_from_env", **options)
    else:
        Multiprocess(uvicorn.Config("locum.app:create_app_from_env", **options), sockets=[listening]).run()


def _listen_on_free_port(settings: Settings) -> socket.socket:
    """A listening socket on a port the system picked (connections wait in its backlog until uvicorn
    accepts them), bound as uvicorn binds its own; inherited by worker processes."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    listening = socket.socket(family=family, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((settings.host, 0))
    except OSError as error:
        listening.close()
        raise typer.BadParameter(f"cannot listen on {settings.host}: {error.strerror}", param_hint="--host") from None
    listening.listen()
    listening.set_inheritable(True)
    return listening


def _server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for one worker and for several (whose processes receive them pickled)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "access_log": False,
        "log_config": None,
        "http": functools.partial(HeaderTimeoutProtocol, header_timeout_seconds=settings.header_timeout_seconds),
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
    }


async def _check_master_key(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        await open_sealer(engine, settings)
    finally:
        await engine.dispose()


async def _prepare(settings: Settings) -> InstanceKeys:
    engine = create_engine(settings)
    try:
        sealer = await open_sealer(engine, settings)
        return await prepare_database(engine, settings, sealer=sealer, apply_webhook_url=True)
    finally:
        await engine.dispose()


def _worker_environment(settings: Settings) -> dict[str, str]:
    environment = {
        "LOCUM_HOST": settings.host,
        "LOCUM_PORT": str(settings.port),
        "LOCUM_DATABASE_URL": settings.effective_database_url,
        "LOCUM_DATA_DIR": str(settings.data_dir.resolve()),
        "LOCUM_PREPARE_DATABASE": "false",
        "LOCUM_LOG_LEVEL": settings.log_level,
        **worker_metrics_environment(settings),
    }
    if settings.public_url:
        environment["LOCUM_PUBLIC_URL"] = settings.public_url
    return environment
