"""The spec's InstanceSettings (UpdateInstanceAuthConfig's answer)."""

from collections.abc import Mapping
from typing import Any

from locum.kit.json_types import JSON


def instance_settings_json(instance_id: str, *, allowlist: bool, auth_config: Mapping[str, Any]) -> JSON:
    """`restricted_to_allowlist` is the restrictions group's `allowlist`: one setting, two names."""
    return {
        "object": "instance_settings",
        "id": instance_id,
        "restricted_to_allowlist": allowlist,
        "from_email_address": auth_config["from_email_address"],
        "progressive_sign_up": auth_config["progressive_sign_up"],
        "enhanced_email_deliverability": auth_config["enhanced_email_deliverability"],
    }
