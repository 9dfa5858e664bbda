"""Request bodies and list queries of the Enterprise Connections operations, and the nested SAML and
OIDC settings the SAML Connections operations share (resources/saml_connections/schemas.py)."""

from typing import Annotated, Literal

from pydantic import Field, model_validator

from locum.api.bodies import ClerkBody
from locum.api.pagination import PageQuery
from locum.db.models.enterprise_sso import HOSTNAME_MAX_LENGTH, URL_MAX_LENGTH
from locum.resources.enterprise_connections.errors import directory_path_mismatch
from locum.resources.enterprise_connections.idp_metadata import IDP_CERTIFICATE_MAX_LENGTH, IDP_METADATA_MAX_BYTES

SamlProvider = Literal["saml_custom", "saml_okta", "saml_google", "saml_microsoft"]
OidcProvider = Literal["oidc_custom", "oidc_github_enterprise", "oidc_gitlab"]
Provider = SamlProvider | OidcProvider
SAML_PROVIDERS: frozenset[str] = frozenset(SamlProvider.__args__)  # type: ignore[attr-defined]
TestRunStatus = Literal["pending", "success", "failed"]
# Clerk's connections carry a handful of domains; the bound keeps a body's rows few.
MAX_DOMAINS = 100
MAX_CUSTOM_ATTRIBUTES = 100

Name = Annotated[str, Field(min_length=1)]
Url = Annotated[str, Field(max_length=URL_MAX_LENGTH)]
Domain = Annotated[str, Field(max_length=HOSTNAME_MAX_LENGTH)]
Certificate = Annotated[str, Field(max_length=IDP_CERTIFICATE_MAX_LENGTH)]
MetadataXml = Annotated[str, Field(max_length=IDP_METADATA_MAX_BYTES)]


class AttributeMappingBody(ClerkBody):
    user_id: str | None = None
    email_address: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class LoginHintBody(ClerkBody):
    mode: Literal["email_address", "custom_attribute", "off"]
    source: str | None = None


class SamlSettingsBody(ClerkBody):
    """The SAML settings, as the enterprise operations nest them and the SAML operations inline them."""

    name: Name | None = None
    idp_entity_id: Url | None = None
    idp_sso_url: Url | None = None
    idp_certificate: Certificate | None = None
    idp_metadata_url: Url | None = None
    idp_metadata: MetadataXml | None = None
    attribute_mapping: AttributeMappingBody | None = None
    allow_subdomains: bool | None = None
    allow_idp_initiated: bool | None = None
    force_authn: bool | None = None
    login_hint: LoginHintBody | None = None


class OidcSettingsBody(ClerkBody):
    client_id: str | None = None
    client_secret: Annotated[str, Field(max_length=4096)] | None = None
    discovery_url: Url | None = None
    auth_url: Url | None = None
    token_url: Url | None = None
    user_info_url: Url | None = None
    requires_pkce: bool | None = None


class CustomAttributeBody(ClerkBody):
    name: Name
    key: Annotated[str, Field(min_length=1, pattern=r"^[^_][A-Za-z0-9_-]*$")]
    sso_path: str | None = None
    scim_path: str | None = None
    directory_path: str | None = None
    multi_valued: bool | None = None

    @model_validator(mode="after")
    def _one_directory_path(self) -> "CustomAttributeBody":
        if self.scim_path is not None and self.directory_path is not None and self.scim_path != self.directory_path:
            raise directory_path_mismatch()
        return self


CustomAttributes = Annotated[list[CustomAttributeBody], Field(max_length=MAX_CUSTOM_ATTRIBUTES)]
Domains = Annotated[list[Domain], Field(max_length=MAX_DOMAINS)]


class CreateEnterpriseConnectionBody(ClerkBody):
    name: Name
    provider: Provider
    domains: Domains
    organization_id: str | None = None
    allow_organization_account_linking: bool | None = None
    active: bool | None = None
    saml: SamlSettingsBody | None = None
    oidc: OidcSettingsBody | None = None
    custom_attributes: CustomAttributes | None = None


class UpdateEnterpriseConnectionBody(ClerkBody):
    name: Name | None = None
    domains: Domains | None = None
    active: bool | None = None
    sync_user_attributes: bool | None = None
    disable_additional_identifications: bool | None = None
    allow_organization_account_linking: bool | None = None
    organization_id: str | None = None
    saml: SamlSettingsBody | None = None
    oidc: OidcSettingsBody | None = None
    custom_attributes: CustomAttributes | None = None


class EnterpriseConnectionListQuery(PageQuery):
    organization_id: str | None = None
    active: bool | None = None


class TestRunListQuery(PageQuery):
    status: Annotated[list[TestRunStatus], Field(max_length=MAX_DOMAINS)] = Field([])


class AttachEnterpriseAccountBody(ClerkBody):
    """POST /locum/users/{user_id}/enterprise_accounts: what a completed SSO sign-in would link."""

    enterprise_connection_id: str
    email_address: Annotated[str, Field(min_length=3, max_length=320)]
    provider_user_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    public_metadata: dict[str, object] | None = None
    active: bool = True
