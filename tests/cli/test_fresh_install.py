"""The product contract from nothing: a fresh virtualenv, `pip install .`, `locum serve`.

Database-independent, so it runs in the SQLite pass of CI only. It prints how long `locum serve`
takes from exec to a 200 on /healthz: the first start (bytecode compiled, database created and
migrated, keys generated) and a second start on the same database.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.builders import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT_S = 900
READY_TIMEOUT_S = 60

pytestmark = pytest.mark.skipif(bool(os.environ.get("LOCUM_TEST_DATABASE_URL")), reason="runs once, in the SQLite pass")


def serve_until_ready(locum: Path, workdir: Path, log: Path) -> float:
    port = free_port()
    env = {"PATH": os.environ["PATH"], "HOME": str(workdir)}
    started = time.perf_counter()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(locum), "serve", "--port", str(port)], cwd=workdir, env=env, stdout=output, stderr=output
        )
    try:
        while time.perf_counter() - started < READY_TIMEOUT_S and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    ready_after = time.perf_counter() - started
                    assert f"CLERK_API_URL=http://127.0.0.1:{port}" in log.read_text()
                    return ready_after
            except httpx.TransportError:
                time.sleep(0.01)
        raise AssertionError(f"locum serve did not become ready:\n{log.read_text()}")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_pip_install_then_serve_with_no_setup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(REPO_ROOT)], check=True, timeout=INSTALL_TIMEOUT_S)
    workdir = tmp_path / "empty"
    workdir.mkdir()
    first = serve_until_ready(venv / "bin" / "locum", workdir, tmp_path / "first.log")
    printed = (tmp_path / "first.log").read_text()
    assert "CLERK_SECRET_KEY=sk_test_" in printed and "CLERK_PUBLISHABLE_KEY=pk_test_" in printed
    assert (workdir / ".locum" / "locum.db").exists()
    second = serve_until_ready(venv / "bin" / "locum", workdir, tmp_path / "second.log")
    secret_line = next(line for line in printed.splitlines() if line.startswith("CLERK_SECRET_KEY="))
    assert secret_line in (tmp_path / "second.log").read_text().splitlines(), "the generated key must persist"
    with capsys.disabled():
        print(f"\nlocum serve, start-up to ready: first start {first:.2f}s, second start {second:.2f}s")
