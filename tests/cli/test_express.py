"""An Express app using Clerk's own server SDK (@clerk/express, on @clerk/backend) against a
`locum serve` process: a browser that signed in through locum's /locum sign-in endpoint and sends
only the cookies it was handed is signed in as far as the app can tell.

Needs `node` and `npm` (skipped, with the reason, without them). The packages tests/express_app
pins are installed once into a cache outside the repo ($LOCUM_NODE_CACHE, else
~/.cache/locum/express-app/<digest of package.json>), so reruns start at once; an install that fails
(no network to the npm registry) skips the tests, saying so.
"""

import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.builders import free_port, unique_email
from tests.sdk.conftest import HTTP_TIMEOUT_S, LocumServer, start_server, stop_server

APP_SOURCE = Path(__file__).resolve().parents[1] / "express_app"
INSTALL_TIMEOUT_S = 600
READY_TIMEOUT_S = 30
ORIGIN = "http://localhost:3000"


def skip(reason: str) -> None:
    print(f"\ntests/cli/test_express.py skipped: {reason}")
    pytest.skip(reason)


def installed_app() -> Path:
    """The fixture app with its node_modules, installed into the cache on first use."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        skip("node and npm are needed to run the Express app (install Node.js 18 or later)")
    manifest = (APP_SOURCE / "package.json").read_bytes()
    cache_root = Path(os.environ.get("LOCUM_NODE_CACHE") or Path.home() / ".cache" / "locum" / "express-app")
    directory = cache_root / hashlib.sha256(manifest).hexdigest()[:16]
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(APP_SOURCE / "app.js", directory / "app.js")
    if not (directory / "node_modules" / "@clerk" / "express").is_dir():
        (directory / "package.json").write_bytes(manifest)
        try:
            subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--no-package-lock"],
                cwd=directory,
                check=True,
                capture_output=True,
                timeout=INSTALL_TIMEOUT_S,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as failure:
            output = getattr(failure, "stderr", b"") or b""
            skip(f"npm install failed (no network to the npm registry?): {output.decode(errors='replace')[-300:]}")
    return directory


def banner_value(server: LocumServer, name: str) -> str:
    for line in server.log.read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"{name} not in locum's start-up banner:\n{server.log.read_text()}")


@pytest.fixture(scope="module")
def locum(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocumServer]:
    running = start_server(tmp_path_factory.mktemp("express"))
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def express_app(locum: LocumServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = installed_app()
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "PORT": str(port),
        "CLERK_SECRET_KEY": locum.secret_key,
        "CLERK_PUBLISHABLE_KEY": banner_value(locum, "CLERK_PUBLISHABLE_KEY"),
        # @clerk/backend fetches the JWKS from {apiUrl}/v1/jwks with the secret key.
        "CLERK_API_URL": locum.origin,
    }
    log = tmp_path_factory.mktemp("express-log") / "express.log"
    with log.open("wb") as output:
        process = subprocess.Popen(["node", "app.js"], cwd=directory, env=env, stdout=output, stderr=output)
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while "listening" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the Express app did not start:\n{log.read_text()}")
            time.sleep(0.05)
        yield origin
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign_in(locum: LocumServer) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {locum.secret_key}"}
    with httpx.Client(base_url=locum.origin, headers=headers, timeout=HTTP_TIMEOUT_S) as http:
        user = http.post("/v1/users", json={"email_address": [unique_email("express")]}).json()
        ticket = http.post("/v1/sign_in_tokens", json={"user_id": user["id"]}).json()
        response = http.post("/locum/sign_in_tokens/consume", json={"token": ticket["token"], "origin": ORIGIN})
        assert response.status_code == 200, response.text
        credentials: dict[str, Any] = response.json()
        return credentials


def whoami(app_origin: str, cookies: dict[str, str]) -> dict[str, Any]:
    cookie_header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    response = httpx.get(f"{app_origin}/whoami", headers={"Cookie": cookie_header}, timeout=HTTP_TIMEOUT_S)
    assert response.status_code == 200, response.text
    seen: dict[str, Any] = response.json()
    return seen


class TestExpressApp:
    def test_the_app_sees_the_user_from_the_cookies_locum_handed_out(
        self, locum: LocumServer, express_app: str
    ) -> None:
        credentials = sign_in(locum)
        seen = whoami(express_app, credentials["cookies"])
        assert seen == {
            "userId": credentials["session"]["user_id"],
            "sessionId": credentials["session"]["id"],
            "orgId": None,
        }

    def test_the_plain_cookies_alone_are_enough(self, locum: LocumServer, express_app: str) -> None:
        credentials = sign_in(locum)
        plain = {name: credentials["cookies"][name] for name in ("__session", "__client_uat", "__clerk_db_jwt")}
        assert whoami(express_app, plain)["userId"] == credentials["session"]["user_id"]

    def test_without_the_development_browser_cookie_the_app_sees_no_one(
        self, locum: LocumServer, express_app: str
    ) -> None:
        credentials = sign_in(locum)
        cookies = {name: value for name, value in credentials["cookies"].items() if "clerk_db_jwt" not in name}
        assert whoami(express_app, cookies)["userId"] is None

    def test_without_client_uat_the_app_sees_no_one(self, locum: LocumServer, express_app: str) -> None:
        credentials = sign_in(locum)
        cookies = {name: value for name, value in credentials["cookies"].items() if "client_uat" not in name}
        assert whoami(express_app, cookies)["userId"] is None

    def test_no_cookies_no_user(self, express_app: str) -> None:
        assert whoami(express_app, {})["userId"] is None
