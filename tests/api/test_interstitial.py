"""GetPublicInterstitial: public (no secret key), an HTML page loading clerk-js from the Frontend API.

Its 200 is HTML, which the spec declares without a schema, so these tests use a client that does
not parse responses as JSON for the contract check; the 400s are Clerk's JSON error envelope.
"""

import base64
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from locum.instances.service import InstanceKeys
from locum.kit.keys import publishable_key
from tests.builders import clerk_error
from tests.conftest import api_client

CLERK_JS = "/npm/@clerk/clerk-js@5/dist/clerk.browser.js"
PATH = "/v1/public/interstitial"


@pytest.fixture
async def public_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app, None, check_contract=False) as http:
        yield http


class TestGetPublicInterstitial:
    async def test_needs_no_secret_key_and_loads_clerk_js_from_the_keys_frontend_api(
        self, public_client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        key = publishable_key(instance.environment_type, instance.frontend_api_host)
        response = await public_client.get(PATH, params={"publishable_key": key})
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["cache-control"] == "no-store"
        page = response.text
        assert f'src="https://{instance.frontend_api_host}{CLERK_JS}"' in page
        assert f'data-clerk-publishable-key="{key}"' in page and "window.Clerk.load()" in page

    async def test_a_wrong_secret_key_does_not_matter(self, app: FastAPI) -> None:
        async with api_client(app, "sk_test_wrong", check_contract=False) as http:
            response = await http.get(PATH, params={"frontend_api": "clerk.example.com"})
        assert response.status_code == 200

    @pytest.mark.parametrize("param", ["frontend_api", "frontendApi"])
    async def test_takes_the_frontend_api_instead(self, public_client: httpx.AsyncClient, param: str) -> None:
        page = (await public_client.get(PATH, params={param: "clerk.example.com"})).text
        assert f'src="https://clerk.example.com{CLERK_JS}"' in page
        assert 'data-clerk-frontend-api="clerk.example.com"' in page

    async def test_loads_clerk_js_through_the_proxy(self, public_client: httpx.AsyncClient) -> None:
        params = {"frontend_api": "clerk.example.com", "proxy_url": "https://app.example.com/__clerk/"}
        page = (await public_client.get(PATH, params=params)).text
        assert f'src="https://app.example.com/__clerk{CLERK_JS}"' in page
        assert 'data-clerk-proxy-url="https://app.example.com/__clerk/"' in page

    async def test_loads_clerk_js_from_the_satellite_domain_when_asked(self, public_client: httpx.AsyncClient) -> None:
        params = {"frontend_api": "clerk.example.com", "domain": "shop.example.com", "sign_in_url": "/sign-in"}
        page = (await public_client.get(PATH, params=params)).text
        assert f'src="https://clerk.example.com{CLERK_JS}"' in page and 'data-clerk-sign-in-url="/sign-in"' in page
        page = (await public_client.get(PATH, params={**params, "use_domain_for_script": "true"})).text
        assert f'src="https://clerk.shop.example.com{CLERK_JS}"' in page
        assert 'data-clerk-domain="shop.example.com"' in page

    async def test_query_values_are_escaped(self, public_client: httpx.AsyncClient) -> None:
        params = {"frontend_api": "clerk.example.com", "sign_in_url": '"><script>alert(1)</script>'}
        page = (await public_client.get(PATH, params=params)).text
        assert "<script>alert(1)" not in page and "&quot;&gt;&lt;script&gt;" in page

    async def test_without_a_key_or_frontend_api_is_missing_query_parameter(self, app: FastAPI) -> None:
        async with api_client(app, None) as http:
            response = await http.get(PATH, params={"domain": "example.com"})
        assert clerk_error(response) == (400, "missing_query_parameter", "publishable_key")

    @pytest.mark.parametrize(
        "params",
        [
            pytest.param({"publishable_key": "pk_test_notbase64!"}, id="key-not-base64"),
            pytest.param(
                {"publishable_key": "pk_test_" + base64.b64encode(b"localhost$").decode().rstrip("=")},
                id="key-host-without-dot",
            ),
            pytest.param({"publishable_key": "sk_test_abc"}, id="not-a-publishable-key"),
            pytest.param({"frontend_api": "https://clerk.example.com"}, id="frontend-api-with-scheme"),
            pytest.param({"frontend_api": "clerk.example.com", "proxy_url": "javascript:x"}, id="proxy-not-http"),
            pytest.param({"frontend_api": "clerk.example.com", "domain": "a.com/x"}, id="domain-not-a-host"),
            pytest.param(
                {"frontend_api": "clerk.example.com", "use_domain_for_script": "maybe"}, id="flag-not-boolean"
            ),
        ],
    )
    async def test_malformed_parameters_are_refused(self, app: FastAPI, params: dict[str, str]) -> None:
        async with api_client(app, None) as http:
            response = await http.get(PATH, params=params)
        assert clerk_error(response)[:2] == (400, "malformed_request_parameters")
