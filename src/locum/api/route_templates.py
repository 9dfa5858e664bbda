"""The route template a request was served by (`/v1/users/{user_id}`): a bounded set of labels for
metrics and access logs, where raw paths would grow with every id.

FastAPI leaves the route it ran in the scope, but as its router declared it (`/users/{user_id}`,
without the `/v1` it was included under, and the versionless machine-token routes are included
twice); the table maps it back to its full template. A request answered before routing (a 401 from
auth) is matched against the table instead, among the templates that share its first two segments
(a path matching none costs a few of ~300 regular expressions).
"""

import re
from collections import defaultdict

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path
from starlette.types import Scope

# The label of a request no route serves: one, whatever paths clients try.
UNMATCHED_ROUTE = "unmatched"
# Where a template has a parameter among its first two segments.
ANY_SEGMENT = None
Candidate = tuple[re.Pattern[str], frozenset[str], str]


def _leading(path: str) -> tuple[str, str]:
    first, _, rest = path.removeprefix("/").partition("/")
    return first, rest.partition("/")[0]


def _key_of_template(path: str) -> tuple[str | None, str | None]:
    first, second = _leading(path)
    return (ANY_SEGMENT if "{" in first else first, ANY_SEGMENT if "{" in second else second)


def _keys_of(path: str) -> list[tuple[str | None, str | None]]:
    """The buckets a request path may find its template in."""
    first, second = _leading(path)
    return [(first, second), (first, ANY_SEGMENT), (ANY_SEGMENT, second), (ANY_SEGMENT, ANY_SEGMENT)]


class RouteTemplates:
    def __init__(self, app: FastAPI) -> None:
        # original route object -> (full path pattern, template): one each, two for the versionless routes
        self._by_route: defaultdict[int, list[tuple[re.Pattern[str], str]]] = defaultdict(list)
        # (first segment, second segment) -> the templates starting so, in routing order
        self._by_leading: defaultdict[tuple[str | None, str | None], list[Candidate]] = defaultdict(list)
        for context in iter_route_contexts(app.routes):
            if context.path is None:  # a route kind without a path; locum has none
                continue
            pattern, template, _ = compile_path(context.path)
            self._by_route[id(context.original_route)].append((pattern, template))
            self._by_leading[_key_of_template(context.path)].append(
                (pattern, frozenset(context.methods or ()), template)
            )

    def of(self, scope: Scope) -> str:
        path = scope["path"]
        route = scope.get("route")
        if route is not None:
            candidates = self._by_route.get(id(route), ())
            if len(candidates) == 1:
                return candidates[0][1]
            for pattern, template in candidates:
                if pattern.match(path):
                    return template
        for key in _keys_of(path):
            for pattern, methods, template in self._by_leading.get(key, ()):
                if scope["method"] in methods and pattern.match(path):
                    return template
        return UNMATCHED_ROUTE


def install_route_templates(app: FastAPI) -> None:
    """Once every route is in: create_app's last step."""
    app.state.route_templates = RouteTemplates(app)


def route_template(scope: Scope) -> str:
    templates: RouteTemplates = scope["app"].state.route_templates
    return templates.of(scope)
