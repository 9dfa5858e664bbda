"""Clerk's errors of the invitation operations and of accepting an invitation's ticket."""

from locum.api.errors import ClerkError


def invitation_exists() -> ClerkError:
    return ClerkError(
        400,
        "duplicate_record",
        "duplicate invitation",
        "There is already a pending invitation for this email address; pass ignore_existing to replace it.",
        {"param_name": "email_address"},
    )


def invitation_already_accepted() -> ClerkError:
    return ClerkError(
        400, "invitation_already_accepted", "invitation already accepted", "This invitation was already accepted."
    )


def invitation_already_revoked() -> ClerkError:
    return ClerkError(
        400, "invitation_already_revoked", "invitation already revoked", "This invitation was already revoked."
    )


def ticket_invalid() -> ClerkError:
    return ClerkError(
        400,
        "ticket_invalid",
        "Invalid ticket",
        "The ticket is not a pending invitation of this instance: it does not exist or was already used.",
        {"param_name": "ticket"},
    )


def ticket_expired() -> ClerkError:
    return ClerkError(
        400,
        "ticket_expired",
        "Ticket expired",
        "The invitation has expired; ask for a new one.",
        {"param_name": "ticket"},
    )


def revoked_invitation() -> ClerkError:
    return ClerkError(
        400,
        "revoked_invitation",
        "Revoked invitation",
        "This invitation was revoked and can no longer be used to sign up.",
        {"param_name": "ticket"},
    )
