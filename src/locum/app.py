"""create_app(settings): the ASGI application, its lifespan and its routers; and the background
work (webhook delivery, queued emails) that `locum serve` runs beside it and `locum worker` alone."""

import asyncio
import dataclasses
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from locum.api.auth import InstanceAuthMiddleware
from locum.api.docs import install_docs
from locum.api.errors import install_error_handlers
from locum.api.guards import RequestTargetMiddleware, UnhandledErrorMiddleware
from locum.api.health import Readiness, install_health
from locum.api.metrics import install_metrics
from locum.api.rate_limits import RATE_LIMITS_CLERK, RateLimitMiddleware
from locum.api.route_index import install_route_index
from locum.api.route_templates import install_route_templates
from locum.api.tracing import TracingMiddleware
from locum.api.versioning import DEFAULT_VERSION
from locum.db.engine import create_engine, create_read_sessionmaker, create_sessionmaker
from locum.db.migrate import upgrade
from locum.db.reads import Reader, open_reader
from locum.instances.context import RequestContext
from locum.instances.master_key import open_sealer
from locum.instances.registry import InstanceRegistry, load_instance
from locum.instances.service import InstanceKeys, ensure_default_instance
from locum.kit.dotenv import dotenv_line
from locum.kit.jwt_signing import pem_one_line
from locum.kit.keys import publishable_key
from locum.kit.sealing import Sealer
from locum.logs import JSON_FORMAT, configure_logging
from locum.messages import run_email_sender
from locum.outbox.delivery import Transports
from locum.outbox.worker import MAX_IN_FLIGHT, DeliveryWorker, install_delivery_wake
from locum.resources import (
    actor_tokens,
    admin_portal_links,
    agent_tasks,
    api_keys,
    beta_features,
    billing,
    billing_credits,
    billing_discounts,
    clients,
    directories,
    domains,
    email_addresses,
    frontend,
    images,
    instance_settings,
    interstitial,
    invitations,
    jwks,
    jwt_templates,
    locum_admin,
    locum_instances,
    locum_reset,
    m2m_tokens,
    machines,
    messages_admin,
    oauth_applications,
    organization_domains,
    organization_invitations,
    organization_memberships,
    organization_roles,
    organizations,
    phone_numbers,
    proxy_checks,
    redirect_urls,
    role_sets,
    saml_connections,
    sign_in_tokens,
    sign_ups,
    svix,
    templates,
    testing_tokens,
    users,
    waitlist_entries,
    webhook_endpoints,
    webhook_replay,
)
from locum.resources.enterprise_connections import routes as enterprise_connections
from locum.resources.identifier_lists.routes import router as identifier_lists_router
from locum.resources.sessions.routes import router as sessions_router
from locum.resources.webhook_endpoints.environment import ensure_environment_endpoint
from locum.seeds import apply_seed, read_seed_file
from locum.settings import Settings

logger = logging.getLogger("locum")


async def prepare_database(
    engine: AsyncEngine, settings: Settings, *, sealer: Sealer, apply_webhook_url: bool = False
) -> InstanceKeys:
    """Migrate the schema and make sure the default instance exists; returns its keys.

    `sealer` comes from open_sealer, which has checked it against the database before migrating.

    `apply_webhook_url` (for `locum serve` only) also makes the default instance's "environment"
    endpoint match LOCUM_WEBHOOK_URL: other commands run from shells without that variable must
    not remove it; and applies the seed file (`--seed`, LOCUM_SEED_FILE), if any, in the same
    transaction.
    """
    await upgrade(engine, sealer=sealer)
    async with create_sessionmaker(engine)() as session:
        keys = await ensure_default_instance(session, sealer, secret_key=settings.secret_key)
        if apply_webhook_url:
            webhook_secret = await ensure_environment_endpoint(
                session, sealer, instance_id=keys.instance_id, url=settings.webhook_url, secret=settings.webhook_secret
            )
            instance = await load_instance(session, sealer, keys.instance_id)
            keys = dataclasses.replace(
                keys, webhook_secret=webhook_secret, jwt_key=instance.active_signing_key.public_pem
            )
            if settings.seed_file is not None:
                entries = read_seed_file(settings.seed_file)
                # What the services know of the seed: a request from nobody, at the configured origin.
                ctx = RequestContext(instance=instance, origin=settings.origin, api_version=DEFAULT_VERSION)
                logger.info((await apply_seed(session, ctx, sealer, entries)).summary())
        await session.commit()
    return keys


def startup_banner(settings: Settings, keys: InstanceKeys) -> str:
    """What the person running `locum serve` needs: where it serves, and its keys as `locum keys` prints them."""
    return "\n".join(
        [
            f"locum is serving Clerk's Backend API at {settings.origin}/v1",
            dotenv_line("CLERK_SECRET_KEY", keys.secret_key),
            dotenv_line("CLERK_PUBLISHABLE_KEY", publishable_key(keys.environment_type, keys.frontend_api_host)),
            dotenv_line("CLERK_API_URL", settings.origin),
            *([dotenv_line("CLERK_JWT_KEY", pem_one_line(keys.jwt_key))] if keys.jwt_key else []),
            *(
                [
                    dotenv_line("CLERK_WEBHOOK_SIGNING_SECRET", keys.webhook_secret),
                    f"(webhooks are delivered to LOCUM_WEBHOOK_URL={settings.webhook_url}, signed with that secret)",
                ]
                if keys.webhook_secret
                else []
            ),
        ]
    )


def announce_start(settings: Settings, keys: InstanceKeys) -> None:
    """The banner, printed for the person running locum and never logged (it carries the secret
    keys); with JSON logs, whose stream must stay JSON, one log line without them instead."""
    if settings.log_format == JSON_FORMAT:
        logger.info("locum is serving Clerk's Backend API at %s/v1 (`locum keys` prints its keys)", settings.origin)
        return
    print(startup_banner(settings, keys), file=sys.stderr, flush=True)


async def run_worker(
    sessionmaker: async_sessionmaker[AsyncSession],
    sealer: Sealer,
    settings: Settings,
    *,
    reader: Reader,
    stop: asyncio.Event,
    wake: asyncio.Event | None = None,
) -> None:
    """Deliver webhooks (and queued emails, when LOCUM_SMTP_URL is set) until `stop` is set; errors
    are logged and the loops go on. `wake` makes the webhook worker look for work at once."""
    async with Transports(MAX_IN_FLIGHT) as transports:
        worker = DeliveryWorker(sessionmaker, sealer, settings, transports, reader=reader, wake=wake or asyncio.Event())
        await asyncio.gather(worker.run(stop), run_email_sender(sessionmaker, settings, stop=stop))


@asynccontextmanager
async def deliver_in_app(app: Starlette) -> AsyncIterator[None]:
    """A worker beside the app while the block runs, if settings.deliver_in_serve.

    For create_app's lifespan, once app.state holds the sessionmaker, the sealer and the reader. On
    `sqlite:///:memory:` the worker's sessions take turns with the requests' on the one connection
    (db/shared_connection.py).
    """
    settings: Settings = app.state.settings
    if not settings.deliver_in_serve:
        yield
        return
    stop = asyncio.Event()
    wake = install_delivery_wake(app)
    task = asyncio.create_task(
        run_worker(app.state.sessionmaker, app.state.sealer, settings, reader=app.state.reader, stop=stop, wake=wake)
    )
    # /readyz reports the process not ready once this task has ended.
    app.state.delivery_task = task
    try:
        yield
    finally:
        stop.set()
        await task


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        sealer = await open_sealer(engine, settings)
        # `sqlite:///:memory:` exists only inside this engine, so it is always prepared here.
        if settings.prepare_database or settings.is_memory_database:
            keys = await prepare_database(engine, settings, sealer=sealer, apply_webhook_url=True)
            announce_start(settings, keys)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.read_sessionmaker = create_read_sessionmaker(engine)
        app.state.sealer = sealer
        app.state.reader = await open_reader(settings, engine)
        app.state.registry = InstanceRegistry(app.state.sessionmaker, app.state.sealer, app.state.reader)
        app.state.readiness = Readiness(settings, engine)
        try:
            async with deliver_in_app(app):
                yield
        finally:
            await app.state.readiness.close()
            await app.state.reader.close()
            await engine.dispose()

    app = FastAPI(title="locum", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    install_error_handlers(app)
    # Added innermost first. Requests meet tracing, unhandled errors, auth, then rate limits (which need
    # the instance auth found), then the request target check.
    app.add_middleware(RequestTargetMiddleware)
    if settings.rate_limits == RATE_LIMITS_CLERK:
        app.add_middleware(RateLimitMiddleware)
    app.add_middleware(InstanceAuthMiddleware)
    app.add_middleware(UnhandledErrorMiddleware)
    if settings.metrics:
        # Inside tracing: a request's metrics include every middleware that can answer it but that one.
        install_metrics(app)
    app.add_middleware(TracingMiddleware)
    install_health(app)

    # Clerk's SDKs call the machine-token endpoints without /v1.
    versionless_routers = (m2m_tokens.router, api_keys.router, oauth_applications.access_tokens_router)
    for router in versionless_routers:
        app.include_router(router, include_in_schema=False)
    # A request tries only the routes sharing its path's first two segments (api/route_index.py), in
    # this order.
    v1_routers = (
        jwks.router,
        sessions_router,
        *users.routers,
        email_addresses.router,
        phone_numbers.router,
        organizations.router,
        organization_memberships.router,
        organization_invitations.router,
        organization_domains.router,
        organization_roles.router,
        role_sets.router,
        instance_settings.router,
        beta_features.router,
        clients.router,
        jwt_templates.router,
        actor_tokens.router,
        sign_in_tokens.router,
        testing_tokens.router,
        svix.router,
        templates.router,
        *versionless_routers,
        machines.router,
        oauth_applications.router,
        agent_tasks.router,
        admin_portal_links.router,
        identifier_lists_router,
        invitations.router,
        sign_ups.router,
        waitlist_entries.router,
        domains.router,
        redirect_urls.router,
        proxy_checks.router,
        *directories.routers,
        billing.router,
        interstitial.router,
        saml_connections.router,
        enterprise_connections.router,
        billing_credits.router,
        billing_discounts.router,
    )
    for router in v1_routers:
        app.include_router(router, prefix="/v1")
    # locum's own endpoints (what Clerk does in its dashboard or Frontend API), same secret-key auth
    app.include_router(locum_admin.router, prefix="/locum", include_in_schema=False)
    app.include_router(locum_instances.router, prefix="/locum", include_in_schema=False)
    app.include_router(locum_reset.router, prefix="/locum", include_in_schema=False)
    app.include_router(frontend.router, prefix="/locum", include_in_schema=False)
    app.include_router(webhook_endpoints.router, prefix="/locum", include_in_schema=False)
    app.include_router(webhook_replay.router, prefix="/locum", include_in_schema=False)
    app.include_router(messages_admin.router, prefix="/locum", include_in_schema=False)
    app.include_router(oauth_applications.locum_router, prefix="/locum", include_in_schema=False)
    app.include_router(sign_ups.locum_router, prefix="/locum", include_in_schema=False)
    app.include_router(enterprise_connections.locum_router, prefix="/locum", include_in_schema=False)
    app.include_router(billing.locum_router, prefix="/locum", include_in_schema=False)
    app.include_router(billing_discounts.locum_router, prefix="/locum", include_in_schema=False)
    app.include_router(images.router)
    app.include_router(jwks.public_router, include_in_schema=False)
    install_docs(app)
    install_route_index(app)
    install_route_templates(app)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for uvicorn workers: settings come from LOCUM_* variables set by `locum serve`."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
