"""/docs: a self-contained reference page listing every /locum endpoint and every Clerk operation the
app serves (compared with the app's own routes), each Clerk operation linked by its operation id."""

import re
from html.parser import HTMLParser

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from locum.api.docs import CLERK_OPERATION_URL
from tests.conftest import api_client

Row = tuple[str, str]


class _Rows(HTMLParser):
    """(method, path) of each table row, and the link of each row that has one."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: dict[Row, str] = {}
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []
        elif tag == "a" and self.rows:
            method, path = self.rows[-1][:2]
            self.links[(method, path)] = dict(attrs)["href"] or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
async def page(app: FastAPI) -> httpx.Response:
    async with api_client(app, None) as http:
        return await http.get("/docs")


def listed(page: httpx.Response) -> _Rows:
    parser = _Rows()
    parser.feed(page.text)
    return parser


def served(app: FastAPI) -> list[tuple[str, str, str | None]]:
    """(method, path, Clerk operation id) of every route of the app."""
    return [
        (method, context.path, context.original_route.operation_id)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for method in context.original_route.methods
        if method != "HEAD"
    ]


class TestApiReference:
    async def test_it_is_an_html_page_anyone_may_open(self, page: httpx.Response) -> None:
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")

    async def test_every_locum_endpoint_is_listed(self, app: FastAPI, page: httpx.Response) -> None:
        rows = {tuple(row[:2]) for row in listed(page).rows if row}
        locum_routes = {(method, path) for method, path, _ in served(app) if path.startswith("/locum/")}
        assert len(locum_routes) > 30
        assert locum_routes <= rows

    async def test_every_served_clerk_operation_is_listed_and_linked_to_clerks_reference(
        self, app: FastAPI, page: httpx.Response
    ) -> None:
        links = listed(page).links
        operations = {(method, path): operation_id for method, path, operation_id in served(app) if operation_id}
        assert len(operations) > 200
        assert links == {row: CLERK_OPERATION_URL.format(operation_id=id_) for row, id_ in operations.items()}
        assert links[("GET", "/v1/users/{user_id}")].endswith("#operation/GetUser")

    async def test_the_operational_endpoints_are_listed(self, page: httpx.Response) -> None:
        rows = {tuple(row[:2]) for row in listed(page).rows if row}
        assert {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/docs")} <= rows

    async def test_the_page_loads_nothing_from_elsewhere(self, page: httpx.Response) -> None:
        assert not re.search(r"<script|<link|<img|\ssrc=", page.text)
        assert "default-src 'none'" in page.headers["content-security-policy"]
