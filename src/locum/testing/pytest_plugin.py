"""locum's pytest plugin: a Clerk Backend API for a test suite, started once per session (once per
pytest-xdist worker), with its data reset between tests when asked.

Fixtures:
- `locum_server` (session): the running server and its instance (`api_url`, `secret_key`,
  `publishable_key`, `jwt_key`, `instance_id`, `server_url`, `reset()`); see locum.testing.server.
- `locum_env` (function): sets CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, CLERK_API_URL and
  CLERK_JWT_KEY for the test (monkeypatch), and yields the server.
- `locum_reset` (function): clears the instance's data before the test, keeping its keys and
  configuration. `@pytest.mark.locum_reset` does the same for a test, a class or a module; the ini
  option `locum_reset_each_test = true` for every test that uses locum.

Options: `--locum-database-url` (or LOCUM_PLUGIN_DATABASE_URL): a database for the server instead
of a SQLite file in a temporary directory. Each server makes an instance of its own on it, so
xdist workers sharing it stay apart. Its secrets are sealed with LOCUM_MASTER_KEY if set, else with
a key made for the run (enough for a database made for the run, not for one reused across runs).

Importing this module starts nothing: the server starts when a test first asks for it.
"""

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from locum.testing.server import LocumTestServer

DATABASE_URL_OPTION = "--locum-database-url"
DATABASE_URL_VARIABLE = "LOCUM_PLUGIN_DATABASE_URL"
MASTER_KEY_VARIABLE = "LOCUM_MASTER_KEY"
XDIST_WORKER_VARIABLE = "PYTEST_XDIST_WORKER"
RESET_EACH_TEST_INI = "locum_reset_each_test"
RESET_MARKER = "locum_reset"
SERVER_FIXTURES = ("locum_server", "locum_env", "locum_reset")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("locum", "locum (a local Clerk Backend API)")
    group.addoption(
        DATABASE_URL_OPTION,
        default=None,
        help=f"database of the locum server (env {DATABASE_URL_VARIABLE}); default: SQLite in a temporary directory",
    )
    parser.addini(RESET_EACH_TEST_INI, type="bool", default=False, help="reset locum's data before every test using it")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{RESET_MARKER}: clear the locum instance's data before the test")


@pytest.fixture(scope="session")
def locum_server(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator["LocumTestServer"]:
    """An ephemeral `locum serve` for the session (each xdist worker starts its own)."""
    from locum.testing.server import shared_master_key, start_locum

    database_url = pytestconfig.getoption(DATABASE_URL_OPTION) or os.environ.get(DATABASE_URL_VARIABLE)
    master_key = os.environ.get(MASTER_KEY_VARIABLE)
    if database_url and not master_key:
        # The xdist workers' servers share the database, so they share its key: one file for the run.
        run_directory = tmp_path_factory.getbasetemp()
        if XDIST_WORKER_VARIABLE in os.environ:
            run_directory = run_directory.parent
        master_key = shared_master_key(run_directory)
    server = start_locum(tmp_path_factory.mktemp("locum"), database_url=database_url, master_key=master_key)
    yield server
    server.stop()


@pytest.fixture
def locum_env(locum_server: "LocumTestServer", monkeypatch: pytest.MonkeyPatch) -> "LocumTestServer":
    """CLERK_* variables pointing at the locum server for the test's duration."""
    for name, value in locum_server.environment.items():
        monkeypatch.setenv(name, value)
    return locum_server


@pytest.fixture
def locum_reset(locum_server: "LocumTestServer") -> "LocumTestServer":
    """The locum instance with its data cleared (keys and configuration kept)."""
    locum_server.reset()
    return locum_server


@pytest.fixture(autouse=True)
def _locum_reset_when_asked(request: pytest.FixtureRequest) -> None:
    """Reset for a test marked `locum_reset`, or for every test using locum under `locum_reset_each_test`."""
    if request.node.get_closest_marker(RESET_MARKER) is not None or (
        request.config.getini(RESET_EACH_TEST_INI) and any(name in request.fixturenames for name in SERVER_FIXTURES)
    ):
        request.getfixturevalue("locum_reset")
