"""Enterprise and SAML connections, their test runs, and users' accounts on them, as Clerk renders
them (the spec's EnterpriseConnection, SAMLConnection, EnterpriseConnectionTestRun, EnterpriseAccount
and SAMLAccount).

The service provider's URLs are derived from the instance's Frontend API host, as Clerk serves
them: the assertion consumer service `…/v1/saml/acs/<samlc_id>`, the metadata `…/v1/saml/metadata/
<samlc_id>`, and the entity id `…/saml/<samlc_id>`.
"""

from typing import Any

from locum.db.models import EnterpriseAccount, EnterpriseConnection, EnterpriseConnectionTestRun, SamlConnection
from locum.kit.json_types import JSON, columns

ATTRIBUTE_MAPPING_KEYS = ("user_id", "email_address", "first_name", "last_name")
DEFAULT_LOGIN_HINT = {"mode": "email_address"}


def fapi_url(frontend_api_host: str) -> str:
    return f"https://{frontend_api_host}"


def sp_urls(frontend_api_host: str, saml_connection_id: str) -> JSON:
    base = fapi_url(frontend_api_host)
    return {
        "acs_url": f"{base}/v1/saml/acs/{saml_connection_id}",
        "sp_entity_id": f"{base}/saml/{saml_connection_id}",
        "sp_metadata_url": f"{base}/v1/saml/metadata/{saml_connection_id}",
    }


def attribute_mapping_json(mapping: dict[str, str]) -> JSON:
    return {key: mapping.get(key) or "" for key in ATTRIBUTE_MAPPING_KEYS}


def login_hint_json(login_hint: dict[str, str]) -> JSON:
    return dict(login_hint) if login_hint else dict(DEFAULT_LOGIN_HINT)


def _is_configured(saml: SamlConnection) -> bool:
    return bool(saml.idp_entity_id and saml.idp_sso_url and saml.idp_certificate)


def saml_connection_json(connection: EnterpriseConnection, frontend_api_host: str, user_count: int) -> JSON:
    """The deprecated SAML API's view of a SAML-provider enterprise connection."""
    saml = connection.saml
    assert saml is not None
    domains = connection.domains
    return {
        "object": "saml_connection",
        "id": saml.id,
        "name": saml.name,
        "domain": domains[0] if domains else "",
        "domains": domains,
        **columns(
            saml,
            "idp_entity_id",
            "idp_sso_url",
            "idp_certificate",
            "idp_certificate_issued_at",
            "idp_certificate_expires_at",
            "idp_metadata_url",
            "idp_metadata",
        ),
        **sp_urls(frontend_api_host, saml.id),
        "organization_id": connection.organization_id,
        "attribute_mapping": attribute_mapping_json(saml.attribute_mapping),
        "active": connection.active,
        "provider": connection.provider,
        "user_count": user_count,
        **columns(connection, "sync_user_attributes"),
        **columns(saml, "allow_subdomains", "allow_idp_initiated"),
        **columns(connection, "disable_additional_identifications", "allow_organization_account_linking"),
        "authenticatable": connection.active and _is_configured(saml),
        "force_authn": saml.force_authn,
        "login_hint": login_hint_json(saml.login_hint),
        "disable_jit_provisioning": False,
        "enterprise_connection_id": connection.id,
        "created_at": saml.created_at,
        "updated_at": max(saml.updated_at, connection.updated_at),
    }


def _nested_saml_json(connection: EnterpriseConnection, frontend_api_host: str) -> JSON | None:
    saml = connection.saml
    if saml is None:
        return None
    return {
        "id": saml.id,
        "name": saml.name,
        **columns(saml, "idp_entity_id", "idp_sso_url", "idp_metadata_url"),
        **sp_urls(frontend_api_host, saml.id),
        "active": connection.active,
        **columns(saml, "allow_idp_initiated", "allow_subdomains", "force_authn"),
        "login_hint": login_hint_json(saml.login_hint),
    }


def _oauth_config_json(connection: EnterpriseConnection) -> JSON | None:
    if connection.oauth_config_id is None:
        return None
    return {
        "id": connection.oauth_config_id,
        "name": connection.name,
        "provider_key": connection.provider,
        "client_id": connection.oidc_client_id,
        "discovery_url": connection.oidc_discovery_url,
        "auth_url": connection.oidc_auth_url,
        "token_url": connection.oidc_token_url,
        "user_info_url": connection.oidc_user_info_url,
        "requires_pkce": connection.oidc_requires_pkce,
        "logo_public_url": None,
        "created_at": connection.oauth_config_created_at,
        "updated_at": connection.oauth_config_updated_at,
    }


def is_authenticatable(connection: EnterpriseConnection) -> bool:
    if not connection.active:
        return False
    if connection.saml is not None:
        return _is_configured(connection.saml)
    return bool(connection.oidc_client_id)


def enterprise_connection_json(connection: EnterpriseConnection, frontend_api_host: str) -> JSON:
    return {
        "object": "enterprise_connection",
        **columns(connection, "id", "name", "provider"),
        "logo_public_url": None,
        **columns(
            connection,
            "active",
            "domains",
            "organization_id",
            "sync_user_attributes",
            "disable_additional_identifications",
            "allow_organization_account_linking",
            "custom_attributes",
        ),
        "authenticatable": is_authenticatable(connection),
        "disable_jit_provisioning": False,
        "saml_connection": _nested_saml_json(connection, frontend_api_host),
        "oauth_config": _oauth_config_json(connection),
        **columns(connection, "created_at", "updated_at"),
    }


def deleted_json(kind: str, id: str) -> JSON:
    return {"object": kind, "id": id, "deleted": True}


def test_run_json(run: EnterpriseConnectionTestRun) -> JSON:
    return {
        **columns(run, "id", "status", "connection_type"),
        "parsed_user_info": None,
        "logs": run.logs,
        "saml": None,
        "oauth": None,
        "created_at": run.created_at,
    }


def _verification(account: EnterpriseAccount, connection: EnterpriseConnection) -> JSON:
    if connection.protocol == "saml":
        return {
            "object": "verification_saml",
            "status": "verified",
            "strategy": "saml",
            "external_verification_redirect_url": None,
            "error": None,
            "expire_at": None,
            "attempts": None,
        }
    return {
        "object": "verification_oauth",
        "status": "verified",
        "strategy": f"oauth_custom_{connection.provider.removeprefix('oidc_').replace('_', '')}",
        "error": None,
        "expire_at": account.created_at,
        "attempts": None,
    }


def _account_fields(account: EnterpriseAccount) -> dict[str, Any]:
    return columns(account, "active", "email_address", "first_name", "last_name", "provider_user_id")


def _connection_flags(connection: EnterpriseConnection) -> JSON:
    saml = connection.saml
    return {
        "domain": connection.domains[0] if connection.domains else "",
        "domains": connection.domains,
        "active": connection.active,
        "provider": connection.provider,
        "sync_user_attributes": connection.sync_user_attributes,
        "allow_subdomains": saml.allow_subdomains if saml is not None else False,
        "allow_idp_initiated": saml.allow_idp_initiated if saml is not None else False,
        "disable_additional_identifications": connection.disable_additional_identifications,
        "created_at": connection.created_at,
        "updated_at": connection.updated_at,
    }


def enterprise_account_json(account: EnterpriseAccount) -> JSON:
    connection = account.enterprise_connection
    return {
        "id": account.id,
        "object": "enterprise_account",
        "protocol": connection.protocol,
        "provider": connection.provider,
        **_account_fields(account),
        "enterprise_connection_id": connection.id,
        "public_metadata": account.public_metadata,
        "verification": _verification(account, connection),
        "enterprise_connection": {
            "id": connection.id,
            "protocol": connection.protocol,
            "name": connection.name,
            "logo_public_url": None,
            **_connection_flags(connection),
        },
        "last_authenticated_at": account.last_authenticated_at,
    }


def saml_account_json(account: EnterpriseAccount) -> JSON | None:
    """The same account in `saml_accounts` (None for an OIDC connection's)."""
    connection = account.enterprise_connection
    if connection.saml is None or account.saml_account_id is None:
        return None
    return {
        "id": account.saml_account_id,
        "object": "saml_account",
        "provider": connection.provider,
        **_account_fields(account),
        "last_authenticated_at": account.last_authenticated_at,
        "public_metadata": account.public_metadata,
        "verification": _verification(account, connection),
        "saml_connection": {"id": connection.saml.id, "name": connection.saml.name, **_connection_flags(connection)},
    }


def saml_accounts_json(accounts: list[EnterpriseAccount]) -> list[JSON]:
    return [rendered for rendered in map(saml_account_json, accounts) if rendered is not None]
