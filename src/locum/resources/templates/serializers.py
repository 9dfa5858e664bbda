"""Templates as Clerk renders them (the spec's Template): a system template, or an instance's override."""

from locum.kit.json_types import JSON, columns
from locum.messages.catalogue import SYSTEM_TEMPLATES_TIMESTAMP, position
from locum.messages.templates import EffectiveTemplate


def template_json(template: EffectiveTemplate) -> JSON:
    system, override = template.system, template.override
    data: JSON = {
        "object": "template",
        "id": override.id if override else system.id,
        "instance_id": override.instance_id if override else None,
        "resource_type": "user" if override else "system",
        **columns(template, "template_type", "name", "slug", "subject", "markup", "body"),
        "position": position(system),
        "can_revert": override is not None,
        "can_delete": False,
        "can_edit_body": True,
        # Clerk: "true only for notification SMS templates", and locum sends no notifications.
        "can_toggle": False,
        "available_variables": list(system.available_variables),
        "required_variables": list(system.required_variables),
        "delivered_by_clerk": template.delivered_by_clerk,
        "enabled": template.enabled,
        "flagged_as_suspicious": False,
        "created_at": override.created_at if override else SYSTEM_TEMPLATES_TIMESTAMP,
        "updated_at": override.updated_at if override else SYSTEM_TEMPLATES_TIMESTAMP,
    }
    if template.template_type == "email":
        # Both are plain strings in the spec; an email without a Reply-To header has "".
        data["from_email_name"] = template.from_email_name
        data["reply_to_email_name"] = template.reply_to_email_name or ""
    return data
