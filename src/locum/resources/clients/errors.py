"""The Clients group's Clerk errors."""

from locum.api.errors import ClerkError


def client_token_invalid() -> ClerkError:
    return ClerkError(400, "token_invalid", "Invalid token", "The client token is invalid or no longer current.")
