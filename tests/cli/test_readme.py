"""The README's quickstart runs as written: its script, against a live `locum serve`, with the
environment its shell lines give it (what `locum keys` prints)."""

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.sdk.conftest import start_server, stop_server

README = Path(__file__).resolve().parents[2] / "README.md"
QUICKSTART_HEADING = "## Quickstart with Clerk's Python SDK"
SCRIPT_TIMEOUT_S = 120


def quickstart_blocks(language: str) -> list[str]:
    """The fenced `language` code blocks of the quickstart section, in order."""
    section = README.read_text().split(QUICKSTART_HEADING, 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"^```{language}\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)


def dotenv_values(printed: str) -> dict[str, str]:
    """`NAME=VALUE` lines as a shell sourcing them reads them (quoted or not)."""
    values = {}
    for line in printed.splitlines():
        name, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


class TestQuickstart:
    def test_the_shell_lines_install_the_sdk_and_put_the_printed_keys_in_the_environment(self) -> None:
        install, run = quickstart_blocks("sh")
        assert "pip install . clerk-backend-api" in install and "locum serve" in install
        assert run.splitlines() == ["locum keys > .env", "set -a; . ./.env; set +a", "python quickstart.py"]

    def test_the_script_runs_against_a_live_server_with_the_keys_locum_keys_prints(self, tmp_path: Path) -> None:
        [script] = quickstart_blocks("python")
        (tmp_path / "server").mkdir()
        server = start_server(tmp_path / "server")
        port = server.origin.rsplit(":", 1)[1]
        try:
            keys = subprocess.run(
                [sys.executable, "-m", "locum", "keys"],
                env={**os.environ, **server.environment, "LOCUM_PORT": port},
                capture_output=True,
                text=True,
                check=True,
            )
            environment = dotenv_values(keys.stdout)
            used = set(re.findall(r'os\.environ\["(\w+)"\]', script))
            assert used <= set(environment), "the script reads variables `locum keys` does not print"
            (tmp_path / "quickstart.py").write_text(script)
            # Only what the shell lines set: no CLERK_* variable of the test's own environment.
            inherited = {name: value for name, value in os.environ.items() if not name.startswith("CLERK_")}
            result = subprocess.run(
                [sys.executable, "quickstart.py"],
                cwd=tmp_path,
                env={**inherited, **environment},
                capture_output=True,
                text=True,
                timeout=SCRIPT_TIMEOUT_S,
            )
        finally:
            stop_server(server)
        assert result.returncode == 0, result.stderr
        user_line, verified_line = result.stdout.splitlines()
        assert user_line.startswith("user_") and user_line.endswith(" ada@example.com")
        assert verified_line == "True"
