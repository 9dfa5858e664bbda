"""Redirect URL rules: the URL's form, and one of each URL per instance.

A redirect URL is absolute: `http(s)://host/…` for web apps, or a custom scheme for native apps
(`my-app://oauth-callback`, or RFC 8252's `com.example.app:/callback`). Schemes that run or read
something instead of opening a page (`javascript:`, `data:`, `file:`, `vbscript:`, `blob:`) are
refused. A duplicate is caught by the (instance_id, url) unique constraint, so two concurrent
creations of one URL make one row.
"""

import re
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_format_invalid
from locum.api.pagination import ListBody, PaginatedQuery, list_body
from locum.db.locking import locked_for_delete
from locum.instances.context import RequestContext
from locum.kit.json_types import JSON
from locum.resources.redirect_urls.errors import redirect_url_exists
from locum.resources.redirect_urls.repository import RedirectUrlRepository
from locum.resources.redirect_urls.serializers import deleted_redirect_url_json, redirect_url_json

WEB_SCHEMES = frozenset({"http", "https"})
REFUSED_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "blob"})
# RFC 3986 §3.1
SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")


def _url_problem(url: str) -> str | None:
    """Why `url` can't be a redirect URL, or None."""
    if any(character.isspace() for character in url):
        return "must not contain whitespace"
    scheme, separator, rest = url.partition(":")
    scheme = scheme.lower()
    if not separator or not SCHEME.fullmatch(scheme) or not rest.strip("/"):
        return "must be an absolute URL: https://… or a custom scheme such as my-app://…"
    if scheme in REFUSED_SCHEMES:
        return f"must not use the {scheme}: scheme"
    if scheme in WEB_SCHEMES:
        try:
            host = urlsplit(url).hostname
        except ValueError:
            host = None
        if not host:
            return "must name a host"
    return None


async def list_redirect_urls(session: AsyncSession, ctx: RequestContext, *, query: PaginatedQuery) -> ListBody:
    """A bare array as the spec shows; with paginated=true Clerk's SDKs expect {data, total_count}."""
    rows, total_count = await RedirectUrlRepository(session, ctx.instance_id).list_page(query)
    return list_body([redirect_url_json(row) for row in rows], total_count)


async def create_redirect_url(session: AsyncSession, ctx: RequestContext, *, url: str) -> JSON:
    problem = _url_problem(url)
    if problem is not None:
        raise form_param_format_invalid("url", f"url {problem}.")
    redirect_url = RedirectUrlRepository(session, ctx.instance_id).add(url=url)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise redirect_url_exists() from exc
    return redirect_url_json(redirect_url)


async def get_redirect_url(session: AsyncSession, ctx: RequestContext, *, redirect_url_id: str) -> JSON:
    return redirect_url_json(await RedirectUrlRepository(session, ctx.instance_id).get_or_raise(redirect_url_id))


async def delete_redirect_url(session: AsyncSession, ctx: RequestContext, *, redirect_url_id: str) -> JSON:
    redirect_url = await RedirectUrlRepository(session, ctx.instance_id).get_or_raise(
        redirect_url_id, lock=locked_for_delete
    )
    await session.delete(redirect_url)
    await session.flush()
    return deleted_redirect_url_json(redirect_url_id)
