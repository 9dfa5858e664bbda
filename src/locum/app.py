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

from locum.api.docs import install_docs
from locum.api.errors import install_error_handlers
from locum.api.guards import LocumApp
from locum.api.health import Readiness, install_health
from locum.api.route_index import include_deferred, install_route_index
from locum.api.route_templates import install_route_templates
from locum.api.versioning import DEFAULT_VERSION
from locum.db.engine import create_engine, create_read_sessionmaker, create_sessionmaker
from locum.db.migrate import upgrade
from locum.db.reads import Reader, open_reader
from locum.instances.context import RequestContext
from locum.instances.master_key import open_sealer
from locum.instances.registry import InstanceRegistry, load_instance
from locum.instances.service import InstanceKeys, ensure_default_instance
from locum.kit.dotenv import dotenv_line
from locum.kit.jwt_signing import SigningThreads, pem_one_line
from locum.kit.keys import publishable_key
from locum.kit.sealing import Sealer
from locum.logs import JSON_FORMAT, configure_logging
from locum.outbox.delivery import Transports
from locum.outbox.worker import MAX_IN_FLIGHT, DeliveryWorker, install_delivery_wake
from locum.resources.webhook_endpoints.environment import ensure_environment_endpoint
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
                # Imported here: the seed reaches most resource packages, which start-up imports none of.
                from locum.seeds import apply_seed, read_seed_file

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
        loops = [worker.run(stop)]
        if settings.smtp_url:
            # Imported only to send: the messages package (SMTP client, templates) costs a start ~15 ms.
            from locum.messages import run_email_sender

            loops.append(run_email_sender(sessionmaker, settings, stop=stop))
        await asyncio.gather(*loops)


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


def create_app(
    settings: Settings, *, sealer: Sealer | None = None, prepared_engine: AsyncEngine | None = None
) -> FastAPI:
    """`sealer` and `prepared_engine`: what `locum serve`'s prepare step opened for the same database, used as
    they are. The sealer is not read and checked again (~10 ms of a start); the engine, its
    connections closed, keeps its dialect initialized, so the app's first connection skips the
    dialect's queries (on PostgreSQL four round trips, ~5 ms of CPU and tens of ms on a busy server)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = prepared_engine or create_engine(settings)
        checked = sealer if sealer is not None else await open_sealer(engine, settings)
        # `sqlite:///:memory:` exists only inside this engine, so it is always prepared here.
        if settings.prepare_database or settings.is_memory_database:
            keys = await prepare_database(engine, settings, sealer=checked, apply_webhook_url=True)
            announce_start(settings, keys)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.read_sessionmaker = create_read_sessionmaker(engine)
        app.state.sealer = checked
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

    # Every request crosses one layer, api/guards.py's RequestGuards (tracing, auth, rate limits,
    # error envelopes, metrics), on its way to the router.
    app = LocumApp(title="locum", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    SigningThreads.use_spare_cores(settings.workers)
    install_error_handlers(app)
    if settings.metrics:
        # Imported only when on: prometheus_client is no part of a start without metrics.
        from locum.api.metrics import install_metrics

        install_metrics(app)
    install_health(app)

    include_resource_routes(app)
    install_docs(app)
    install_route_index(app)
    install_route_templates(app)
    return app


# Each resource router, in routing order: a request tries only the routes sharing its path's first
# two segments (api/route_index.py), in this order. Each is included when a request could reach it:
# `groups` lists the first two segments of its routes' paths (tests/api/test_routing.py checks them).
RESOURCES = "locum.resources"
V1 = "/v1"
LOCUM = "/locum"
# Clerk's SDKs call the machine-token endpoints without /v1 (and locum serves them under /v1 too).
VERSIONLESS_ROUTERS = (
    ("m2m_tokens.routes", "router", ("/m2m_tokens", "/m2m_tokens/verify", "/m2m_tokens/{id}")),
    ("api_keys.routes", "router", ("/api_keys", "/api_keys/verify", "/api_keys/{id}")),
    ("oauth_applications.routes", "access_tokens_router", ("/oauth_applications/access_tokens",)),
)


def include_resource_routes(app: FastAPI) -> None:
    def include(module: str, *groups: str, attribute: str = "router", prefix: str = "", listed: bool = True) -> None:
        include_deferred(
            app, f"{RESOURCES}.{module}", attribute, groups=groups, prefix=prefix, include_in_schema=listed
        )

    for module, attribute, groups in VERSIONLESS_ROUTERS:
        include(module, *groups, attribute=attribute, listed=False)
    include("jwks.routes", "/v1/jwks", prefix=V1)
    include("sessions.routes", "/v1/sessions", prefix=V1)
    include("users.routes", "/v1/users", attribute="routers", prefix=V1)
    include("email_addresses.routes", "/v1/email_addresses", "/v1/users", prefix=V1)
    include("phone_numbers.routes", "/v1/phone_numbers", "/v1/users", prefix=V1)
    include("organizations.routes", "/v1/organizations", prefix=V1)
    include(
        "organization_memberships.routes",
        "/v1/organizations",
        "/v1/users",
        "/v1/organization_memberships",
        prefix=V1,
    )
    include(
        "organization_invitations.routes",
        "/v1/organizations",
        "/v1/organization_invitations",
        "/v1/users",
        prefix=V1,
    )
    include("organization_domains.routes", "/v1/organizations", "/v1/organization_domains", prefix=V1)
    include("organization_roles.routes", "/v1/organization_permissions", "/v1/organization_roles", prefix=V1)
    include("role_sets.routes", "/v1/role_sets", prefix=V1)
    include("instance_settings.routes", "/v1/instance", prefix=V1)
    include("beta_features.routes", "/v1/beta_features", "/v1/instance", prefix=V1)
    include("clients.routes", "/v1/clients", prefix=V1)
    include("jwt_templates.routes", "/v1/jwt_templates", "/v1/sessions", prefix=V1)
    include("actor_tokens.routes", "/v1/actor_tokens", prefix=V1)
    include("sign_in_tokens.routes", "/v1/sign_in_tokens", prefix=V1)
    include("testing_tokens.routes", "/v1/testing_tokens", prefix=V1)
    include("svix.routes", "/v1/webhooks", prefix=V1)
    include("templates.routes", "/v1/templates", prefix=V1)
    for module, attribute, groups in VERSIONLESS_ROUTERS:
        include(module, *(V1 + group for group in groups), attribute=attribute, prefix=V1)
    include("machines.routes", "/v1/machines", prefix=V1)
    include("oauth_applications.routes", "/v1/oauth_applications", prefix=V1)
    include("agent_tasks.routes", "/v1/agents", prefix=V1)
    include("admin_portal_links.routes", "/v1/admin_portal_link_tokens", prefix=V1)
    include("identifier_lists.routes", "/v1/allowlist_identifiers", "/v1/blocklist_identifiers", prefix=V1)
    include("invitations.routes", "/v1/invitations", prefix=V1)
    include("sign_ups.routes", "/v1/sign_ups", prefix=V1)
    include("waitlist_entries.routes", "/v1/waitlist_entries", prefix=V1)
    include("domains.routes", "/v1/domains", prefix=V1)
    include("redirect_urls.routes", "/v1/redirect_urls", prefix=V1)
    include("proxy_checks.routes", "/v1/proxy_checks", prefix=V1)
    include("directories.routes", "/v1/scim_directories", attribute="scim_directories_router", prefix=V1)
    include("directories.routes", "/v1/directories", attribute="directories_router", prefix=V1)
    include("billing.routes", "/v1/billing", "/v1/users", "/v1/organizations", prefix=V1)
    include("interstitial.routes", "/v1/public", prefix=V1)
    include("saml_connections.routes", "/v1/saml_connections", prefix=V1)
    include("enterprise_connections.routes", "/v1/enterprise_connections", prefix=V1)
    include("billing_credits.routes", "/v1/users", "/v1/organizations", prefix=V1)
    include("billing_discounts.routes", "/v1/billing", prefix=V1)
    # locum's own endpoints (what Clerk does in its dashboard or Frontend API), same secret-key auth
    include("locum_admin.routes", "/locum/users", "/locum/organization_invitations", prefix=LOCUM, listed=False)
    include("locum_instances.routes", "/locum/instances", prefix=LOCUM, listed=False)
    include("locum_reset.routes", "/locum/reset", prefix=LOCUM, listed=False)
    include(
        "frontend.routes",
        "/locum/sign_in_tokens",
        "/locum/actor_tokens",
        "/locum/agent_tasks",
        "/locum/sessions",
        "/locum/instance",
        prefix=LOCUM,
        listed=False,
    )
    include("webhook_endpoints.routes", "/locum/webhooks", prefix=LOCUM, listed=False)
    include("webhook_replay.routes", "/locum/webhooks", prefix=LOCUM, listed=False)
    include("messages_admin.routes", "/locum/messages", prefix=LOCUM, listed=False)
    include(
        "oauth_applications.routes", "/locum/oauth_applications", attribute="locum_router", prefix=LOCUM, listed=False
    )
    include("sign_ups.routes", "/locum/sign_ups", attribute="locum_router", prefix=LOCUM, listed=False)
    include("enterprise_connections.routes", "/locum/users", attribute="locum_router", prefix=LOCUM, listed=False)
    include("billing.routes", "/locum/billing", attribute="locum_router", prefix=LOCUM, listed=False)
    include("billing_discounts.routes", "/locum/billing", attribute="locum_router", prefix=LOCUM, listed=False)
    include("images.routes", "/locum/images")
    include("jwks.routes", "/.well-known/jwks.json", attribute="public_router", listed=False)


def create_app_from_env() -> FastAPI:
    """Factory for uvicorn workers: settings come from LOCUM_* variables set by `locum serve`."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
