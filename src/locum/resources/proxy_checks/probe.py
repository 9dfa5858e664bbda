"""Asking a proxy for Clerk's proxy health: GET `<proxy_url>/v1/proxy-health?domain_id=…`.

A working proxy forwards the request to the Frontend API, adding the Clerk-Proxy-Url and
Clerk-Secret-Key headers, and the Frontend API answers `{"status": "healthy", …}` (Clerk's FAPI
spec, getProxyHealth). Anything else — a refused connection, a timeout, a redirect (not followed:
the proxy must answer itself), another status or body — is a failed check, not an error of the
request. Loopback and private addresses are allowed: locum runs beside the apps it serves.
"""

import httpx
import orjson

PROXY_HEALTH_PATH = "/v1/proxy-health"
PROXY_CHECK_TIMEOUT_SECONDS = 5.0
# A health answer is a few dozen bytes; a proxy sending more is not answering for Clerk.
MAX_HEALTH_BODY_BYTES = 64 * 1024
HEALTHY = "healthy"


async def proxy_is_healthy(proxy_url: str, *, domain_id: str) -> bool:
    try:
        async with (
            httpx.AsyncClient(timeout=PROXY_CHECK_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False) as client,
            client.stream("GET", f"{proxy_url}{PROXY_HEALTH_PATH}", params={"domain_id": domain_id}) as response,
        ):
            if response.status_code != httpx.codes.OK:
                return False
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_HEALTH_BODY_BYTES:
                    return False
    except (httpx.HTTPError, httpx.InvalidURL):
        return False
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return isinstance(answer, dict) and answer.get("status") == HEALTHY
