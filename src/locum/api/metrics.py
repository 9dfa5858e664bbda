"""Prometheus metrics at /metrics, served on the API's port when LOCUM_METRICS is on (off: no route,
no counting, and /metrics is a 404 like any unknown path). No auth: scrapers send no keys, and
nothing here names a user or an instance.

- locum_http_requests_total and locum_http_request_duration_seconds, by method, route template
  (`/v1/users/{user_id}`; paths no route serves share one label, `unmatched`) and status: bounded labels.
- locum_webhook_delivery_failures_total: failed attempts stored by this server's delivery workers
  (locum.outbox.worker); `locum worker` processes have no /metrics of their own.
- locum_outbox_undispatched_events and locum_outbox_pending_deliveries: the database's backlog,
  every instance's, counted when scraped.

Several workers (`locum serve --workers N`): each process writes its counters to files in
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode, set up by worker_metrics_environment
before the workers start), and whichever worker answers a scrape sums them all.
"""

import functools
import os
import shutil
import time
from pathlib import Path
from typing import NamedTuple

from fastapi import FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response
from starlette.types import Scope

from locum.api.pagination import counting
from locum.api.route_templates import route_template
from locum.db.models import Event, WebhookDelivery
from locum.db.scoping import across_instances
from locum.outbox.dispatch import PENDING
from locum.outbox.worker import delivery_failures
from locum.settings import Settings

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Methods outside this set share one label: clients may send any token as a method.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
LABELS = ("method", "route", "status")

REQUESTS = Counter("locum_http_requests_total", "HTTP requests answered", LABELS)
REQUEST_SECONDS = Histogram("locum_http_request_duration_seconds", "Time to answer an HTTP request", LABELS)


@functools.cache
def _series(method: str, route: str, status: int) -> tuple[Counter, Histogram]:
    """One request's counter and histogram; kept, as `labels()` validates and locks on every call."""
    labels = (method, route, str(status))
    return REQUESTS.labels(*labels), REQUEST_SECONDS.labels(*labels)


def record_request(scope: Scope, status: int, started: float) -> None:
    """Counts one answered request, which started at perf_counter() `started`; the request guards
    (api/guards.py) call it for every request when settings.metrics."""
    method = scope["method"] if scope["method"] in KNOWN_METHODS else OTHER_METHOD
    requests, seconds = _series(method, route_template(scope), status)
    requests.inc()
    seconds.observe(time.perf_counter() - started)


class Backlog(NamedTuple):
    """Work the delivery workers have not done yet, every instance's."""

    undispatched_events: int
    pending_deliveries: int


async def backlog(session: AsyncSession) -> Backlog:
    """Two counts over indexed columns (events.dispatched_at, webhook_deliveries.status)."""
    events = await session.scalar(across_instances(counting(Event).where(Event.dispatched_at.is_(None))))
    deliveries = await session.scalar(
        across_instances(counting(WebhookDelivery).where(WebhookDelivery.status == PENDING))
    )
    return Backlog(events or 0, deliveries or 0)


class _BacklogCollector(Collector):
    def __init__(self, counts: Backlog) -> None:
        self._counts = counts

    def collect(self) -> list[GaugeMetricFamily]:
        return [
            GaugeMetricFamily(
                "locum_outbox_undispatched_events",
                "Events not yet fanned out to webhook endpoints",
                value=self._counts.undispatched_events,
            ),
            GaugeMetricFamily(
                "locum_outbox_pending_deliveries",
                "Webhook deliveries not yet succeeded nor given up",
                value=self._counts.pending_deliveries,
            ),
        ]


def _process_registry() -> CollectorRegistry:
    """This process's metrics, or every worker's in multiprocess mode."""
    if MULTIPROCESS_VARIABLE not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def install_metrics(app: FastAPI) -> None:
    """The /metrics route; create_app calls it when settings.metrics (the request guards feed it)."""
    registry = _process_registry()
    # Listed from the start, at 0 until a delivery fails.
    delivery_failures()

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        """Prometheus metrics: requests by route and status, webhook failures, the outbox backlog."""
        async with request.app.state.read_sessionmaker() as session:
            counts = await backlog(session)
        backlog_registry = CollectorRegistry()
        backlog_registry.register(_BacklogCollector(counts))
        return Response(generate_latest(registry) + generate_latest(backlog_registry), media_type=CONTENT_TYPE_LATEST)


def worker_metrics_environment(settings: Settings) -> dict[str, str]:
    """For `locum serve --workers N` with metrics on: an empty directory the worker processes share
    their counters in (emptied at each start: counts from a previous run must not carry over)."""
    if not settings.metrics:
        return {}
    directory = (settings.data_dir / "metrics").resolve()
    shutil.rmtree(directory, ignore_errors=True)
    Path(directory).mkdir(parents=True)
    return {MULTIPROCESS_VARIABLE: str(directory)}
