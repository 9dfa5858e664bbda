"""Every operation locum implements is driven through the official SDK by some test in tests/sdk.

The SDK names each method's Clerk operation (`operation_id="…"` in its hook context), and its
`Clerk` class names the attribute of each group (`clerk.email_addresses`); this maps operationId
-> `group.method` and looks for that call in the SDK tests' source.

An operation clerk-backend-api 7.0.0 has no method for (found from the SDK itself, not listed by
hand) is called instead with `call_without_sdk(server, "<METHOD>", "<spec path>")` (tests/sdk/
conftest.py): its method and /v1 path, exactly as the spec writes them, must appear in such a call.
"""

import ast
import re
from pathlib import Path

from clerk_backend_api import Clerk
from fastapi import FastAPI

from tests.contract.test_coverage import implemented_operations

TESTS_DIR = Path(__file__).parent


def sdk_calls() -> dict[str, set[str]]:
    """operationId -> the `group.method` calls (sync and async) that perform it."""
    calls: dict[str, set[str]] = {}
    for group, (module_name, class_name) in Clerk._sub_sdk_map.items():
        module = __import__(module_name, fromlist=[class_name])
        tree = ast.parse(Path(module.__file__).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == class_name:
                for method in node.body:
                    if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        for operation_id in re.findall(r"operation_id=['\"](\w+)['\"]", ast.unparse(method)):
                            calls.setdefault(operation_id, set()).add(f"{group}.{method.name}")
    return calls


def calls_in_tests() -> set[str]:
    """`group.method` for every call of the form `<anything>.group.method(...)` in tests/sdk."""
    found = set()
    for source in TESTS_DIR.glob("test_*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Attribute)
            ):
                found.add(f"{node.func.value.attr}.{node.func.attr}")
    return found


def calls_without_sdk_in_tests() -> set[tuple[str, str]]:
    """(METHOD, path template) of every `call_without_sdk(<server>, "<METHOD>", "<path>", …)` in tests/sdk."""
    found = set()
    for source in TESTS_DIR.glob("test_*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "call_without_sdk":
                literals = [arg.value for arg in node.args[1:3] if isinstance(arg, ast.Constant)]
                if len(literals) == 2 and all(isinstance(literal, str) for literal in literals):
                    found.add((literals[0], literals[1]))
    return found


def test_every_implemented_operation_is_called_through_the_sdk(app: FastAPI) -> None:
    performed_by, called = sdk_calls(), calls_in_tests()
    missing = sorted(
        operation_id
        for operation_id in implemented_operations(app)
        if operation_id in performed_by and not performed_by[operation_id] & called
    )
    assert not missing, f"implemented operations no SDK test calls: {missing}"


def test_every_implemented_operation_the_sdk_lacks_is_called_without_it(app: FastAPI) -> None:
    performed_by, called = sdk_calls(), calls_without_sdk_in_tests()
    missing = sorted(
        f"{operation_id} ({method} /v1{path})"
        for operation_id, (method, path) in implemented_operations(app).items()
        if operation_id not in performed_by and (method, f"/v1{path}") not in called
    )
    assert not missing, f"implemented operations the SDK lacks that no call_without_sdk call performs: {missing}"
