"""Clerk-API-Version: taken from the header or the `__clerk_api_version` query parameter."""

from starlette.datastructures import QueryParams
from starlette.types import Scope

from locum.api.errors import api_version_invalid

RELEASED_VERSIONS = ("2021-02-05", "2024-10-01", "2025-04-10", "2025-11-10", "2026-05-12")
DEFAULT_VERSION = "2025-11-10"
VERSION_HEADER = "clerk-api-version"
VERSION_QUERY = "__clerk_api_version"


def read_api_version(scope: Scope, header: str | None) -> str:
    """The version the request asks for (the default when it names none), given its VERSION_HEADER
    header's value; raises api_version_invalid."""
    query = QueryParams(scope["query_string"]).get(VERSION_QUERY) if scope["query_string"] else None
    if header is not None and query is not None:
        raise api_version_invalid(
            f"Provide the API version either in the {VERSION_HEADER} header or the {VERSION_QUERY} "
            "query parameter, not both."
        )
    requested = header if header is not None else query
    if requested is None:
        return DEFAULT_VERSION
    if requested not in RELEASED_VERSIONS:
        raise api_version_invalid(
            f"{requested!r} is not a valid API version. Valid versions: {', '.join(RELEASED_VERSIONS)}."
        )
    return requested
