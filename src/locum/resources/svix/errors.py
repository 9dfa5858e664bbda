"""Errors of Clerk's Svix app operations."""

from locum.api.errors import ClerkError


def svix_app_exists() -> ClerkError:
    return ClerkError(
        400, "svix_app_exists", "Svix app already exists", "A Svix app is already associated with this instance."
    )


def svix_app_missing() -> ClerkError:
    return ClerkError(400, "svix_app_missing", "Svix app is missing", "No Svix app is associated with this instance.")
