"""How the commands find the server: `locum serve` keeps a state file in its data directory while it
runs (where clients reach it, the port it bound, its database, its pid), and the commands acting on
its data (`locum keys`, `instances`, `webhooks`, …) read it from LOCUM_DATA_DIR (default ./.locum).

The file is private to the user (0600: a PostgreSQL URL may carry a password) and holds no key. It is
removed when the server stops; after a crash the pid it names is gone and the file is ignored.
"""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from locum.cli.errors import DATABASE_SETTING, CommandRefused, ConfigurationError
from locum.settings import MEMORY_SQLITE_URL, Settings

STATE_FILE_NAME = "serve.json"
PRIVATE_FILE_MODE = 0o600


@dataclass(frozen=True)
class RunningServer:
    # Where clients reach it (CLERK_API_URL): loopback for a server listening on every interface.
    origin: str
    port: int
    database_url: str
    pid: int


def record_server(data_dir: Path, server: RunningServer) -> None:
    """Write the state file (whole: written beside it, then renamed into place)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    draft = data_dir / f".{STATE_FILE_NAME}.{server.pid}"
    with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE), "w") as file:
        json.dump(asdict(server), file)
    draft.replace(data_dir / STATE_FILE_NAME)


def forget_server(data_dir: Path, pid: int) -> None:
    """Remove the state file if it still names `pid` (another server may have started here since)."""
    recorded = _recorded_server(data_dir)
    if recorded is not None and recorded.pid == pid:
        (data_dir / STATE_FILE_NAME).unlink(missing_ok=True)


def running_server(data_dir: Path) -> RunningServer | None:
    """The server the state file names, if its process is still alive."""
    server = _recorded_server(data_dir)
    return server if server is not None and _alive(server.pid) else None


def locate(settings: Settings, *, address_given: bool) -> Settings:
    """The settings of a command acting on the server's data: the running server's database and
    address, unless another database is named (or --host/--port give the address). Refuses rather
    than create a new instance where there is no database."""
    server = running_server(settings.data_dir)
    if server is not None and settings.database_url in ("", server.database_url):
        if server.database_url == MEMORY_SQLITE_URL:
            raise CommandRefused(
                f"the locum serve running from {settings.data_dir.resolve()} (pid {server.pid}) keeps its database "
                "in memory, out of other processes' reach: its keys are in its start-up banner "
                "(LOCUM_SECRET_KEY chooses the secret key it starts with)"
            )
        update: dict[str, object] = {"database_url": server.database_url}
        if not address_given and not settings.public_url:
            update["public_url"] = server.origin
        return settings.model_copy(update=update)
    if settings.is_memory_database:
        raise ConfigurationError(
            f"{DATABASE_SETTING}: sqlite:///:memory: exists only inside the `locum serve` that made it: "
            "its keys are in its start-up banner; give a file or PostgreSQL database to share one"
        )
    default_database = Path(settings.effective_database_url.removeprefix("sqlite:///"))
    if not settings.database_url and not default_database.exists():
        raise CommandRefused(
            f"no locum database in {settings.data_dir.resolve()} and no locum serve running from it: "
            "start one with `locum serve`, or point LOCUM_DATA_DIR (or --database-url) at the server's"
        )
    return settings


def _recorded_server(data_dir: Path) -> RunningServer | None:
    try:
        return RunningServer(**json.loads((data_dir / STATE_FILE_NAME).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
