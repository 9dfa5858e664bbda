"""Bearer secret key -> instance, checked before anything else looks at the request.

The request guards (api/guards.py) authenticate every /v1 and /locum request (except the public
image URLs) before routing and body parsing, as Clerk does: a bad key is a 401 whatever else is wrong with the
request. It then checks the Clerk-API-Version of /v1 requests. Routes read the resolved instance
in the request context (api/deps.py's Context).

Clerk's SDKs call the machine-token endpoints without `/v1` too (VERSIONLESS_PREFIXES), and the
M2M token endpoints also take a machine's secret key, which authenticates as that machine
(`machine_id` in the request context).
"""

from starlette.types import Scope

from locum.api.errors import (
    ClerkError,
    authorization_header_format_invalid,
    clerk_key_invalid,
    machine_secret_key_invalid,
)
from locum.api.versioning import DEFAULT_VERSION, VERSION_HEADER, read_api_version
from locum.instances.registry import InstanceContext, InstanceRegistry, MachineCaller
from locum.kit.keys import is_secret_key_format

BEARER_PREFIX = "bearer "
VERSIONLESS_PREFIXES = ("/api_keys", "/m2m_tokens", "/oauth_applications/access_tokens/verify")
PROTECTED_PREFIXES = ("/v1/", "/locum/", *VERSIONLESS_PREFIXES)
MACHINE_KEY_PREFIXES = ("/v1/m2m_tokens", "/m2m_tokens")
# Public: image URLs, the webhook dashboard, which checks the capability in its own `key`, and Clerk's
# public operations (the interstitial).
PUBLIC_PREFIXES = ("/locum/images/", "/locum/webhooks/dashboard", "/v1/public/")
VERSIONED_PREFIX = "/v1/"
AUTHORIZATION_HEADER = b"authorization"
VERSION_HEADER_NAME = VERSION_HEADER.encode()


def _authorization_and_version(scope: Scope) -> tuple[str, str | None]:
    """The first Authorization header ("" without one) and the first Clerk-API-Version header, in one
    pass over the headers (ASGI servers give their names in lower case)."""
    authorization = version = None
    for name, value in scope["headers"]:
        if name == AUTHORIZATION_HEADER and authorization is None:
            authorization = value.decode("latin-1")
        elif name == VERSION_HEADER_NAME and version is None:
            version = value.decode("latin-1")
    return authorization or "", version


def _requires_key(path: str) -> bool:
    return path.startswith(PROTECTED_PREFIXES) and not path.startswith(PUBLIC_PREFIXES)


async def _authenticate(registry: InstanceRegistry, header: str, path: str) -> InstanceContext | MachineCaller:
    if header[: len(BEARER_PREFIX)].lower() != BEARER_PREFIX or not header[len(BEARER_PREFIX) :].strip():
        raise authorization_header_format_invalid()
    key = header[len(BEARER_PREFIX) :].strip()
    if not is_secret_key_format(key) and path.startswith(MACHINE_KEY_PREFIXES):
        machine = await registry.resolve_machine(key)
        if machine is None:
            raise machine_secret_key_invalid()
        return machine
    instance = await registry.resolve(key)
    if instance is None:
        raise clerk_key_invalid()
    return instance


async def authenticate_request(scope: Scope) -> ClerkError | None:
    """For the request guards (api/guards.py): the refusal of a request that needs a key and has no
    valid one (or a bad API version), else None, with the caller put in the scope's state."""
    path = scope["path"]
    if not _requires_key(path):
        return None
    registry: InstanceRegistry = scope["app"].state.registry
    authorization, version_header = _authorization_and_version(scope)
    try:
        caller = await _authenticate(registry, authorization, path)
        version = read_api_version(scope, version_header) if path.startswith(VERSIONED_PREFIX) else DEFAULT_VERSION
    except ClerkError as error:
        return error
    if isinstance(caller, MachineCaller):
        identity = {"instance": caller.instance, "machine_id": caller.machine_id}
    else:
        identity = {"instance": caller, "machine_id": None}
    scope.setdefault("state", {}).update(identity, api_version=version)
    return None
