"""JWT templates as Clerk renders them (the spec's JWTTemplate); the signing key never leaves."""

from locum.db.models import JwtTemplate
from locum.kit.json_types import JSON


def jwt_template_json(template: JwtTemplate) -> JSON:
    return {
        "object": "jwt_template",
        "id": template.id,
        "name": template.name,
        "claims": template.claims,
        "lifetime": template.lifetime,
        "allowed_clock_skew": template.allowed_clock_skew,
        "custom_signing_key": template.sealed_signing_key is not None,
        "signing_algorithm": template.signing_algorithm,
        "created_at": template.created_at,
        "updated_at": template.updated_at,
    }


def deleted_jwt_template_json(template_id: str) -> JSON:
    return {"object": "jwt_template", "id": template_id, "deleted": True}


def token_json(jwt: str) -> JSON:
    return {"object": "token", "jwt": jwt}
