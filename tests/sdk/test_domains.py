"""Domains, redirect URLs, proxy checks and the public interstitial through the official SDK.

The server's instance is shared with other SDK tests, so names and URLs are unique per test and
what a test adds it deletes again.
"""

import secrets
from collections.abc import Iterator

import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.fake_proxy import fake_proxy
from tests.sdk.conftest import NO_RETRIES, LocumServer


def unique_host() -> str:
    return f"sdk-{secrets.token_hex(4)}.example.com"


@pytest.fixture
def satellite(clerk: Clerk) -> Iterator[models.Domain]:
    domain = clerk.domains.add(request={"name": unique_host(), "is_satellite": True})
    yield domain
    if any(listed.id == domain.id for listed in clerk.domains.list().data):
        clerk.domains.delete(domain_id=domain.id)


def test_domains_primary_first_then_add_update_delete_a_satellite(clerk: Clerk, satellite: models.Domain) -> None:
    assert satellite.is_satellite is True and satellite.id.startswith("dmn_")
    listed = clerk.domains.list()
    assert listed.total_count == len(listed.data) and listed.data[0].is_satellite is False
    assert satellite in listed.data
    renamed = clerk.domains.update(domain_id=satellite.id, name=unique_host())
    assert renamed.id == satellite.id and renamed.name != satellite.name
    deleted = clerk.domains.delete(domain_id=satellite.id)
    assert (deleted.object, deleted.id, deleted.deleted) == ("domain", satellite.id, True)


def test_the_primary_domain_cannot_be_deleted(clerk: Clerk) -> None:
    primary = clerk.domains.list().data[0]
    with pytest.raises(models.ClerkErrors) as refused:
        clerk.domains.delete(domain_id=primary.id)
    assert refused.value.data.errors[0].code == "operation_not_allowed_on_primary_domain"


def test_redirect_urls_create_get_list_delete(clerk: Clerk) -> None:
    url = f"https://{unique_host()}/oauth-callback"
    created = clerk.redirect_urls.create(request={"url": url})
    assert created.url == url and created.id.startswith("ru_")
    assert clerk.redirect_urls.get(id=created.id) == created
    assert created in clerk.redirect_urls.list(limit=500)
    with pytest.raises(models.ClerkErrors) as duplicate:
        clerk.redirect_urls.create(request={"url": url})
    assert duplicate.value.data.errors[0].code == "duplicate_record"
    deleted = clerk.redirect_urls.delete(id=created.id)
    assert (deleted.id, deleted.deleted) == (created.id, True)
    with pytest.raises(models.ClerkErrors):
        clerk.redirect_urls.get(id=created.id)


def test_a_native_app_redirect_url(clerk: Clerk) -> None:
    created = clerk.redirect_urls.create(request={"url": f"sdk-{secrets.token_hex(4)}://callback"})
    clerk.redirect_urls.delete(id=created.id)


def test_proxy_check_asks_the_proxy(clerk: Clerk, satellite: models.Domain) -> None:
    with fake_proxy() as proxy:
        check = clerk.proxy_checks.verify(request={"domain_id": satellite.id, "proxy_url": proxy.url})
        assert (check.object, check.domain_id, check.proxy_url, check.successful) == (
            "proxy_check",
            satellite.id,
            proxy.url,
            True,
        )
        assert proxy.paths == [f"/__clerk/v1/proxy-health?domain_id={satellite.id}"]
        proxy.status = 503
        assert (
            clerk.proxy_checks.verify(request={"domain_id": satellite.id, "proxy_url": proxy.url}).successful is False
        )


def test_the_interstitial_is_public_html(clerk: Clerk, server: LocumServer) -> None:
    clerk.miscellaneous.get_public_interstitial(frontend_api_query_parameter1="clerk.example.com")
    clerk.miscellaneous.get_public_interstitial(
        frontend_api_query_parameter1="clerk.example.com", domain="shop.example.com", use_domain_for_script=True
    )
    page = httpx.get(f"{server.api_url}/public/interstitial", params={"frontend_api": "clerk.example.com"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'src="https://clerk.example.com/npm/@clerk/clerk-js@5/dist/clerk.browser.js"' in page.text
    with pytest.raises(models.SDKError) as refused:
        clerk.miscellaneous.get_public_interstitial(retries=NO_RETRIES)
    assert refused.value.status_code == 400
