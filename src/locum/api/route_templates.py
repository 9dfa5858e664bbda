"""The route template a request was served by (`/v1/users/{user_id}`): a bounded set of labels for
metrics and access logs, where raw paths would grow with every id.

FastAPI leaves the route it ran in the scope, but as its router declared it (`/users/{user_id}`,
without the `/v1` it was included under, and the versionless machine-token routes are included
twice); the table maps it back to its full template. A request answered before routing (a 401 from
auth) is matched against the table instead.
"""

import re
from collections import defaultdict

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path
from starlette.types import Scope

# The label of a request no route serves: one, whatever paths clients try.
UNMATCHED_ROUTE = "unmatched"


class RouteTemplates:
    def __init__(self, app: FastAPI) -> None:
        # original route object -> (full path pattern, template): one each, two for the versionless routes
        self._by_route: defaultdict[int, list[tuple[re.Pattern[str], str]]] = defaultdict(list)
        self._all: list[tuple[re.Pattern[str], frozenset[str], str]] = []
        for context in iter_route_contexts(app.routes):
            if context.path is None:  # a route kind without a path; locum has none
                continue
            pattern, template, _ = compile_path(context.path)
            self._by_route[id(context.original_route)].append((pattern, template))
            self._all.append((pattern, frozenset(context.methods or ()), template))

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
        for pattern, methods, template in self._all:
            if scope["method"] in methods and pattern.match(path):
                return template
        return UNMATCHED_ROUTE


def install_route_templates(app: FastAPI) -> None:
    """Once every route is in: create_app's last step."""
    app.state.route_templates = RouteTemplates(app)


def route_template(scope: Scope) -> str:
    templates: RouteTemplates = scope["app"].state.route_templates
    return templates.of(scope)
