"""`locum serve`, in this order: listen on the port (a port in use fails before anything is made),
prepare the database (master key, migrations, default instance, seed), print the banner, record the
state file other commands find the server by (cli/running_server.py), serve; on a clean stop, remove
the state file (and write the --export-on-exit snapshot)."""

import errno
import functools
import gc
import os
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from locum.cli.errors import ConfigurationError, run_on_database
from locum.cli.options import DatabaseUrl, Host, Port, settings_with

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncEngine

    from locum.instances.service import InstanceKeys
    from locum.kit.sealing import Sealer
    from locum.settings import Settings

STOPS = (signal.SIGINT, signal.SIGTERM)
# Connections waiting for uvicorn to accept them (uvicorn's own default backlog).
LISTEN_BACKLOG = 2048
PORT_SETTING = "--port (LOCUM_PORT)"
HOST_SETTING = "--host (LOCUM_HOST)"


def serve(
    host: Host = None,
    port: Port = None,
    database_url: DatabaseUrl = None,
    workers: Annotated[
        int | None, typer.Option(metavar="N", help="Worker processes (env LOCUM_WORKERS) [default: 1]")
    ] = None,
    seed: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="YAML or JSON file of users, organizations, JWT templates and webhook endpoints to create "
            "if missing, before serving (env LOCUM_SEED_FILE)",
            show_default=False,
        ),
    ] = None,
    import_file: Annotated[
        Path | None,
        typer.Option(
            "--import", metavar="FILE", help="Load this snapshot into an empty database", exists=True, dir_okay=False
        ),
    ] = None,
    export_on_exit: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Write a snapshot here on a clean shutdown (SIGINT, SIGTERM)", dir_okay=False
        ),
    ] = None,
) -> None:
    """Run the API server (migrations run first); `--port 0` listens on a free port and prints it."""
    settings = settings_with(host=host, port=port, database_url=database_url, workers=workers, seed_file=seed)
    if (import_file or export_on_exit) and settings.is_memory_database:
        raise typer.BadParameter("snapshots need a file or PostgreSQL database", param_hint="--import")
    if settings.workers > 1 and settings.is_memory_database:
        raise typer.BadParameter("several workers need a file or PostgreSQL database", param_hint="--workers")
    listening = _listen(settings)
    if settings.port == 0:
        settings = settings.model_copy(update={"port": listening.getsockname()[1]})
        typer.echo(f"locum listening on {settings.local_origin}", err=True)
    _run_server(settings, listening, import_file=import_file, export_on_exit=export_on_exit)


def _run_server(
    settings: "Settings", listening: socket.socket, *, import_file: Path | None, export_on_exit: Path | None
) -> None:
    """Everything after the bind: what imports the server happens here, so a mistake found before it
    is reported at once."""
    with _collector_paused():
        from locum.app import announce_start, create_app
        from locum.cli.running_server import RunningServer, forget_server, record_server
        from locum.cli.snapshots import serve_export, serve_import
        from locum.logs import configure_logging

    if settings.seed_file is not None:
        from locum.seeds import SeedError, read_seed_file

        try:
            read_seed_file(settings.seed_file)
        except SeedError as problem:
            raise typer.BadParameter(str(problem), param_hint="--seed") from None
    configure_logging(settings.log_level, settings.log_format)
    if import_file:
        serve_import(settings, import_file)
    # sqlite:///:memory: exists only inside the app's engine: its lifespan prepares it and prints the banner.
    sealer = engine = None
    if not settings.is_memory_database:
        keys, sealer, engine = run_on_database(settings, _prepare(settings))
        announce_start(settings, keys)
    record_server(
        settings.data_dir,
        RunningServer(settings.origin, settings.port, settings.effective_database_url, pid=os.getpid()),
    )
    with _collector_paused():
        # Several workers build an app each, in their own processes.
        app = (
            create_app(settings.model_copy(update={"prepare_database": False}), sealer=sealer, prepared_engine=engine)
            if settings.workers == 1
            else None
        )
    # uvicorn raises the signal that stopped it again once it is done: held back until the state file
    # is removed and the export written.
    received: list[int] = []
    originals = {stop: signal.signal(stop, lambda number, _frame: received.append(number)) for stop in STOPS}
    try:
        _serve(settings, listening, app)
    finally:
        for stop, handler in originals.items():
            signal.signal(stop, handler)
        forget_server(settings.data_dir, os.getpid())
    if export_on_exit:
        serve_export(settings, export_on_exit)
    for number in received:
        signal.raise_signal(number)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Importing the server and building its app make ~250,000 long-lived objects (modules, models,
    routes): the cyclic garbage collector would walk them again and again as they come (~15% of the
    start-up time) and free nothing. Paused meanwhile (not while a snapshot or seed is loaded, whose
    garbage it must collect); then they are frozen out of its later walks."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _serve(settings: "Settings", listening: socket.socket, app: "FastAPI | None") -> None:
    """Serves `app` (one worker), or starts the workers."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if app is not None:
        uvicorn.Server(uvicorn.Config(app, **_server_options(settings))).run(sockets=[listening])
        return
    # Workers are fresh processes: they read their settings from the environment.
    os.environ.update(_worker_environment(settings))
    Multiprocess(workers_config(settings), sockets=[listening]).run()


def workers_config(settings: "Settings") -> "uvicorn.Config":
    import uvicorn

    return uvicorn.Config(
        "locum.app:create_app_from_env",
        factory=True,
        workers=settings.workers,
        timeout_worker_healthcheck=settings.worker_healthcheck_timeout_seconds,
        **_server_options(settings),
    )


def _listen(settings: "Settings") -> socket.socket:
    """The listening socket, bound as uvicorn binds its own (connections wait in its backlog until
    uvicorn accepts them); inherited by worker processes. Port 0: a port the system picks."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    listening = socket.socket(family=family, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((settings.host, settings.port))
    except OSError as error:
        listening.close()
        raise _bind_mistake(settings, error) from None
    listening.listen(LISTEN_BACKLOG)
    listening.set_inheritable(True)
    return listening


def _bind_mistake(settings: "Settings", error: OSError) -> ConfigurationError:
    address = f"{settings.host}:{settings.port}"
    if error.errno == errno.EADDRINUSE:
        return ConfigurationError(
            f"{PORT_SETTING}: {address} is already in use: stop what listens there, "
            "or choose another port (--port 0 picks a free one)"
        )
    if error.errno == errno.EACCES:
        return ConfigurationError(f"{PORT_SETTING}: listening on {address} needs privileges: choose a port above 1023")
    return ConfigurationError(
        f"{HOST_SETTING}: cannot listen on {settings.host} ({error.strerror}): give an address of this machine "
        "(127.0.0.1, or 0.0.0.0 for every interface)"
    )


def _server_options(settings: "Settings") -> dict[str, Any]:
    """uvicorn's options for one worker and for several (whose processes receive them pickled)."""
    from locum.api.http_protocol import HeaderTimeoutProtocol

    return {
        "host": settings.host,
        "port": settings.port,
        "access_log": False,
        "log_config": None,
        "http": functools.partial(HeaderTimeoutProtocol, header_timeout_seconds=settings.header_timeout_seconds),
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
        # locum serves no WebSocket: an upgrade request is answered as the HTTP request it also is,
        # and uvicorn imports no WebSocket library at start.
        "ws": "none",
    }


async def _prepare(settings: "Settings") -> tuple["InstanceKeys", "Sealer", "AsyncEngine"]:
    """The default instance's keys, the sealer checked against the database, and the engine that
    prepared it, its connections closed (they belong to this event loop): the app's, one worker."""
    from locum.app import prepare_database
    from locum.db.engine import create_engine
    from locum.instances.master_key import open_sealer

    engine = create_engine(settings)
    try:
        sealer = await open_sealer(engine, settings)
        return await prepare_database(engine, settings, sealer=sealer, apply_webhook_url=True), sealer, engine
    finally:
        await engine.dispose()


def _worker_environment(settings: "Settings") -> dict[str, str]:
    from locum.api.metrics import worker_metrics_environment

    environment = {
        "LOCUM_HOST": settings.host,
        "LOCUM_PORT": str(settings.port),
        "LOCUM_DATABASE_URL": settings.effective_database_url,
        "LOCUM_DATA_DIR": str(settings.data_dir.resolve()),
        "LOCUM_PREPARE_DATABASE": "false",
        "LOCUM_WORKERS": str(settings.workers),
        "LOCUM_LOG_LEVEL": settings.log_level,
        **worker_metrics_environment(settings),
    }
    if settings.public_url:
        environment["LOCUM_PUBLIC_URL"] = settings.public_url
    return environment
