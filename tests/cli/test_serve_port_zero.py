"""`locum serve --port 0`: it listens on a free port and says which, in its first line and its banner."""

from pathlib import Path

import httpx

from tests.builders import wait_until
from tests.cli.conftest import serving


def test_listens_on_a_free_port_and_reports_it_everywhere(tmp_path: Path, database_url: str) -> None:
    with serving(tmp_path, database_url) as (origin, secret_key, log):
        output = log.read_text()
        assert output.splitlines()[0] == f"locum listening on {origin}"
        assert f"CLERK_API_URL={origin}\n" in output
        assert f"at {origin}/v1" in output
        assert int(origin.rsplit(":", 1)[1]) not in (0, 8700)
        # URLs locum renders carry the real port too.
        created = httpx.post(
            f"{origin}/locum/instances",
            json={"environment_type": "development"},
            headers={"Authorization": f"Bearer {secret_key}"},
        )
        assert created.status_code == 200, created.text
        assert created.json()["api_url"] == origin
        # No WebSocket is served: a handshake is answered as plain HTTP.
        upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}
        upgrade["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ=="
        assert httpx.get(f"{origin}/healthz", headers=upgrade).status_code == 200


def test_two_servers_get_different_ports(tmp_path: Path, database_url: str) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    with (
        serving(first, f"sqlite:///{first / 'locum.db'}") as (one, _, _),
        serving(second, f"sqlite:///{second / 'locum.db'}") as (other, _, _),
    ):
        assert one != other
        assert httpx.get(f"{one}/healthz").status_code == httpx.get(f"{other}/healthz").status_code == 200


def test_several_workers_share_the_free_port(tmp_path: Path, database_url: str) -> None:
    with serving(tmp_path, database_url, "--workers", "2") as (origin, secret_key, log):
        wait_until(lambda: log.read_text().count("Started server process") == 2, "both workers", within_s=60)
        headers = {"Authorization": f"Bearer {secret_key}"}
        created = httpx.post(f"{origin}/v1/users", json={}, headers=headers)
        assert created.status_code == 200, created.text
        for _ in range(10):
            with httpx.Client(headers=headers) as fresh:
                assert fresh.get(f"{origin}/v1/users/{created.json()['id']}").status_code == 200
