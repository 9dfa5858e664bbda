"""`locum serve --seed FILE`: the seed is applied before serving, and a second start on the same
database creates nothing again."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml

from locum.kit.keys import new_secret_key
from tests.sdk.conftest import HTTP_TIMEOUT_S, start_server

SEED = {
    "users": [
        {"external_id": "alice", "email_address": ["alice@example.com"], "password": "correct-horse-battery-staple"},
        {"email_address": ["bob@example.com"]},
    ],
    "organizations": [
        {
            "name": "Acme",
            "slug": "acme",
            "created_by": "alice",
            "memberships": [{"user": "bob@example.com", "role": "org:member"}],
        }
    ],
    "jwt_templates": [{"name": "supabase", "claims": {"aud": "authenticated"}}],
    "webhook_endpoints": [{"url": "http://localhost:3000/api/webhooks"}],
}


def snapshot(origin: str, secret_key: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {secret_key}"}
    with httpx.Client(base_url=origin, headers=headers, timeout=HTTP_TIMEOUT_S) as http:
        return {
            "users": sorted(user["id"] for user in http.get("/v1/users").json()),
            "memberships": http.get("/v1/organizations/acme/memberships").json()["total_count"],
            "organizations": http.get("/v1/organizations").json()["total_count"],
            "jwt_templates": [t["id"] for t in http.get("/v1/jwt_templates").json()],
            "endpoints": [e["id"] for e in http.get("/locum/webhooks/endpoints").json()["data"]],
        }


def test_serving_twice_with_the_same_seed_creates_everything_once(tmp_path: Path, database_url: str) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump(SEED))
    environment = {"LOCUM_DATABASE_URL": database_url, "LOCUM_SECRET_KEY": new_secret_key("development")}
    snapshots = []
    for _ in range(2):
        server = start_server(tmp_path, extra_env=environment, extra_args=("--seed", str(seed)))
        try:
            snapshots.append(snapshot(server.origin, environment["LOCUM_SECRET_KEY"]))
        finally:
            # Not stop_server, which drops a PostgreSQL database: the second start must find the rows.
            server.process.terminate()
            server.process.wait(timeout=10)
    first, second = snapshots
    assert first == {
        "users": first["users"],
        "memberships": 2,
        "organizations": 1,
        "jwt_templates": first["jwt_templates"],
        "endpoints": first["endpoints"],
    }
    assert len(first["users"]) == 2 and len(first["jwt_templates"]) == 1 and len(first["endpoints"]) == 1
    assert second == first
    assert "seed applied: nothing to create" in (tmp_path / "server.log").read_text()


def test_a_malformed_seed_file_stops_serve_with_one_line(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("userz: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "locum", "serve", "--seed", str(seed), "--database-url", "sqlite:///:memory:"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--seed" in result.stderr and "userz" in result.stderr and "Traceback" not in result.stderr
