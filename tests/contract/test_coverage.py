"""How much of Clerk's Backend API locum implements, and that what it claims is actually served.

An operation counts as implemented when a /v1 route carries its operationId (as FastAPI's route
table reports it). Each one must sit at the spec's method and path, and a request there must reach a
handler: a route-level 404 ("no such endpoint") or a 405 fails the test.
"""

import re

import pytest
from fastapi import FastAPI

from locum.api.errors import ROUTE_NOT_FOUND_MESSAGE
from locum.instances.service import InstanceKeys
from tests.conftest import api_client
from tests.contract.spec import operations, spec_available

pytestmark = pytest.mark.skipif(not spec_available(), reason="Clerk's spec is not beside the repo")
PLACEHOLDER = "x_placeholder"


def implemented_operations(app: FastAPI) -> dict[str, tuple[str, str]]:
    """operationId -> (METHOD, spec path) for every /v1 route."""
    implemented = {}
    for path, item in app.openapi()["paths"].items():
        if path.startswith("/v1/"):
            for method, operation in item.items():
                implemented[operation["operationId"]] = (method.upper(), path.removeprefix("/v1"))
    return implemented


def test_implemented_operations_sit_where_the_spec_puts_them(app: FastAPI) -> None:
    spec = {operation.operation_id: (operation.method, operation.path) for operation in operations()}
    misplaced = {
        operation_id: place
        for operation_id, place in implemented_operations(app).items()
        if spec.get(operation_id) != place
    }
    assert not misplaced, f"routes whose operationId, method or path differ from Clerk's spec: {misplaced}"


async def test_implemented_operations_answer(app: FastAPI, instance: InstanceKeys) -> None:
    unreachable = []
    # Placeholder ids and empty bodies are not meant to satisfy the contract check.
    async with api_client(app, instance.secret_key, check_contract=False) as client:
        for method, path in implemented_operations(app).values():
            url = "/v1" + re.sub(r"\{[^}]+\}", PLACEHOLDER, path)
            response = await client.request(method, url, json={} if method in ("POST", "PUT", "PATCH") else None)
            assert response.status_code < 500, f"{method} {path} -> {response.status_code}: {response.text}"
            routed_404 = (
                response.status_code == 404 and response.json()["errors"][0]["long_message"] == ROUTE_NOT_FOUND_MESSAGE
            )
            if routed_404 or response.status_code == 405:
                unreachable.append(f"{method} {path} -> {response.status_code}")
    assert not unreachable, "\n".join(unreachable)


def test_every_operation_of_the_spec_is_implemented(app: FastAPI, capsys: pytest.CaptureFixture[str]) -> None:
    implemented = implemented_operations(app)
    with capsys.disabled():
        print(f"\nlocum implements {len(implemented)} of Clerk's {len(operations())} Backend API operations")
    missing = sorted(operation.operation_id for operation in operations() if operation.operation_id not in implemented)
    assert not missing, f"operations of Clerk's spec locum does not serve: {missing}"
