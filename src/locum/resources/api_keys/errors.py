"""The API Keys group's Clerk errors.

A verification that finds no usable key is a 404, as for every machine token (JS maps it to
token-invalid; Python treats any non-200 as invalid): `resource_not_found` for a secret no key of the
instance has, `token_revoked` and `token_expired` for a key that exists but no longer works.
"""

from locum.api.errors import ClerkError, not_found


def api_key_not_found() -> ClerkError:
    return not_found("API key")


def api_key_id_invalid() -> ClerkError:
    # The operations declare 400 for a path id outside the spec's pattern, with this message as example.
    return ClerkError(400, "bad_request", "Bad Request", "Invalid 'url_parameter.apiKeyID': Failed regex check")


def param_resource_not_found(param: str, kind: str) -> ClerkError:
    """`subject` or `created_by` names no `kind` in the instance: a bad parameter, so 400 (what the
    operations declare for bad input), keeping 404 for the key in the path."""
    return ClerkError(
        400, "form_resource_not_found", "not found", f"No {kind} was found with this {param}.", {"param_name": param}
    )


def api_key_name_taken() -> ClerkError:
    return ClerkError(
        409,
        "api_key_name_already_exists",
        "API key name already exists",
        "The subject already has an unrevoked API key with this name.",
        {"param_name": "name"},
    )


def token_expired() -> ClerkError:
    return ClerkError(404, "token_expired", "API key expired", "This API key has expired.")
