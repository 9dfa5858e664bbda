"""The cross-cutting plumbing exists once: resource groups use it instead of writing it again.

Each rule reads locum's own source (migrations left out) and names every place that breaks it.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import locum

SOURCE = Path(locum.__file__).parent
PAGINATION = SOURCE / "api" / "pagination.py"
# A JSON array body (bulk invitations) is FastAPI's to read: body_of reads one object.
ARRAY_BODIES = {
    SOURCE / "resources" / name / "routes.py"
    for name in ("organization_invitations", "invitations", "waitlist_entries")
}


def modules() -> Iterator[Path]:
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" not in path.relative_to(SOURCE).parts:
            yield path


def lines_matching(pattern: str, *, outside: set[Path]) -> list[str]:
    found = []
    for path in modules():
        if path in outside:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(pattern, line):
                found.append(f"{path.relative_to(SOURCE)}:{number}: {line.strip()}")
    return found


def functions(path: Path) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def parameter_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    arguments = function.args
    return {argument.arg for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}


class TestPaging:
    def test_only_the_pagination_module_counts_rows(self) -> None:
        assert lines_matching(r"select\(func\.count\(\)\)", outside={PAGINATION}) == []

    def test_only_the_pagination_module_builds_the_data_and_total_count_envelope(self) -> None:
        assert lines_matching(r"[\"']total_count[\"']", outside={PAGINATION}) == []

    def test_only_the_pagination_module_declares_limit_and_offset(self) -> None:
        assert lines_matching(r"^\s*(limit|offset)\s*:", outside={PAGINATION}) == []
        assert lines_matching(r"\b(DEFAULT_LIMIT|MAX_LIMIT)\b", outside={PAGINATION}) == []


class TestRequestContext:
    def test_services_take_the_context_not_loose_instance_ids_and_origins(self) -> None:
        loose = [
            f"{path.relative_to(SOURCE)}: {function.name}({', '.join(sorted(names))})"
            for path in modules()
            if path.name == "service.py" and "resources" in path.parts
            for function in functions(path)
            if not function.name.startswith("_")
            and (names := parameter_names(function) & {"instance_id", "origin", "api_version"})
        ]
        assert loose == []

    def test_no_route_hands_a_service_the_instance_or_the_origin(self) -> None:
        # Only the builders of the context (api/deps.py, cli/instance.py) read them.
        outside_resources = {p for p in modules() if "resources" not in p.relative_to(SOURCE).parts}
        assert lines_matching(r"instance_id=instance\.id|origin=settings\.origin", outside=outside_resources) == []

    def test_only_serializers_take_an_origin(self) -> None:
        takers = [
            f"{path.relative_to(SOURCE)}: {function.name}"
            for path in modules()
            if path.name != "serializers.py"
            for function in functions(path)
            if "origin" in parameter_names(function)
        ]
        assert takers == []


class TestSharedPieces:
    def test_every_clerk_error_is_built_by_a_named_constructor_in_an_errors_module(self) -> None:
        inline = lines_matching(r"\bClerkError\(", outside={p for p in modules() if p.name == "errors.py"})
        # api/bodies.py re-raises a validation error with the status its operation declares.
        assert [line for line in inline if not line.startswith("api/bodies.py:")] == []

    def test_one_json_type(self) -> None:
        assert lines_matching(r"^JSON\s*=", outside={SOURCE / "kit" / "json_types.py"}) == []

    def test_routes_take_their_body_one_way(self) -> None:
        routes = {p for p in modules() if p.name.endswith("routes.py")}
        other_ways = lines_matching(r"Body\(\)|body or \w+\(\)", outside=set(modules()) - routes | ARRAY_BODIES)
        assert other_ways == []
