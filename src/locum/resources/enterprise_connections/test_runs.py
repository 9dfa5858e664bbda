"""A test run of a connection's configuration, as far as locum can check it without an IdP login.

For SAML: the metadata URL (when set) is fetched and parsed; the IdP entity id and SSO URL are
present; the certificate parses and has not expired; the assertion consumer service URL is on the
instance's Frontend API. For OIDC: a client id and endpoints are set. Each check adds a log entry
(level `info` or `error`, with a code); any error fails the run. The configuration is read on the
bare driver and the metadata fetched before the write session opens.

Clerk answers CreateEnterpriseConnectionTestRun with a URL that starts a test sign-in; locum, having
already run its checks, answers the run's URL on the Frontend API host, naming the recorded run.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from locum.api.errors import ClerkError
from locum.db.reads import Reader
from locum.instances.context import RequestContext
from locum.resources.enterprise_connections.idp_metadata import (
    fetch_idp_metadata,
    parse_certificate,
    parse_idp_metadata,
)
from locum.resources.enterprise_connections.repository import read_test_run_configuration
from locum.resources.enterprise_connections.serializers import fapi_url, sp_urls

SUCCESS, FAILED = "success", "failed"


@dataclass(frozen=True)
class Configuration:
    connection_type: str
    idp_metadata_url: str | None
    idp_entity_id: str | None
    idp_sso_url: str | None
    idp_certificate: str | None
    saml_connection_id: str | None
    oidc_client_id: str | None
    oidc_endpoints: bool


@dataclass(frozen=True)
class Outcome:
    status: str
    logs: list[dict[str, str]]


async def read_configuration(reader: Reader, ctx: RequestContext, connection_id: str) -> Configuration:
    row = await read_test_run_configuration(reader, instance_id=ctx.instance_id, connection_id=connection_id)
    (protocol, _, metadata_url, entity_id, sso_url, certificate, saml_id, client_id, discovery, auth, token) = row
    return Configuration(
        connection_type=protocol,
        idp_metadata_url=metadata_url,
        idp_entity_id=entity_id,
        idp_sso_url=sso_url,
        idp_certificate=certificate,
        saml_connection_id=saml_id,
        oidc_client_id=client_id,
        oidc_endpoints=bool(discovery or (auth and token)),
    )


def _log(level: str, code: str, short_message: str, message: str) -> dict[str, str]:
    return {"level": level, "code": code, "short_message": short_message, "message": message}


def _failure(code: str, short_message: str, error: ClerkError) -> dict[str, str]:
    return _log("error", code, short_message, error.long_message)


async def _check_saml(configuration: Configuration, frontend_api_host: str) -> list[dict[str, str]]:
    logs = []
    entity_id, sso_url = configuration.idp_entity_id, configuration.idp_sso_url
    if configuration.idp_metadata_url:
        try:
            metadata = parse_idp_metadata(
                await fetch_idp_metadata(configuration.idp_metadata_url), param="idp_metadata_url"
            )
        except ClerkError as error:
            logs.append(_failure("idp_metadata_invalid", "IdP metadata could not be used", error))
        else:
            logs.append(_log("info", "idp_metadata_valid", "IdP metadata fetched", "The IdP metadata was read."))
            entity_id, sso_url = metadata.entity_id or entity_id, metadata.sso_url or sso_url
    for value, name in ((entity_id, "entity ID"), (sso_url, "SSO URL")):
        code = f"idp_{name.split()[0].lower()}_{'present' if value else 'missing'}"
        if value:
            logs.append(_log("info", code, f"IdP {name} set", f"The IdP {name} is {value}."))
        else:
            logs.append(_log("error", code, f"IdP {name} missing", f"The connection has no IdP {name}."))
    if configuration.idp_certificate is None:
        logs.append(_log("error", "idp_certificate_missing", "No certificate", "The connection has no certificate."))
    else:
        try:
            certificate = parse_certificate(configuration.idp_certificate, param="idp_certificate")
        except ClerkError as error:
            logs.append(_failure("idp_certificate_invalid", "Certificate invalid", error))
        else:
            logs.append(
                _log(
                    "info",
                    "idp_certificate_valid",
                    "Certificate valid",
                    f"The certificate is valid until {certificate.expires_at_ms} (ms since the epoch).",
                )
            )
    assert configuration.saml_connection_id is not None
    acs_url = sp_urls(frontend_api_host, configuration.saml_connection_id)["acs_url"]
    if urlsplit(acs_url).netloc == urlsplit(fapi_url(frontend_api_host)).netloc:
        logs.append(_log("info", "acs_url_valid", "ACS URL consistent", f"The ACS URL is {acs_url}."))
    else:
        logs.append(_log("error", "acs_url_invalid", "ACS URL inconsistent", f"{acs_url} is not on the instance."))
    return logs


def _check_oauth(configuration: Configuration) -> list[dict[str, str]]:
    logs = []
    if configuration.oidc_client_id:
        logs.append(_log("info", "client_id_present", "Client ID set", "The OIDC client ID is set."))
    else:
        logs.append(_log("error", "client_id_missing", "Client ID missing", "The OIDC client ID is not set."))
    if configuration.oidc_endpoints:
        logs.append(_log("info", "endpoints_present", "Endpoints set", "The OIDC endpoints are set."))
    else:
        logs.append(
            _log(
                "error",
                "endpoints_missing",
                "Endpoints missing",
                "Neither a discovery URL nor authorization and token URLs are set.",
            )
        )
    return logs


async def check(configuration: Configuration, frontend_api_host: str) -> Outcome:
    if configuration.connection_type == "saml":
        logs = await _check_saml(configuration, frontend_api_host)
    else:
        logs = _check_oauth(configuration)
    failed = any(entry["level"] == "error" for entry in logs)
    return Outcome(status=FAILED if failed else SUCCESS, logs=logs)


def run_url(frontend_api_host: str, connection_id: str, run_id: str) -> str:
    return f"{fapi_url(frontend_api_host)}/v1/enterprise_connections/{connection_id}/test_runs/{run_id}"
