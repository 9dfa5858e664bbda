"""The instance and its settings groups as Clerk renders them (the spec's Instance, InstanceRestrictions,
InstanceProtect, InstanceCommunication, OAuthApplicationSettings and OrganizationSettings)."""

from collections.abc import Mapping
from typing import Any

from locum.db.models import OrganizationSettings
from locum.kit.json_types import JSON, columns


def organization_settings_json(settings: OrganizationSettings) -> JSON:
    return {
        "object": "organization_settings",
        **columns(
            settings,
            "enabled",
            "max_allowed_memberships",
            "max_allowed_roles",
            "max_role_sets_allowed",
            "max_allowed_domains",
            "max_allowed_permissions",
        ),
        "creator_role": settings.creator_role_key,
        **columns(settings, "admin_delete_enabled", "domains_enabled", "slug_disabled"),
        "domains_enrollment_modes": list(settings.domains_enrollment_modes or []),
        "domains_default_role": settings.domains_default_role_key,
        "initial_role_set_key": settings.initial_role_set_key,
    }


RESTRICTIONS_FIELDS = (
    "allowlist",
    "blocklist",
    "allowlist_blocklist_disabled_on_sign_in",
    "block_email_subaddresses",
    "block_disposable_email_domains",
)
PROTECT_FIELDS = ("rules_enabled", "specter_enabled")
OAUTH_APPLICATION_SETTINGS_FIELDS = (
    "dynamic_oauth_client_registration",
    "default_scopes",
    "oauth_jwt_access_tokens",
    "client_id_metadata_documents_advertised",
    "client_id_metadata_documents_only_allow_pre_registered_clients",
    "client_id_metadata_documents_block_implicitly_allowed_clients",
)


def instance_json(instance_id: str, environment_type: str, settings: Mapping[str, Any]) -> JSON:
    """The spec's Instance: `settings` is the instance group. locum has no workspaces: no owner."""
    return {
        "object": "instance",
        "id": instance_id,
        "environment_type": environment_type,
        "allowed_origins": list(settings["allowed_origins"]),
        "workspace_id": None,
    }


def restrictions_json(settings: Mapping[str, Any]) -> JSON:
    return {"object": "instance_restrictions", **_fields(settings, RESTRICTIONS_FIELDS)}


def protect_json(settings: Mapping[str, Any]) -> JSON:
    # No Protect prerequisite checks exist in locum, so none was ever opted out of.
    return {"object": "instance_protect", **_fields(settings, PROTECT_FIELDS), "checks_bypassed": False}


def communication_json(settings: Mapping[str, Any]) -> JSON:
    return {"object": "instance_communication", "blocked_country_codes": list(settings["blocked_country_codes"])}


def oauth_application_settings_json(settings: Mapping[str, Any]) -> JSON:
    return {"object": "oauth_application_settings", **_fields(settings, OAUTH_APPLICATION_SETTINGS_FIELDS)}


def _fields(settings: Mapping[str, Any], names: tuple[str, ...]) -> JSON:
    return {name: settings[name] for name in names}
