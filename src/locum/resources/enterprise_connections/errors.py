"""Clerk's errors of the Enterprise Connections and SAML Connections operations."""

from locum.api.errors import ClerkError, form_identifier_exists, form_param_value_invalid, not_found


def enterprise_connection_not_found() -> ClerkError:
    return not_found("enterprise connection")


def saml_connection_not_found() -> ClerkError:
    return not_found("SAML connection")


def organization_not_found() -> ClerkError:
    return not_found("organization")


def user_not_found() -> ClerkError:
    return not_found("user")


def domain_taken(status: int) -> ClerkError:
    """A domain already routed to another connection: 409 where the operation declares it
    (CreateEnterpriseConnection, the SAML create/update), else 400 (UpdateEnterpriseConnection)."""
    return form_identifier_exists("domains").with_status(status)


def domains_missing() -> ClerkError:
    return form_param_value_invalid("domains", "At least one domain is required.")


def domain_invalid(domain: str) -> ClerkError:
    return form_param_value_invalid("domains", f"{domain!r} is not a valid fully qualified domain name.")


def not_configured_for_activation(protocol: str) -> ClerkError:
    needed = "the IdP entity ID, SSO URL and certificate" if protocol == "saml" else "the client ID and endpoints"
    return form_param_value_invalid("active", f"The connection cannot be activated before {needed} are set.")


def protocol_mismatch(param: str, provider: str) -> ClerkError:
    return form_param_value_invalid(param, f"{param} does not apply to a connection with provider {provider}.")


def directory_path_mismatch() -> ClerkError:
    return form_param_value_invalid(
        "custom_attributes", "scim_path and directory_path must be equal when both are given."
    )


def client_secret_required() -> ClerkError:
    return form_param_value_invalid("oidc", "A client without a client_secret must require PKCE (requires_pkce: true).")


def verified_domains_in_use(names: list[str]) -> ClerkError:
    return form_param_value_invalid(
        "consent_verified_domains_deletion",
        f"Verified organization domains ({', '.join(names)}) enroll members automatically; enabling the connection "
        "removes them, which needs consent_verified_domains_deletion: true.",
    )
