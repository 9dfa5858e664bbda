"""Request bodies and the list query of the (deprecated) SAML Connections operations; the nested
models are the Enterprise Connections' (resources/enterprise_connections/schemas.py)."""

from typing import Annotated

from pydantic import Field

from locum.api.bodies import ClerkBody
from locum.api.pagination import PageQuery
from locum.resources.enterprise_connections.schemas import (
    AttributeMappingBody,
    Certificate,
    Domain,
    Domains,
    LoginHintBody,
    MetadataXml,
    Name,
    SamlProvider,
    Url,
)

# Clerk's filter lists accept up to 100 values.
MAX_FILTER_VALUES = 100
# The SAML settings both bodies inline, as named in SamlSettingsBody.
SAML_SETTINGS = (
    "idp_entity_id",
    "idp_sso_url",
    "idp_certificate",
    "idp_metadata_url",
    "idp_metadata",
    "attribute_mapping",
    "allow_subdomains",
    "allow_idp_initiated",
    "force_authn",
    "login_hint",
)


class CreateSAMLConnectionBody(ClerkBody):
    name: Name
    domain: Domain | None = None
    domains: Domains | None = None
    provider: SamlProvider
    idp_entity_id: Url | None = None
    idp_sso_url: Url | None = None
    idp_certificate: Certificate | None = None
    idp_metadata_url: Url | None = None
    idp_metadata: MetadataXml | None = None
    organization_id: str | None = None
    attribute_mapping: AttributeMappingBody | None = None
    force_authn: bool | None = None
    login_hint: LoginHintBody | None = None


class UpdateSAMLConnectionBody(ClerkBody):
    name: Name | None = None
    domain: Domain | None = None
    domains: Domains | None = None
    idp_entity_id: Url | None = None
    idp_sso_url: Url | None = None
    idp_certificate: Certificate | None = None
    idp_metadata_url: Url | None = None
    idp_metadata: MetadataXml | None = None
    organization_id: str | None = None
    attribute_mapping: AttributeMappingBody | None = None
    active: bool | None = None
    sync_user_attributes: bool | None = None
    allow_subdomains: bool | None = None
    allow_idp_initiated: bool | None = None
    disable_additional_identifications: bool | None = None
    allow_organization_account_linking: bool | None = None
    force_authn: bool | None = None
    login_hint: LoginHintBody | None = None
    consent_verified_domains_deletion: bool | None = None


class SAMLConnectionListQuery(PageQuery):
    query: Annotated[str, Field(max_length=255)] | None = None
    order_by: str | None = None
    organization_id: Annotated[list[str], Field(max_length=MAX_FILTER_VALUES)] = Field([])
