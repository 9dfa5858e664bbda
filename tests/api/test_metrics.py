"""/metrics (LOCUM_METRICS=on): Prometheus text that prometheus_client's own parser reads, with request
counts and latencies by route template and status, and the outbox backlog.

The counters belong to the test process, which runs other apps too: tests compare scrapes taken
before and after what they do.
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from locum.app import create_app
from locum.instances.service import InstanceKeys
from locum.settings import Settings
from tests.builders import inspection_session, make_user
from tests.conftest import api_client, new_instance
from tests.sdk.conftest import LocumServer, start_server, stop_server
from tests.webhook_delivery import add_endpoint

Labels = tuple[tuple[str, str], ...]
Samples = dict[tuple[str, Labels], float]
SCRAPES_ACROSS_WORKERS = 20
# An endpoint's address: no worker runs in these tests' apps to reach it.
UNREACHED_URL = "https://receiver.invalid/webhooks"


@pytest.fixture(scope="module")
async def metrics_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"metrics": True}))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def keys(metrics_app: FastAPI) -> InstanceKeys:
    return await new_instance(metrics_app)


def parse(exposition: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


async def scrape(app: FastAPI) -> Samples:
    async with api_client(app, None) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def requests_of(samples: Samples, method: str, route: str, status: int) -> float:
    labels = (("method", method), ("route", route), ("status", str(status)))
    return samples.get(("locum_http_requests_total", labels), 0.0)


def observations_of(samples: Samples, route: str, status: int) -> float:
    labels = (("method", "GET"), ("route", route), ("status", str(status)))
    return samples.get(("locum_http_request_duration_seconds_count", labels), 0.0)


class TestMetricsOff:
    async def test_metrics_is_an_unknown_path_by_default(self, app: FastAPI) -> None:
        async with api_client(app, None) as http:
            response = await http.get("/metrics")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "resource_not_found"


class TestRequestMetrics:
    async def test_requests_are_counted_by_route_template_and_status(
        self, metrics_app: FastAPI, keys: InstanceKeys
    ) -> None:
        before = await scrape(metrics_app)
        async with api_client(metrics_app, keys.secret_key) as http:
            user = await make_user(http)
            assert (await http.get(f"/v1/users/{user['id']}")).status_code == 200
            assert (await http.get("/v1/users/user_missing")).status_code == 404
            assert (await http.get("/no/such/path/123")).status_code == 404
            assert (await http.get("/no/such/path/456")).status_code == 404
        async with api_client(metrics_app, None) as anonymous:
            assert (await anonymous.get("/v1/users/user_missing")).status_code == 401
        after = await scrape(metrics_app)

        def counted(method: str, route: str, status: int) -> float:
            return requests_of(after, method, route, status) - requests_of(before, method, route, status)

        assert counted("POST", "/v1/users", 200) == 1
        assert counted("GET", "/v1/users/{user_id}", 200) == 1
        assert counted("GET", "/v1/users/{user_id}", 404) == 1
        # Refused by auth before routing: still labelled with the route the path belongs to.
        assert counted("GET", "/v1/users/{user_id}", 401) == 1
        assert counted("GET", "unmatched", 404) == 2
        assert not any("/no/such" in dict(labels).get("route", "") for _, labels in after)

    async def test_routes_served_with_and_without_v1_are_labelled_apart(
        self, metrics_app: FastAPI, keys: InstanceKeys
    ) -> None:
        before = await scrape(metrics_app)
        async with api_client(metrics_app, keys.secret_key, check_contract=False) as http:
            await http.get("/m2m_tokens")
            await http.get("/v1/m2m_tokens")
            await http.get("/v1/m2m_tokens")
        after = await scrape(metrics_app)

        def counted(route: str) -> float:
            return sum(
                value - before.get((name, labels), 0.0)
                for (name, labels), value in after.items()
                if name == "locum_http_requests_total" and dict(labels)["route"] == route
            )

        assert (counted("/m2m_tokens"), counted("/v1/m2m_tokens")) == (1, 2)

    async def test_each_request_is_observed_in_the_latency_histogram(self, metrics_app: FastAPI) -> None:
        before = await scrape(metrics_app)
        async with api_client(metrics_app, None) as http:
            for _ in range(3):
                await http.get("/healthz")
        after = await scrape(metrics_app)
        assert observations_of(after, "/healthz", 200) - observations_of(before, "/healthz", 200) == 3
        labels = (("le", "+Inf"), ("method", "GET"), ("route", "/healthz"), ("status", "200"))
        assert after[("locum_http_request_duration_seconds_bucket", labels)] == observations_of(after, "/healthz", 200)

    async def test_methods_nobody_serves_share_one_label(self, metrics_app: FastAPI) -> None:
        before = await scrape(metrics_app)
        async with api_client(metrics_app, None) as http:
            await http.request("BREW", "/healthz")
        after = await scrape(metrics_app)
        assert requests_of(after, "other", "/healthz", 405) - requests_of(before, "other", "/healthz", 405) == 1


class TestOutboxBacklog:
    async def test_events_not_yet_fanned_out_are_counted(self, metrics_app: FastAPI, keys: InstanceKeys) -> None:
        async with inspection_session(metrics_app) as session:
            add_endpoint(session, metrics_app.state.sealer, instance_id=keys.instance_id, url=UNREACHED_URL)
            await session.commit()
        without_endpoints = await new_instance(metrics_app)
        before = await scrape(metrics_app)
        async with api_client(metrics_app, keys.secret_key) as http:
            await make_user(http)
            await make_user(http)
        async with api_client(metrics_app, without_endpoints.secret_key) as http:
            await make_user(http)
        after = await scrape(metrics_app)
        undispatched = ("locum_outbox_undispatched_events", ())
        # No worker runs in the tests' apps: the two user.created events its endpoint wants wait;
        # the other instance's, which no endpoint wants, were stored dispatched.
        assert after[undispatched] - before[undispatched] == 2
        assert ("locum_outbox_pending_deliveries", ()) in after


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[LocumServer]:
    server = start_server(tmp_path, extra_env={"LOCUM_METRICS": "on"}, extra_args=("--workers", "2"))
    yield server
    stop_server(server)


class TestSeveralWorkers:
    def test_every_scrape_counts_the_requests_of_all_workers(self, two_workers: LocumServer) -> None:
        for _ in range(SCRAPES_ACROSS_WORKERS):
            # A connection each: either worker may accept it. A worker's first /docs includes every
            # deferred router (api/route_index.py): seconds on a busy machine.
            assert httpx.get(f"{two_workers.origin}/docs", timeout=60).status_code == 200
        for _ in range(SCRAPES_ACROSS_WORKERS):
            samples = parse(httpx.get(f"{two_workers.origin}/metrics").text)
            assert requests_of(samples, "GET", "/docs", 200) == SCRAPES_ACROSS_WORKERS
