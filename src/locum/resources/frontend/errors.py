"""The Clerk errors of sign-in tickets (actor and sign-in tokens, agent tasks): the codes of Clerk's
Frontend API ticket strategy for a consume, and BAPI's refusals to revoke a ticket that is unknown
or no longer pending."""

from locum.api.errors import ClerkError


def ticket_invalid() -> ClerkError:
    return ClerkError(
        400,
        "ticket_invalid",
        "Invalid ticket",
        "The token is not a pending token of this instance: it does not exist, was revoked, or was already used.",
        {"param_name": "token"},
    )


def ticket_expired() -> ClerkError:
    return ClerkError(
        400, "ticket_expired", "Ticket expired", "The token has expired; create a new one.", {"param_name": "token"}
    )


def ticket_cannot_be_revoked(kind: str, code: str) -> ClerkError:
    return ClerkError(400, code, f"{kind.capitalize()} cannot be revoked", f"Only pending {kind}s can be revoked.")


def ticket_not_found(kind: str, code: str) -> ClerkError:
    return ClerkError(404, code, "not found", f"The requested {kind} could not be found.")
