"""The Actor Tokens group's Clerk errors."""

from locum.api.errors import ClerkError


def user_not_found() -> ClerkError:
    # CreateActorToken declares 400, 402 and 422 only: an unknown user is a form error on user_id.
    return ClerkError(
        422,
        "form_resource_not_found",
        "not found",
        "No user was found with this user_id.",
        {"param_name": "user_id"},
    )
