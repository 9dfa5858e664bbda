"""The route template a request was served by (`/v1/users/{user_id}`): a bounded set of labels for
metrics and access logs, where raw paths would grow with every id.

FastAPI leaves the route it ran in the scope, but as its router declared it (`/users/{user_id}`,
without the `/v1` it was included under, and the versionless machine-token routes are included
twice); the routes of the request's group in the route index (api/route_index.py) map it back to
its full template. A request answered before routing (a 401 from auth) is matched against them.
"""

from collections import defaultdict

from fastapi import FastAPI
from fastapi.routing import APIRouter
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from locum.api.route_index import RouteIndex

# The label of a request no route serves: one, whatever paths clients try.
UNMATCHED_ROUTE = "unmatched"


class RouteTemplates:
    """Looked up among the routes of the request's group in the route index, which holds the route
    that served it (the index includes a deferred router when a request could need it)."""

    def __init__(self, index: RouteIndex) -> None:
        self._index = index
        # per group (by id: the index keeps each for good): route as FastAPI leaves it in the scope
        # -> the group's routes serving it at their full paths (one, unless a router is included twice
        # under paths the group shares)
        self._served_by: dict[int, defaultdict[int, list[BaseRoute]]] = {}

    def _in_group(self, group: APIRouter) -> defaultdict[int, list[BaseRoute]]:
        served_by = self._served_by.get(id(group))
        if served_by is None:
            served_by = defaultdict(list)
            for route in group.routes:
                served_by[id(getattr(route, "original_route", route))].append(route)
            self._served_by[id(group)] = served_by
        return served_by

    def of(self, scope: Scope) -> str:
        group = self._index.group(scope)
        route = scope.get("route")
        if route is not None:
            candidates = self._in_group(group).get(id(route), ())
            if len(candidates) == 1:
                return _template(candidates[0])
            for candidate in candidates:
                if candidate.matches(scope)[0] is not Match.NONE:
                    return _template(candidate)
        for candidate in group.routes:
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
