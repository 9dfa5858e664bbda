"""Route dispatch by leading path segments: a request tries only the routes its path can match.

FastAPI tries an app's routes in order, and on every request walks each included router's routes
anew (~1 µs a route; locum has ~300). The index flattens the included routes to their full paths
and groups them by their first two path segments (`/v1/users/…` -> ("v1", "users")); a request is
then routed by FastAPI's own router over its group alone, so its answer is the one the whole list
gives: the first route matching path and method in the original order, else the first matching the
path only (405), else a redirect when the path with or without its trailing slash has a route (it
has the same two segments), else 404.

A template segment holding a parameter (`/api_keys/{apiKeyID}`) matches any segment, so its route
joins every group under the literal segments before it; a parameter in the first segment (which a
`:path` one may extend over several) puts its route in every group. Each group keeps the original
order, so a literal route declared before a parameterised one still wins.

Routers can be included deferred (`include_deferred`): a placeholder holds the router's place in
the app's routes, naming the module that declares it and the groups its routes fall in, until a
request of one of those groups (or url_for, or `RouteIndex.routes`) needs it; then the module is
imported and the router included at that place. A group is built from the routes then in, so it has
the routes it would have had with every router included at start. Starting without importing the
resource packages (their schemas, FastAPI's analysis of each route) is most of what makes start-up
quick; tests/api/test_routing.py checks the declared groups against the routes.
"""

import importlib
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.routing import APIRoute, APIRouter, RouteContext, iter_route_contexts
from starlette._utils import get_route_path
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

# In a group key: where a template has a parameter, and where a request's segment is one no
# template names (the routes that match any segment there).
ANY_SEGMENT = None
GroupKey = tuple[str | None, str | None]


def _leading_segments(path: str) -> tuple[str, str]:
    """The first two segments, "" where the path has fewer; trailing slashes do not count, so a path
    and its redirect target share them."""
    first, _, rest = path.strip("/").partition("/")
    return first, rest.partition("/")[0]


def _template_key(template: str | None) -> GroupKey:
    if template is None:  # a route kind without a path template may match anything
        return ANY_SEGMENT, ANY_SEGMENT
    first, second = _leading_segments(template)
    if "{" in first:
        return ANY_SEGMENT, ANY_SEGMENT
    return first, ANY_SEGMENT if "{" in second else second


def _covers(route_key: GroupKey, key: GroupKey) -> bool:
    return all(segment is ANY_SEGMENT or segment == wanted for segment, wanted in zip(route_key, key, strict=True))


class IncludedRoute(BaseRoute):
    """A route of an included router at its full path, as FastAPI resolved it for that inclusion
    (prefix, tags, dependencies, body size limit), and answered as FastAPI answers it (405 included).
    Router-level form limits, which FastAPI applies while it walks an included router, are not:
    locum's routers set none."""

    def __init__(self, context: RouteContext) -> None:
        self.original_route = context.original_route
        self.path_format: str = context.path_format or ""
        self.methods: set[str] = context.methods or set()
        self._matches = context.matches
        self._app = context.app

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = self._matches(scope)
        if match is not Match.NONE:
            # What FastAPI's own dispatch leaves in the scope: the route as its router declared it.
            child_scope["route"] = self.original_route
        return match, child_scope

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in self.methods:
            raise HTTPException(status_code=405, headers={"Allow": ", ".join(self.methods)})
        await self._app(scope, receive, send)


def _flattened(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Routes in routing order, each included one at its full path."""
    for route in routes:
        for context in iter_route_contexts([route]):
            if context.original_route is route:
                yield route
            elif isinstance(context.original_route, APIRoute):
                yield IncludedRoute(context)
            else:
                raise TypeError(f"locum includes routers of API routes only, not {context.original_route!r}")


# Held while deferred routers are included and groups built: requests may come on several threads
# (tests' clients, sync code calling url_for), and one group is built once.
_ROUTES_CHANGING = threading.RLock()


class DeferredInclusion(BaseRoute):
    """The place of a module's router (or routers) in the app's routes until `include()` (see the
    module docstring); `groups` holds the group keys of its routes."""

    def __init__(
        self, parent: APIRouter, module: str, attribute: str, groups: frozenset[GroupKey], options: dict[str, Any]
    ) -> None:
        self._parent = parent
        self.module = module
        self.attribute = attribute
        self.groups = groups
        self._options = options
        self.included: list[BaseRoute] | None = None

    def covers(self, key: GroupKey) -> bool:
        return any(_covers(group, key) for group in self.groups)

    def include(self) -> list[BaseRoute]:
        """Imports the module and includes its routers in this placeholder's place, once; returns the
        routes that took it (what include_router adds)."""
        with _ROUTES_CHANGING:
            if self.included is None:
                declared = getattr(importlib.import_module(self.module), self.attribute)
                routers = [declared] if isinstance(declared, APIRouter) else list(declared)
                routes = self._parent.routes
                end = len(routes)
                for router in routers:
                    self._parent.include_router(router, **self._options)
                included = routes[end:]
                del routes[end:]
                place = next(index for index, route in enumerate(routes) if route is self)
                routes[place : place + 1] = included
                self.included = included
            return self.included

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Never routed to: the route index includes what a request's group needs before routing it.
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in self.include():
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)


def include_deferred(
    app: FastAPI,
    module: str,
    attribute: str = "router",
    *,
    groups: Iterable[str],
    prefix: str = "",
    include_in_schema: bool = True,
) -> None:
    """`app.include_router(<module>.<attribute>, prefix=…, include_in_schema=…)` when a request
    could need it: `groups` are the leading segments of its routes' full paths, as templates
    (`/v1/users`, `/api_keys/{id}`). `attribute` may name a sequence of routers, included in order."""
    keys = frozenset(_template_key(group) for group in groups)
    options = {"prefix": prefix, "include_in_schema": include_in_schema}
    app.router.routes.append(DeferredInclusion(app.router, module, attribute, keys, options))


def include_every_router(app: FastAPI) -> None:
    """Includes every deferred router now: for what lists all the app's routes."""
    _include_all(app.router.routes)


def _include_all(routes: list[BaseRoute]) -> None:
    with _ROUTES_CHANGING:
        for route in list(routes):
            if isinstance(route, DeferredInclusion):
                route.include()


class RouteIndex:
    """The app router's dispatch: Starlette's Router sends every request to its `middleware_stack`.

    Takes the app's routes as they are at the first request, once every route is in (create_app's,
    and any a test adds to it); builds each group at the first request that needs it.
    """

    def __init__(self, router: APIRouter) -> None:
        self._router = router
        self._top_level: list[BaseRoute] | None = None
        self._keys: set[GroupKey] = set()
        self._groups: dict[GroupKey, APIRouter] = {}
        # top-level route -> the routes it holds at their full paths, with their group keys
        self._flat: dict[int, tuple[BaseRoute, list[tuple[BaseRoute, GroupKey]]]] = {}

    @property
    def routes(self) -> list[BaseRoute]:
        """Every route in routing order, the included ones at their full paths (`path_format`),
        deferred routers included first."""
        with _ROUTES_CHANGING:
            _include_all(self._taken())
            return [route for route, _ in self._included_routes()]

    def _taken(self) -> list[BaseRoute]:
        """The app's top-level routes at the first request; the group keys they make."""
        if self._top_level is None:
            top_level = list(self._router.routes)
            keys: set[GroupKey] = {(ANY_SEGMENT, ANY_SEGMENT)}
            for route in top_level:
                if isinstance(route, DeferredInclusion):
                    route_keys = route.groups
                else:
                    route_keys = frozenset(key for _, key in self._keyed(route))
                for first, second in route_keys:
                    keys.update({(first, second), (first, ANY_SEGMENT)})
            # The keys first: `group` reads them without the lock once the routes are taken.
            self._keys = keys
            self._top_level = top_level
        return self._top_level

    def _keyed(self, top_level: BaseRoute) -> list[tuple[BaseRoute, GroupKey]]:
        entry = self._flat.get(id(top_level))
        if entry is None or entry[0] is not top_level:
            routes = [(route, _template_key(getattr(route, "path_format", None))) for route in _flattened([top_level])]
            entry = self._flat[id(top_level)] = (top_level, routes)
        return entry[1]

    def _included_routes(self) -> Iterator[tuple[BaseRoute, GroupKey]]:
        """The routes included so far, in routing order, with their group keys."""
        for route in self._taken():
            if not isinstance(route, DeferredInclusion):
                yield from self._keyed(route)
            elif route.included is not None:
                for included in route.included:
                    yield from self._keyed(included)

    def _build(self, key: GroupKey) -> APIRouter:
        with _ROUTES_CHANGING:
            group = self._groups.get(key)
            if group is None:
                for route in self._taken():
                    if isinstance(route, DeferredInclusion) and route.covers(key):
                        route.include()
                group = self._groups[key] = APIRouter(
                    routes=[route for route, route_key in self._included_routes() if _covers(route_key, key)],
                    redirect_slashes=self._router.redirect_slashes,
                    default=self._router.default,
                    form_limits=self._router.form_limits,
                )
            return group

    def group(self, scope: Scope) -> APIRouter:
        """A router over the routes the request may match."""
        if self._top_level is None:
            with _ROUTES_CHANGING:
                self._taken()
        first, second = _leading_segments(get_route_path(scope))
        # (ANY_SEGMENT, ANY_SEGMENT) is always a key: the routes any path may match.
        candidates = ((first, second), (first, ANY_SEGMENT), (ANY_SEGMENT, ANY_SEGMENT))
        key = next(key for key in candidates if key in self._keys)
        group = self._groups.get(key)
        return group if group is not None else self._build(key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan
            await self._router.app(scope, receive, send)
            return
        # Where url_for looks names up: among all the app's routes, not the group's.
        scope.setdefault("router", self._router)
        await self.group(scope).app(scope, receive, send)


def install_route_index(app: FastAPI) -> None:
    route_index = RouteIndex(app.router)
    app.router.middleware_stack = route_index
    app.state.route_index = route_index
