"""The Admin Portal Link Tokens group's Clerk errors. Both operations declare 400 (not 422) for
input they refuse, with the example code `bad_request` for a path parameter failing its pattern."""

from locum.api.errors import ClerkError

TOKEN_ID_PARAM = "adminPortalLinkTokenID"


def organization_not_found() -> ClerkError:
    # createAdminPortalLinkToken declares no 404: an unknown organization is a form error on the
    # parameter, with the status the operation gives every refused input.
    return ClerkError(
        400,
        "form_resource_not_found",
        "not found",
        "No organization of this instance has this organization_id.",
        {"param_name": "organization_id"},
    )


def token_id_malformed() -> ClerkError:
    return ClerkError(
        400,
        "bad_request",
        "Bad Request",
        f"Invalid '{TOKEN_ID_PARAM}': it must be aplt_ followed by 32 hexadecimal digits.",
        {"param_name": TOKEN_ID_PARAM},
    )
