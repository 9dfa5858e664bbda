"""locum's pytest plugin, used as another project uses it: tests/plugin_project run by pytest in a
subprocess (with and without pytest-xdist), its tests using only the plugin's fixtures and Clerk's SDK."""

import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

PROJECT = Path(__file__).parent.parent / "plugin_project"
PLUGIN = "locum.testing.pytest_plugin"
# test_users.py's tests; test_reset_each_test.py's three run only under locum_reset_each_test.
ALWAYS_RUN, EACH_TEST_RESET = 6, 3


def plugin_arguments() -> list[str]:
    """Installed, the package registers the plugin itself (entry point pytest11 `locum`); -p loading it
    again would register it twice."""
    installed = any(point.value == PLUGIN for point in entry_points(group="pytest11"))
    return [] if installed else ["-p", PLUGIN]


def run_project(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("CLERK_", "PYTEST_", "LOCUM_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", *plugin_arguments(), "-q", "-p", "no:randomly", *args],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def outcome(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    """{"passed": 6, "skipped": 3, …} from pytest's summary line."""
    summary = result.stdout.strip().splitlines()[-1]
    return {word: int(count) for count, word in re.findall(r"(\d+) (\w+)", summary)}


def test_sample_project_passes_with_one_server() -> None:
    result = run_project()

    assert result.returncode == 0, result.stdout + result.stderr
    assert outcome(result) == {"passed": ALWAYS_RUN, "skipped": EACH_TEST_RESET}


def test_sample_project_passes_with_a_server_per_xdist_worker() -> None:
    result = run_project("-n", "2")

    assert result.returncode == 0, result.stdout + result.stderr
    assert outcome(result) == {"passed": ALWAYS_RUN, "skipped": EACH_TEST_RESET}


def test_ini_option_resets_before_every_test_using_locum() -> None:
    result = run_project("-o", "locum_reset_each_test=true", "test_reset_each_test.py")

    assert result.returncode == 0, result.stdout + result.stderr
    assert outcome(result) == {"passed": EACH_TEST_RESET}


@pytest.mark.parametrize("reset_each_test", ["false", "true"])
def test_a_project_that_does_not_use_locum_starts_no_server(tmp_path: Path, reset_each_test: str) -> None:
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    reset_option = f"locum_reset_each_test={reset_each_test}"
    options = ["-q", "-p", "no:asyncio", "--basetemp", str(tmp_path / "b"), "-o", reset_option]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *plugin_arguments(), *options],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert not list((tmp_path / "b").glob("locum*")), "no server data directory was made"


def test_workers_sharing_one_database_each_have_their_own_instance(database_url: str) -> None:
    """--locum-database-url: both xdist workers' servers on one database; each resets only its own instance."""
    result = run_project("-n", "2", "--locum-database-url", database_url)

    assert result.returncode == 0, result.stdout + result.stderr
    assert outcome(result) == {"passed": ALWAYS_RUN, "skipped": EACH_TEST_RESET}
