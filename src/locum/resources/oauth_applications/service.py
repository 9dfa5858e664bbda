"""OAuth applications: create, list, read, update, delete, logo and client secret rotation.

A confidential application has a client secret, shown only by creation and rotation and kept as
its digest alone; a public one (`public: true`) has none, and its `client_secret` is "". Making a
confidential application public drops its secret; making a public one confidential leaves it
without one until the secret is rotated. `client_id` is public, random and unique in the instance.
Deleting an application deletes its access tokens with it (the foreign key cascades) and its logo.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.ordering import parse_order_by
from locum.api.pagination import list_body
from locum.db.constraints import flush
from locum.db.locking import locked, locked_for_delete
from locum.db.models import OAuthApplication
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.ids import random_base62
from locum.kit.json_types import JSON
from locum.kit.keys import secret_digest
from locum.resources.images.repository import ImageRepository
from locum.resources.images.uploads import DecodedImage
from locum.resources.oauth_applications.repository import DEFAULT_ORDER, ORDER_COLUMNS, OAuthApplicationRepository
from locum.resources.oauth_applications.schemas import (
    DEFAULT_SCOPES,
    CreateOAuthApplicationBody,
    OAuthApplicationListQuery,
    UpdateOAuthApplicationBody,
)
from locum.resources.oauth_applications.serializers import (
    deleted_oauth_application_json,
    oauth_application_json,
    oauth_application_with_secret_json,
)

# As long as Clerk's (16 and 32 base62 characters): ~95 and ~190 random bits.
CLIENT_ID_LENGTH = 16
CLIENT_SECRET_LENGTH = 32


def _json(ctx: RequestContext, application: OAuthApplication) -> JSON:
    return oauth_application_json(application, origin=ctx.origin, frontend_api_url=ctx.instance.frontend_api_url)


def _with_secret(ctx: RequestContext, application: OAuthApplication, client_secret: str | None) -> JSON:
    return oauth_application_with_secret_json(
        application, client_secret, origin=ctx.origin, frontend_api_url=ctx.instance.frontend_api_url
    )


def _new_secret(application: OAuthApplication) -> str | None:
    """A fresh client secret for a confidential application (its digest stored), None for a public one."""
    if application.public:
        application.client_secret_digest = None
        return None
    client_secret = random_base62(CLIENT_SECRET_LENGTH)
    application.client_secret_digest = secret_digest(client_secret)
    return client_secret


async def list_applications(session: AsyncSession, ctx: RequestContext, *, query: OAuthApplicationListQuery) -> JSON:
    ordering = parse_order_by(query.order_by[0] if query.order_by else None, ORDER_COLUMNS, DEFAULT_ORDER)
    page = await OAuthApplicationRepository(session, ctx.instance_id).page(query, ordering, name_query=query.name_query)
    return list_body([_json(ctx, application) for application in page.items], page.total_count)


async def create_application(session: AsyncSession, ctx: RequestContext, *, body: CreateOAuthApplicationBody) -> JSON:
    application = OAuthApplicationRepository(session, ctx.instance_id).add(
        name=body.name,
        client_id=random_base62(CLIENT_ID_LENGTH),
        public=bool(body.public),
        scopes=body.scopes if body.scopes is not None else DEFAULT_SCOPES,
        redirect_uris=body.given_redirect_uris() or [],
        consent_screen_enabled=body.consent_screen_enabled if body.consent_screen_enabled is not None else True,
        pkce_required=bool(body.pkce_required),
        client_uri=None,
    )
    client_secret = _new_secret(application)
    await flush(session)
    return _with_secret(ctx, application, client_secret)


async def get_application(session: AsyncSession, ctx: RequestContext, *, application_id: str) -> JSON:
    return _json(ctx, await OAuthApplicationRepository(session, ctx.instance_id).get_or_raise(application_id))


async def update_application(
    session: AsyncSession, ctx: RequestContext, *, application_id: str, body: UpdateOAuthApplicationBody
) -> JSON:
    application = await OAuthApplicationRepository(session, ctx.instance_id).get_or_raise(application_id, lock=locked)
    redirect_uris = body.given_redirect_uris()
    if redirect_uris is not None:
        application.redirect_uris = redirect_uris
    for field in ("name", "scopes", "consent_screen_enabled", "pkce_required"):
        value = getattr(body, field)
        if value is not None:
            setattr(application, field, value)
    if body.public is not None and body.public != application.public:
        application.public = body.public
        if body.public:
            application.client_secret_digest = None
    application.updated_at = now_ms()
    await flush(session)
    return _json(ctx, application)


async def delete_application(session: AsyncSession, ctx: RequestContext, *, application_id: str) -> JSON:
    applications = OAuthApplicationRepository(session, ctx.instance_id)
    application = await applications.get_or_raise(application_id, lock=locked_for_delete)
    if application.image_id is not None:
        await applications.delete_image(application.image_id)
    await session.delete(application)
    await flush(session)
    return deleted_oauth_application_json(application_id)


async def set_logo(session: AsyncSession, ctx: RequestContext, *, application_id: str, image: DecodedImage) -> JSON:
    """Store the image and show it as the logo; the previous logo's image is deleted."""
    applications = OAuthApplicationRepository(session, ctx.instance_id)
    application = await applications.get_or_raise(application_id, lock=locked)
    stored = ImageRepository(session, ctx.instance_id).store(image)
    if application.image_id is not None:
        await applications.delete_image(application.image_id)
    application.image_id = stored.id
    application.updated_at = now_ms()
    await flush(session)
    return _json(ctx, application)


async def rotate_secret(session: AsyncSession, ctx: RequestContext, *, application_id: str) -> JSON:
    """A new client secret; the previous one stops working at once."""
    application = await OAuthApplicationRepository(session, ctx.instance_id).get_or_raise(application_id, lock=locked)
    client_secret = _new_secret(application)
    application.updated_at = now_ms()
    await flush(session)
    return _with_secret(ctx, application, client_secret)
