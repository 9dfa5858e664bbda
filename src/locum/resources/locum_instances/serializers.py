"""Instances as /locum/instances and `locum instances` show them. Not a Clerk shape (Clerk creates
instances in its dashboard); named like Clerk's Instance (`id`, `environment_type`) where they overlap."""

from locum.db.models import Instance
from locum.instances.registry import InstanceContext
from locum.kit.json_types import JSON
from locum.kit.keys import publishable_key


def instance_json(instance: Instance) -> JSON:
    """What anyone allowed to list instances may see: no secret key."""
    return {
        "object": "instance",
        "id": instance.id,
        "environment_type": instance.environment_type,
        "is_default": instance.is_default,
        "publishable_key": publishable_key(instance.environment_type, instance.frontend_api_host),
        "frontend_api_url": f"https://{instance.frontend_api_host}",
        "created_at": instance.created_at,
    }


def instance_keys_json(instance: Instance, context: InstanceContext, *, secret_key: str, origin: str) -> JSON:
    """The instance with what an app needs to use it: the variables `locum keys` prints."""
    return instance_json(instance) | {
        "secret_key": secret_key,
        "api_url": origin,
        # The key that verifies its session tokens without a JWKS request (CLERK_JWT_KEY).
        "jwt_key": context.active_signing_key.public_pem,
    }
