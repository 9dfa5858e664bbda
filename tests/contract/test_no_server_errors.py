"""A bounded schemathesis run against a real `locum serve`: every operation of Clerk's spec, fed generated
valid and invalid input (examples, boundary values, then random data), never answers a server error.

Path parameters name resources seeded before the run most of the time, so operations reach their rules
instead of stopping at 404. The run is deterministic (fixed seed) and bounded (FUZZ_EXAMPLES per
operation); set LOCUM_FUZZ_EXAMPLES to explore further locally.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.contract.spec import SPEC_DIR
from tests.sdk.conftest import LocumServer, start_server, stop_server

FUZZ_EXAMPLES = int(os.environ.get("LOCUM_FUZZ_EXAMPLES", "5"))
FUZZ_SEED = "20261205"
FUZZ_TIMEOUT_S = 1800
# How often a path parameter names a seeded resource rather than a generated value.
SEEDED_ID_PROBABILITY = 0.8


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def seed_resources(server: LocumServer) -> dict[str, str]:
    """One resource of each kind the spec's path parameters name; returns {path parameter: value}."""
    headers = {"Authorization": f"Bearer {server.secret_key}"}
    with httpx.Client(base_url=server.api_url, headers=headers, timeout=30) as api:
        user = _created(
            api.post(
                "/users",
                json={
                    "email_address": ["fuzz@example.com"],
                    "phone_number": ["+14155550123"],
                    "password": "correct horse battery",
                },
            )
        )
        organization = _created(api.post("/organizations", json={"name": "Fuzz", "created_by": user["id"]}))
        organization_id = organization["id"]
        invitation = _created(
            api.post(
                f"/organizations/{organization_id}/invitations",
                json={"email_address": "invitee@example.com", "role": "org:member"},
            )
        )
        _created(
            api.patch(
                "/instance/organization_settings",
                json={
                    "domains_enabled": True,
                    "domains_enrollment_modes": ["manual_invitation", "automatic_invitation"],
                },
            )
        )
        domain = _created(api.post(f"/organizations/{organization_id}/domains", json={"name": "fuzz.example.com"}))
        permission = _created(
            api.post("/organization_permissions", json={"name": "Fuzz", "key": "org:fuzz:run", "description": ""})
        )
        role = _created(
            api.post("/organization_roles", json={"name": "Fuzzer", "key": "org:fuzzer", "description": ""})
        )
        session = _created(api.post("/sessions", json={"user_id": user["id"]}))
        template = _created(api.post("/jwt_templates", json={"name": "fuzz", "claims": {"aud": "fuzz"}}))
        sign_in_token = _created(api.post("/sign_in_tokens", json={"user_id": user["id"]}))
        actor_token = _created(
            api.post("/actor_tokens", json={"user_id": user["id"], "actor": {"sub": "user_support"}})
        )
        other_machine = _created(api.post("/machines", json={"name": "fuzz peer"}))
        machine = _created(api.post("/machines", json={"name": "fuzz", "scoped_machines": [other_machine["id"]]}))
        m2m_token = api.post("/m2m_tokens", json={}, headers={"Authorization": f"Bearer {machine['secret_key']}"})
        assert m2m_token.status_code == 201, m2m_token.text
        connection = api.post(
            "/enterprise_connections",
            json={"name": "Fuzz SSO", "provider": "saml_custom", "domains": ["fuzz-sso.example.com"]},
        )
        assert connection.status_code == 201, connection.text
    with httpx.Client(base_url=f"{server.origin}/locum", headers=headers, timeout=30) as locum:
        plan = _created(
            locum.post(
                "/billing/plans", json={"name": "Fuzz", "slug": "fuzz", "payer_type": "org", "monthly_fee": 1000}
            )
        )
        subscription = _created(
            locum.post("/billing/subscriptions", json={"payer": organization_id, "plan_id": plan["id"]})
        )
    with httpx.Client(base_url=server.api_url, headers=headers, timeout=30) as api:
        statement = _created(api.get("/billing/statements"))["data"][0]
    return {
        "user_id": user["id"],
        "organization_id": organization_id,
        "email_address_id": user["email_addresses"][0]["id"],
        "phone_number_id": user["phone_numbers"][0]["id"],
        "invitation_id": invitation["id"],
        "domain_id": domain["id"],
        "permission_id": permission["id"],
        "organization_role_id": role["id"],
        "role_set_key_or_id": "role_set:default",
        "session_id": session["id"],
        "client_id": session["client_id"],
        "template_name": template["name"],
        "template_id": template["id"],
        "sign_in_token_id": sign_in_token["id"],
        "actor_token_id": actor_token["id"],
        "machine_id": machine["id"],
        "other_machine_id": other_machine["id"],
        "m2m_token_id": m2m_token.json()["id"],
        "enterprise_connection_id": connection.json()["id"],
        "saml_connection_id": connection.json()["saml_connection"]["id"],
        "subscription_item_id": subscription["subscription_items"][0]["id"],
        "statementID": statement["id"],
    }


def schemathesis_config(seeded: dict[str, str]) -> str:
    """schemathesis.toml binding each path parameter to its seeded value (a one-entry dictionary)."""
    lines = ["[parameters]"]
    lines += [f'"path.{name}" = {{ dictionary = "{name}", probability = {SEEDED_ID_PROBABILITY} }}' for name in seeded]
    for name, value in seeded.items():
        lines += ["", f"[dictionaries.{name}]", f'values = ["{value}"]']
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocumServer]:
    running = start_server(tmp_path_factory.mktemp("fuzz"), extra_env={"LOCUM_LOG_LEVEL": "warning"})
    yield running
    stop_server(running)


def test_no_operation_answers_a_server_error(server: LocumServer, tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(schemathesis_config(seed_resources(server)))
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "--no-color",
        "run",
        str(SPEC_DIR / "bapi-2025-11-10.yml"),
        "--url",
        server.api_url,
        "--header",
        f"Authorization: Bearer {server.secret_key}",
        "--checks",
        "not_a_server_error",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(FUZZ_EXAMPLES),
        "--seed",
        FUZZ_SEED,
        "--generation-deterministic",
        "--workers",
        "1",
        "--continue-on-failure",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=FUZZ_TIMEOUT_S, cwd=tmp_path)
    summary = run.stdout[-6000:]
    assert run.returncode == 0, f"{summary}\n--- server log ---\n{server.log.read_text()[-6000:]}"
    assert "generated" in summary and " failed" not in summary.split("Test cases:")[-1], summary
    print("\n".join(line for line in summary.splitlines() if "generated" in line or "Tested" in line))
