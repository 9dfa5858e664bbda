"""The route template a request was served by (`/v1/users/{user_id}`): a bounded set of labels for
metrics and access logs, where raw paths would grow with every id.

FastAPI leaves the route it ran in the scope, but as its router declared it (`/users/{user_id}`,
without the `/v1` it was included under, and the versionless machine-token routes are included
twice); the table maps it back to its full template. A request answered before routing (a 401 from
auth) is matched against the routes of its group in the route index (api/route_index.py).
"""

from collections import defaultdict

from fastapi import FastAPI
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from locum.api.route_index import RouteIndex

# The label of a request no route serves: one, whatever paths clients try.
UNMATCHED_ROUTE = "unmatched"


class RouteTemplates:
    """Built at first use, from the route index (itself built once every route is in)."""

    def __init__(self, index: RouteIndex) -> None:
        self._index = index
        # route as FastAPI leaves it in the scope -> the routes serving it at their full paths: one
        # each, two for the versionless routes
        self._by_route: defaultdict[int, list[BaseRoute]] | None = None

    def _served_by(self) -> defaultdict[int, list[BaseRoute]]:
        if self._by_route is None:
            self._by_route = defaultdict(list)
            for route in self._index.routes:
                self._by_route[id(getattr(route, "original_route", route))].append(route)
        return self._by_route

    def of(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is not None:
            candidates = self._served_by().get(id(route), ())
            if len(candidates) == 1:
                return _template(candidates[0])
            for candidate in candidates:
                if candidate.matches(scope)[0] is not Match.NONE:
                    return _template(candidate)
        for candidate in self._index.group(scope).routes:
            if candidate.matches(scope)[0] is Match.FULL:
                return _template(candidate)
        return UNMATCHED_ROUTE


def _template(route: BaseRoute) -> str:
    template: str = getattr(route, "path_format", UNMATCHED_ROUTE)
    return template


def install_route_templates(app: FastAPI) -> None:
    """After install_route_index."""
    app.state.route_templates = RouteTemplates(app.state.route_index)


def route_template(scope: Scope) -> str:
    templates: RouteTemplates = scope["app"].state.route_templates
    return templates.of(scope)
