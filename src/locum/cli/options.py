"""Options shared by the commands; each also reads its LOCUM_* variable through Settings."""

from typing import Annotated, Any

import typer

from locum.settings import Settings

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="sqlite:///PATH, sqlite:///:memory: or postgresql://… (env LOCUM_DATABASE_URL; "
        "default: a SQLite file under ./.locum/)",
        show_default=False,
    ),
]
Host = Annotated[str | None, typer.Option(help="Interface to listen on (env LOCUM_HOST) \\[default: 127.0.0.1]")]
Port = Annotated[
    int | None,
    typer.Option(help="Port to listen on, 0 for any free one (env LOCUM_PORT) \\[default: 8700]", min=0, max=65535),
]


def settings_with(**overrides: Any) -> Settings:
    """Settings from the environment, with the command-line values that were given taking precedence."""
    return Settings(**{name: value for name, value in overrides.items() if value is not None})


def subcommand_settings(context: typer.Context, **overrides: Any) -> Settings:
    """settings_with for a subcommand: options given after it win over those given before it
    (`locum keys --port 1 rotate`), which its group's callback kept in `context.obj`."""
    given_before: dict[str, Any] = context.obj or {}
    return settings_with(**{**given_before, **{name: value for name, value in overrides.items() if value is not None}})
