"""The bodies of the Instance Settings operations. UpdateInstanceOrganizationSettings: Clerk names the
role fields `*_role_id`; they take a role key, and locum accepts a role id too."""

from typing import Annotated, Literal

from pydantic import Field

from locum.api.bodies import ClerkBody, Int32

DomainEnrollmentMode = Literal["manual_invitation", "automatic_invitation", "automatic_suggestion"]


class UpdateOrganizationSettingsBody(ClerkBody):
    enabled: bool | None = None
    max_allowed_memberships: Int32 | None = None
    admin_delete_enabled: bool | None = None
    domains_enabled: bool | None = None
    slug_disabled: bool | None = None
    domains_enrollment_modes: list[DomainEnrollmentMode] | None = None
    creator_role_id: str | None = None
    domains_default_role_id: str | None = None


# The instance's settings groups (instances/configuration.py). In every body below a field left out
# or null keeps its value (the spec makes each one nullable), except where a field says otherwise.

# Clerk's SMS country blocklist holds at most one entry per ISO 3166-1 country.
MAX_BLOCKED_COUNTRY_CODES = 250
# Country codes are two uppercase letters; codes no country uses are dropped (service.py).
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class UpdateInstanceBody(ClerkBody):
    test_mode: bool | None = None
    hibp: bool | None = None
    support_email: str | None = None
    clerk_js_version: str | None = None
    development_origin: str | None = None
    allowed_origins: list[str] | None = None
    cookieless_dev: bool | None = None
    url_based_session_syncing: bool | None = None
    preferred_sign_in_strategy_when_password_required: Literal["password", "otp", ""] | None = None


class UpdateInstanceRestrictionsBody(ClerkBody):
    allowlist: bool | None = None
    blocklist: bool | None = None
    allowlist_blocklist_disabled_on_sign_in: bool | None = None
    block_email_subaddresses: bool | None = None
    block_disposable_email_domains: bool | None = None


class UpdateInstanceProtectBody(ClerkBody):
    rules_enabled: bool | None = None
    specter_enabled: bool | None = None


class UpdateInstanceCommunicationBody(ClerkBody):
    """`blocked_country_codes` replaces the whole list (null or left out: unchanged)."""

    blocked_country_codes: Annotated[list[CountryCode], Field(max_length=MAX_BLOCKED_COUNTRY_CODES)] | None = None


class UpdateOAuthApplicationSettingsBody(ClerkBody):
    """`default_scopes: null` resets the default scopes to Clerk's (the spec says so); left out keeps them."""

    dynamic_oauth_client_registration: bool | None = None
    default_scopes: list[str] | None = None
    oauth_jwt_access_tokens: bool | None = None
    client_id_metadata_documents_advertised: bool | None = None
    client_id_metadata_documents_only_allow_pre_registered_clients: bool | None = None
    client_id_metadata_documents_block_implicitly_allowed_clients: bool | None = None
