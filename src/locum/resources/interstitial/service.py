"""The interstitial page Clerk's SDKs send a browser to when a request's authentication state can't
be told from its cookies: it loads clerk-js from the instance's Frontend API (or its proxy, or its
satellite domain) and reloads once clerk-js has refreshed the session cookies.

Nothing here needs the instance's secret key, as with Clerk: the page is built from the query alone.
The Frontend API host comes from the publishable key when one is given (its base64 part is
`<host>$`), else from `frontend_api` (or the deprecated `frontendApi`). Every value reaches the page
HTML-escaped, in attributes only; the inline script reads nothing from the query.
"""

import base64
import binascii
import html
import re
from urllib.parse import urlsplit

from locum.resources.interstitial.errors import (
    domain_invalid,
    frontend_api_invalid,
    missing_query_parameter,
    publishable_key_invalid,
    url_invalid,
    use_domain_for_script_invalid,
)

# The clerk-js major version the page loads, as Clerk's own interstitial pins it.
CLERK_JS_MAJOR_VERSION = 5
CLERK_JS_PATH = f"/npm/@clerk/clerk-js@{CLERK_JS_MAJOR_VERSION}/dist/clerk.browser.js"
# A satellite domain's Frontend API lives on this subdomain (as with Clerk's CNAME setup).
FRONTEND_API_SUBDOMAIN = "clerk"
PUBLISHABLE_KEY = re.compile(r"pk_(?:test|live)_([A-Za-z0-9+/=_-]+)")
HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?")
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}

RELOAD_SCRIPT = """
document.getElementById("clerk-js").addEventListener("load", function () {
  window.Clerk.load().then(function () {
    window.location.reload();
  });
});
"""


def frontend_api_of_key(publishable_key: str) -> str:
    match = PUBLISHABLE_KEY.fullmatch(publishable_key)
    if match is None:
        raise publishable_key_invalid()
    encoded = match.group(1)
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), altchars=b"-_", validate=False).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise publishable_key_invalid() from None
    host, dollar, rest = decoded.partition("$")
    if not dollar or rest or "." not in host or not HOST.fullmatch(host):
        raise publishable_key_invalid()
    return host


def _http_url(name: str, value: str) -> str:
    try:
        parts = urlsplit(value)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        raise url_invalid(name)
    return value


def _flag(value: str | None) -> bool:
    if value is None:
        return False
    if value.lower() not in BOOLEANS:
        raise use_domain_for_script_invalid()
    return BOOLEANS[value.lower()]


def interstitial_page(
    *,
    publishable_key: str | None,
    frontend_api: str | None,
    proxy_url: str | None,
    domain: str | None,
    sign_in_url: str | None,
    use_domain_for_script: str | None,
) -> str:
    if publishable_key:
        host = frontend_api_of_key(publishable_key)
    elif frontend_api:
        if not HOST.fullmatch(frontend_api):
            raise frontend_api_invalid()
        host = frontend_api
    else:
        raise missing_query_parameter()
    if domain and not HOST.fullmatch(domain):
        raise domain_invalid()
    script_on_domain = _flag(use_domain_for_script)
    if proxy_url:
        script_origin = _http_url("proxy_url", proxy_url).rstrip("/")
    elif domain and script_on_domain:
        script_origin = f"https://{FRONTEND_API_SUBDOMAIN}.{domain}"
    else:
        script_origin = f"https://{host}"
    attributes = {
        "data-clerk-publishable-key": publishable_key,
        "data-clerk-frontend-api": None if publishable_key else host,
        "data-clerk-proxy-url": proxy_url,
        "data-clerk-domain": domain,
        "data-clerk-sign-in-url": sign_in_url,
    }
    rendered = "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in attributes.items() if value)
    source = html.escape(script_origin + CLERK_JS_PATH, quote=True)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="robots" content="noindex">\n'
        "<title>Checking your session</title>\n</head>\n<body>\n"
        f'<script id="clerk-js" async crossorigin="anonymous" src="{source}"{rendered}></script>\n'
        f"<script>{RELOAD_SCRIPT}</script>\n</body>\n</html>\n"
    )
