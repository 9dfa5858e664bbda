"""The OAuth Applications and OAuth Access Tokens groups' Clerk errors.

Verifying answers a token that does not verify with 404, as every machine-token verify of locum
does: `resource_not_found` for an unknown one, `token_revoked` and `token_expired` for one that
was valid (Clerk's SDKs treat any non-200 as invalid; the JS SDK reads 404 as token-invalid).
"""

from locum.api.errors import ClerkError, form_param_value_invalid, not_found


def oauth_application_not_found() -> ClerkError:
    return not_found("OAuth application")


def access_token_not_found() -> ClerkError:
    return not_found("OAuth access token")


def jwt_access_token_not_revocable() -> ClerkError:
    return ClerkError(
        400,
        "jwt_access_token_not_revocable",
        "JWT access tokens cannot be revoked",
        "JWT access tokens cannot be revoked: they stay valid until they expire. Revoke an opaque access "
        "token or the grant's refresh token instead.",
        {"param_name": "token"},
    )


def user_not_found() -> ClerkError:
    return ClerkError(
        422, "form_resource_not_found", "not found", "No user was found with this user_id.", {"param_name": "user_id"}
    )


def scope_not_granted(scope: str) -> ClerkError:
    return form_param_value_invalid("scopes", f"{scope} is not one of the OAuth application's scopes.")
