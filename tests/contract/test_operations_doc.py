"""docs/operations.md, the list of served operations, is what scripts/generate_operations_doc.py writes
from Clerk's spec and the app's routes today."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from fastapi import FastAPI

from tests.contract.spec import load_spec, operations, spec_available

pytestmark = pytest.mark.skipif(not spec_available(), reason="Clerk's spec is not beside the repo")
GENERATOR = Path(__file__).resolve().parents[2] / "scripts" / "generate_operations_doc.py"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_operations_doc", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestOperationsDoc:
    def test_the_committed_file_is_current(self, app: FastAPI) -> None:
        module = generator()
        rendered = module.render(load_spec(), module.served_routes(app))
        assert module.OPERATIONS_DOC.read_text() == rendered, (
            "docs/operations.md is out of date: run python scripts/generate_operations_doc.py"
        )

    def test_an_operation_without_a_route_is_listed_as_not_served(self, app: FastAPI) -> None:
        module = generator()
        first = operations()[0]
        served = module.served_routes(app) - {(first.method, first.path, first.operation_id)}
        not_served = module.render(load_spec(), served).split("## Not served", 1)[1]
        assert f"`{first.operation_id}`" in not_served
