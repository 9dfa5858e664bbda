"""Options shared by the commands; each also reads its LOCUM_* variable through Settings.

`locum --help` imports this module: Settings (pydantic) is imported when a command builds them.
"""

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from locum.settings import Settings

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        metavar="URL",
        help="sqlite:///PATH, sqlite:///:memory: or postgresql://… (env LOCUM_DATABASE_URL) "
        "[default: a SQLite file under ./.locum/]",
        show_default=False,
    ),
]
# For the commands acting on the server's data (running_server.locate).
ServerDatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        metavar="URL",
        help="sqlite:///PATH or postgresql://… (env LOCUM_DATABASE_URL) [default: the database of the locum serve "
        "running from LOCUM_DATA_DIR (./.locum), else the SQLite file in it]",
        show_default=False,
    ),
]
Host = Annotated[
    str | None,
    typer.Option(metavar="HOST", help="Interface to listen on (env LOCUM_HOST) [default: 127.0.0.1]"),
]
Port = Annotated[
    int | None,
    typer.Option(metavar="PORT", help="Port to listen on, 0 for any free one (env LOCUM_PORT) [default: 8700]"),
]
ServerHost = Annotated[
    str | None,
    typer.Option(
        "--host",
        metavar="HOST",
        help="Host of the server, for CLERK_API_URL [default: the running server's, else LOCUM_HOST or 127.0.0.1]",
    ),
]
ServerPort = Annotated[
    int | None,
    typer.Option(
        "--port",
        metavar="PORT",
        help="Port of the server, for CLERK_API_URL [default: the running server's, else LOCUM_PORT or 8700]",
    ),
]


def settings_with(**overrides: Any) -> "Settings":
    """Settings from the environment, with the command-line values that were given taking precedence;
    a value they refuse is a ConfigurationError naming the option or variable."""
    from pydantic import ValidationError

    from locum.cli.errors import settings_mistakes
    from locum.settings import Settings

    given = _given(overrides)
    try:
        return Settings(**given)
    except ValidationError as error:
        raise settings_mistakes(error, options_given=given) from None


def server_settings(**overrides: Any) -> "Settings":
    """settings_with for a command acting on the server's data: the database (and address) of the
    `locum serve` running from the data directory, unless another database is named
    (running_server.locate)."""
    from locum.cli.running_server import locate

    given = _given(overrides)
    return locate(settings_with(**given), address_given="host" in given or "port" in given)


def subcommand_settings(context: typer.Context, **overrides: Any) -> "Settings":
    """server_settings for a subcommand: options given after it win over those given before it
    (`locum keys --port 1 rotate`), which its group's callback kept in `context.obj`."""
    given_before: dict[str, Any] = context.obj or {}
    return server_settings(**{**_given(given_before), **_given(overrides)})


def _given(overrides: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in overrides.items() if value is not None}
