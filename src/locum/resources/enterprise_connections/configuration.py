"""The rules both connection APIs share: domains, SAML settings (resolved from metadata before any
database work), OIDC settings, and what an active connection needs.

`resolve_saml_settings` may fetch the IdP's metadata, so services call it before their first query:
the request's session has then opened no transaction while the IdP is asked.
"""

import re
from collections.abc import Mapping
from typing import Any

from locum.db.models import EnterpriseConnection, SamlConnection
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.kit.sealing import Sealer
from locum.resources.enterprise_connections.errors import (
    client_secret_required,
    domain_invalid,
    domains_missing,
    not_configured_for_activation,
)
from locum.resources.enterprise_connections.idp_metadata import (
    check_metadata_url,
    fetch_idp_metadata,
    parse_certificate,
    parse_idp_metadata,
)
from locum.resources.enterprise_connections.schemas import OidcSettingsBody, SamlSettingsBody

# RFC 1035 labels; the last one (the TLD) not all digits.
LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
HOSTNAME_MAX_LENGTH = 253
SAML_FLAGS = ("allow_subdomains", "allow_idp_initiated", "force_authn")
IDP_TEXT_FIELDS = ("idp_entity_id", "idp_sso_url", "idp_metadata_url", "idp_metadata")


def normalized_domain(domain: str) -> str:
    name = domain.strip().lower().rstrip(".")
    labels = name.split(".")
    if (
        len(name) > HOSTNAME_MAX_LENGTH
        or len(labels) < 2
        or not all(LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise domain_invalid(domain)
    return name


def normalized_domains(domains: list[str]) -> list[str]:
    """Lowercase FQDNs in the order given, each once; at least one."""
    names = list(dict.fromkeys(normalized_domain(domain) for domain in domains))
    if not names:
        raise domains_missing()
    return names


def given(body: Any) -> dict[str, Any]:
    """The fields a request body actually sent (`null` included: for IdP fields it clears them)."""
    return {name: getattr(body, name) for name in body.model_fields_set}


async def resolve_saml_settings(settings: SamlSettingsBody | Mapping[str, Any] | None) -> dict[str, Any]:
    """The `saml_connections` values the request sets. Metadata (XML, or fetched from its URL) takes
    priority over the individual IdP fields; a certificate is validated and its validity recorded."""
    if settings is None:
        return {}
    fields = given(settings) if isinstance(settings, SamlSettingsBody) else dict(settings)
    values: dict[str, Any] = {}
    for name in ("name", *SAML_FLAGS):
        if fields.get(name) is not None:
            values[name] = fields[name]
    for name in (*IDP_TEXT_FIELDS, "idp_certificate"):
        if name in fields:
            values[name] = fields[name] or None
    if "attribute_mapping" in fields:
        mapping = fields["attribute_mapping"]
        values["attribute_mapping"] = {} if mapping is None else mapping.model_dump(exclude_none=True)
    if "login_hint" in fields:
        hint = fields["login_hint"]
        values["login_hint"] = {} if hint is None else hint.model_dump(exclude_none=True)
    metadata = None
    if values.get("idp_metadata"):
        metadata = parse_idp_metadata(values["idp_metadata"], param="idp_metadata")
    elif values.get("idp_metadata_url"):
        document = await fetch_idp_metadata(check_metadata_url(values["idp_metadata_url"]))
        metadata = parse_idp_metadata(document, param="idp_metadata_url")
    certificate_param = "idp_certificate"
    if metadata is not None:
        source = "idp_metadata" if values.get("idp_metadata") else "idp_metadata_url"
        for name, value in (
            ("idp_entity_id", metadata.entity_id),
            ("idp_sso_url", metadata.sso_url),
            ("idp_certificate", metadata.certificate),
        ):
            if value is not None:
                values[name] = value
        if metadata.certificate is not None:
            certificate_param = source
    if "idp_certificate" in values:
        if values["idp_certificate"] is None:
            values["idp_certificate_issued_at"] = values["idp_certificate_expires_at"] = None
        else:
            certificate = parse_certificate(values["idp_certificate"], param=certificate_param)
            values["idp_certificate"] = certificate.text
            values["idp_certificate_issued_at"] = certificate.issued_at_ms
            values["idp_certificate_expires_at"] = certificate.expires_at_ms
    return values


def apply_saml(saml: SamlConnection, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        setattr(saml, name, value)
    if values:
        saml.updated_at = now_ms()


def apply_oidc(connection: EnterpriseConnection, oidc: OidcSettingsBody | None, sealer: Sealer) -> None:
    """Set the OIDC client; its secret is sealed (a sign-in sends it to the IdP) and never shown."""
    at_ms = now_ms()
    if connection.oauth_config_id is None:
        connection.oauth_config_id = new_id("oauth_config")
        connection.oauth_config_created_at = at_ms
    connection.oauth_config_updated_at = at_ms
    if oidc is None:
        return
    fields = given(oidc)
    for name in ("client_id", "discovery_url", "auth_url", "token_url", "user_info_url"):
        if name in fields:
            setattr(connection, f"oidc_{name}", fields[name] or None)
    if fields.get("requires_pkce") is not None:
        connection.oidc_requires_pkce = fields["requires_pkce"]
    if "client_secret" in fields:
        secret = fields["client_secret"]
        connection.sealed_oidc_client_secret = sealer.seal(secret) if secret else None


def check_activation(connection: EnterpriseConnection) -> None:
    """An active connection must be able to sign users in: SAML needs the IdP's entity id, SSO URL and
    certificate; OIDC a client id, endpoints (a discovery URL, or authorization and token URLs), and a
    secret unless the client uses PKCE."""
    if not connection.active:
        return
    saml = connection.saml
    if saml is not None:
        if not (saml.idp_entity_id and saml.idp_sso_url and saml.idp_certificate):
            raise not_configured_for_activation("saml")
        return
    endpoints = connection.oidc_discovery_url or (connection.oidc_auth_url and connection.oidc_token_url)
    if not (connection.oidc_client_id and endpoints):
        raise not_configured_for_activation("oauth")
    if connection.sealed_oidc_client_secret is None and not connection.oidc_requires_pkce:
        raise client_secret_required()
