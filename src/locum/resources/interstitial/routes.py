"""Clerk's GetPublicInterstitial: public, like Clerk's (api/auth.py's PUBLIC_PREFIXES)."""

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import HTMLResponse

from locum.resources.interstitial.service import interstitial_page

router = APIRouter(tags=["Miscellaneous"])

# The page is built per request from its query; no copy of it should be reused for another.
INTERSTITIAL_HEADERS = {"cache-control": "no-store"}


@router.get("/public/interstitial", operation_id="GetPublicInterstitial")
async def get_public_interstitial(
    frontend_api_deprecated: Annotated[str | None, Query(alias="frontendApi")] = None,
    frontend_api: str | None = None,
    publishable_key: str | None = None,
    proxy_url: str | None = None,
    domain: str | None = None,
    sign_in_url: str | None = None,
    use_domain_for_script: str | None = None,
) -> HTMLResponse:
    page = interstitial_page(
        publishable_key=publishable_key,
        frontend_api=frontend_api or frontend_api_deprecated,
        proxy_url=proxy_url,
        domain=domain,
        sign_in_url=sign_in_url,
        use_domain_for_script=use_domain_for_script,
    )
    return HTMLResponse(page, headers=INTERSTITIAL_HEADERS)
