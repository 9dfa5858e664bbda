"""/docs: what this server serves, as one self-contained HTML page built from its routes.

FastAPI's Swagger UI and ReDoc load their scripts from a CDN, which fails offline: this page needs
nothing but itself. It lists Clerk's Backend API operations (each linked to Clerk's reference by
its operation id), locum's own /locum endpoints, and the operational ones (/healthz, /readyz,
/metrics, /docs, the public JWKS), each with its method, path and summary (the route's docstring,
else its name). Public, like /healthz: it shows routes, nothing of any instance.
"""

import html
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.responses import HTMLResponse

from locum.api.route_index import include_every_router

CLERK_OPERATION_URL = "https://clerk.com/docs/reference/backend-api#operation/{operation_id}"
LOCUM_PREFIX = "/locum/"
# HEAD is served wherever GET is; listing it twice would say nothing.
UNLISTED_METHODS = frozenset({"HEAD"})
PAGE_HEADERS = {"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'"}
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222 }
table { border-collapse: collapse; width: 100% } td, th { text-align: left; padding: .25rem .5rem }
tr:nth-child(even) { background: #f4f4f6 } code { font-size: .9rem } .method { font-weight: 600; width: 5rem }
"""


@dataclass(frozen=True, slots=True)
class ServedOperation:
    method: str
    path: str
    summary: str
    # Clerk's operationId, for Backend API operations; None for locum's own endpoints.
    clerk_operation_id: str | None


def _summary(route: APIRoute) -> str:
    if route.summary:
        return route.summary
    if route.description:
        return route.description.strip().splitlines()[0]
    return route.name.replace("_", " ").capitalize()


def served_operations(app: FastAPI) -> Iterator[ServedOperation]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path is None:
            continue
        for method in sorted((route.methods or set()) - UNLISTED_METHODS):
            yield ServedOperation(method, context.path, _summary(route), route.operation_id)


def _rows(operations: list[ServedOperation]) -> str:
    rows = []
    for operation in sorted(operations, key=lambda operation: (operation.path, operation.method)):
        reference = ""
        if operation.clerk_operation_id is not None:
            url = CLERK_OPERATION_URL.format(operation_id=operation.clerk_operation_id)
            reference = f'<a href="{html.escape(url)}">{html.escape(operation.clerk_operation_id)}</a>'
        rows.append(
            f'<tr><td class="method">{operation.method}</td><td><code>{html.escape(operation.path)}</code></td>'
            f"<td>{html.escape(operation.summary)}</td><td>{reference}</td></tr>"
        )
    return "\n".join(rows)


def _section(title: str, introduction: str, operations: list[ServedOperation]) -> str:
    return (
        f"<h2>{title} ({len(operations)})</h2><p>{introduction}</p>"
        f"<table><tr><th>Method</th><th>Path</th><th>Summary</th><th>Clerk reference</th></tr>"
        f"{_rows(operations)}</table>"
    )


def render_page(operations: list[ServedOperation]) -> str:
    clerk = [operation for operation in operations if operation.clerk_operation_id is not None]
    own = [operation for operation in operations if operation.clerk_operation_id is None]
    locum = [operation for operation in own if operation.path.startswith(LOCUM_PREFIX)]
    operational = [operation for operation in own if not operation.path.startswith(LOCUM_PREFIX)]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>locum API reference</title>'
        f"<style>{STYLE}</style></head><body><h1>locum API reference</h1>"
        + _section(
            "Clerk Backend API operations",
            "Served as Clerk serves them, with a secret key (<code>Authorization: Bearer sk_…</code>); "
            "the machine-token operations also without <code>/v1</code>, as Clerk's SDKs call them.",
            clerk,
        )
        + _section(
            "locum's own endpoints",
            "What Clerk does in its dashboard or Frontend API; the same secret-key auth.",
            locum,
        )
        + _section("Operations", "Health, readiness, metrics (when LOCUM_METRICS is on), this page.", operational)
        + "</body></html>"
    )


def install_docs(app: FastAPI) -> None:
    """/docs, added once every other route is in (create_app's last routes): the page lists them all."""
    page: str | None = None

    @app.get("/docs", include_in_schema=False)
    async def api_reference() -> HTMLResponse:
        """This page: every operation this server serves."""
        nonlocal page
        if page is None:
            # Rendered once, at its first request: with every deferred router included then (not at
            # start-up, which includes none), and listing itself.
            include_every_router(app)
            page = render_page(list(served_operations(app)))
        return HTMLResponse(page, headers=PAGE_HEADERS)
