"""What a command reports as `Error: …` lines instead of a traceback (`main` prints them).

A ConfigurationError is a setting that cannot work: a value Settings refuses (from an option or a
LOCUM_* variable), a database locum cannot open, a port it cannot listen on. Each line names the
setting, says what is wrong and what to do; the exit code is 2, as for a usage error. A master key
that does not open the database's secrets (MasterKeyRefused) and a CommandRefused exit with 1.

This module is imported by `locum --help`: what it needs of the server is imported when a failure
is explained.
"""

import socket
from collections.abc import Callable, Collection, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pydantic import ValidationError

    from locum.settings import Settings

CONFIGURATION_EXIT_CODE = 2
REFUSAL_EXIT_CODE = 1
DATABASE_SETTING = "--database-url (LOCUM_DATABASE_URL)"
# Settings whose command-line option is not `--` + the field's name.
OPTION_NAMES = {"seed_file": "--seed"}
# PostgreSQL's SQLSTATE codes for a connection to a database that does not exist, and for a role it refuses.
MISSING_DATABASE = "3D000"
REFUSED_ROLE = ("28000", "28P01")
DEFAULT_POSTGRES_PORT = 5432

Result = TypeVar("Result")


class ConfigurationError(Exception):
    """Mistakes in the settings, one line each."""

    def __init__(self, *mistakes: str) -> None:
        super().__init__("\n".join(mistakes))
        self.mistakes = mistakes


class CommandRefused(Exception):
    """A command that cannot do what was asked, in one line saying why and what to do instead."""


def setting_name(field: str, *, given_as_option: bool) -> str:
    """What the user set: the command-line option, or the LOCUM_* variable."""
    if given_as_option:
        return OPTION_NAMES.get(field, "--" + field.replace("_", "-"))
    return "LOCUM_" + field.upper()


def settings_mistakes(error: "ValidationError", options_given: Collection[str]) -> ConfigurationError:
    """Settings' refusal as one line per setting; the values themselves are left out (some are secrets)."""
    mistakes = []
    for problem in error.errors():
        field = str(problem["loc"][0])
        # A validator's own message, else pydantic's ("Input should be a valid integer, …").
        reason = str(problem["ctx"]["error"]) if problem["type"] == "value_error" else problem["msg"]
        mistakes.append(f"{setting_name(field, given_as_option=field in options_given)}: {reason}")
    return ConfigurationError(*mistakes)


def run_on_database(
    settings: "Settings",
    work: Coroutine[Any, Any, Result],
    runner: Callable[[Coroutine[Any, Any, Result]], Result] | None = None,
) -> Result:
    """Run `work` (with asyncio.run unless `runner`), which opens the settings' database: a database
    locum cannot reach or open is a ConfigurationError naming it."""
    import asyncio

    try:
        return (runner or asyncio.run)(work)
    except Exception as error:
        mistake = database_mistake(settings, error)
        if mistake is None:
            raise
        raise mistake from None


def database_mistake(settings: "Settings", error: Exception) -> ConfigurationError | None:
    """The ConfigurationError `error` (raised opening the settings' PostgreSQL database) means, if it is one.
    (SQLite files are made where they are named, directories included.)"""
    from sqlalchemy import make_url
    from sqlalchemy.exc import DBAPIError

    if settings.is_sqlite:
        return None
    url = make_url(settings.effective_database_url)
    server = f"{url.host or 'localhost'}:{url.port or DEFAULT_POSTGRES_PORT}"
    sqlstate = getattr(error.orig, "sqlstate", None) if isinstance(error, DBAPIError) else None
    if sqlstate == MISSING_DATABASE:
        return ConfigurationError(
            f"{DATABASE_SETTING}: the PostgreSQL server at {server} has no database {url.database!r}: "
            f"create it (createdb {url.database}) or name an existing one"
        )
    if sqlstate in REFUSED_ROLE:
        return ConfigurationError(
            f"{DATABASE_SETTING}: the PostgreSQL server at {server} refused the role {url.username!r}: "
            f"create it (createuser {url.username}) or give a role and password it accepts"
        )
    if isinstance(error, socket.gaierror):
        return ConfigurationError(f"{DATABASE_SETTING}: unknown host {url.host!r}: correct the host name")
    # asyncpg tries each address of the host: when all refuse, it raises one OSError naming them all.
    if isinstance(error, ConnectionError | TimeoutError) or "Connect call failed" in str(error):
        return ConfigurationError(
            f"{DATABASE_SETTING}: no PostgreSQL server answers at {server}: start it, or correct the host and port"
        )
    return None


def failure_lines(error: Exception) -> tuple[tuple[str, ...], int] | None:
    """The `Error: …` lines and exit code for a failure a command explains, else None (a bug: traceback)."""
    if isinstance(error, ConfigurationError):
        return error.mistakes, CONFIGURATION_EXIT_CODE
    if isinstance(error, CommandRefused):
        return (str(error),), REFUSAL_EXIT_CODE
    from locum.instances.master_key import MasterKeyRefused

    if isinstance(error, MasterKeyRefused):
        # The message says which key is wrong and what to do.
        return (str(error),), REFUSAL_EXIT_CODE
    return None
