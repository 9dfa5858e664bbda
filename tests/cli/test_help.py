"""`locum --help` and `--version`: fast because nothing of the server is imported for them (speed is
measured by benchmarks/cli_startup.py), and help that says what each option is for."""

import re
import subprocess
import sys

import pytest

from locum import __version__
from tests.cli.test_cli import run_locum

COMMANDS = (
    ("serve",),
    ("worker",),
    ("import-clerk-users",),
    ("export",),
    ("import",),
    ("reset",),
    ("keys",),
    ("keys", "rotate"),
    ("keys", "retire"),
    ("instances", "create"),
    ("instances", "list"),
    ("webhooks", "add"),
    ("webhooks", "list"),
    ("webhooks", "remove"),
    ("billing", "plans", "create"),
    ("billing", "plans", "list"),
)
# What the server imports and the command line must not: each takes from tens to hundreds of ms.
SERVER_MODULES = ("locum.app", "fastapi", "sqlalchemy", "pydantic", "uvicorn", "rich")
# Typer's type labels of options: <int>, <text>, <path>, <int range>, …
TYPE_LABEL = re.compile(r"<[a-z ]+>")


def help_text(*command: str) -> str:
    result = run_locum(*command, "--help", env={})
    assert result.returncode == 0, result.stderr
    return result.stdout


class TestVersion:
    def test_prints_locums_version(self) -> None:
        result = run_locum("--version", env={})
        assert (result.returncode, result.stdout) == (0, f"locum {__version__}\n")


class TestCommandLineImports:
    def test_the_commands_import_nothing_of_the_server_until_one_runs(self) -> None:
        loaded = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys, locum.cli; print([m for m in {SERVER_MODULES!r} if m in sys.modules])",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert loaded.stdout.strip() == "[]"


class TestHelp:
    def test_lists_every_command(self) -> None:
        listed = help_text()
        for command in {command[0] for command in COMMANDS}:
            assert re.search(rf"^  {command} ", listed, re.MULTILINE), listed

    @pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
    def test_options_show_no_type_labels(self, command: tuple[str, ...]) -> None:
        options = help_text(*command).split("\nOptions:\n", 1)[1]
        assert TYPE_LABEL.search(options) is None, options

    def test_only_serve_listens_on_its_port(self) -> None:
        assert "Port to listen on" in help_text("serve")
        for command in (("keys",), ("keys", "rotate"), ("keys", "retire")):
            text = help_text(*command)
            assert "Port to listen on" not in text and "Port of the server" in text
