"""Clerk-API-Version: taken from the header or the `__clerk_api_version` query parameter."""

from contextvars import ContextVar

from fastapi import Request

from locum.api.errors import api_version_invalid

RELEASED_VERSIONS = ("2021-02-05", "2024-10-01", "2025-04-10", "2025-11-10", "2026-05-12")
DEFAULT_VERSION = "2025-11-10"
VERSION_HEADER = "clerk-api-version"
VERSION_QUERY = "__clerk_api_version"

_api_version: ContextVar[str] = ContextVar("locum_api_version", default=DEFAULT_VERSION)


def api_version() -> str:
    return _api_version.get()


async def read_api_version(request: Request) -> str:
    header = request.headers.get(VERSION_HEADER)
    query = request.query_params.get(VERSION_QUERY)
    if header is not None and query is not None:
        raise api_version_invalid(
            f"Provide the API version either in the {VERSION_HEADER} header or the {VERSION_QUERY} query parameter, not both."
        )
    requested = header if header is not None else query
    if requested is None:
        return DEFAULT_VERSION
    if requested not in RELEASED_VERSIONS:
        raise api_version_invalid(
            f"{requested!r} is not a valid API version. Valid versions: {', '.join(RELEASED_VERSIONS)}."
        )
    _api_version.set(requested)
    return requested
