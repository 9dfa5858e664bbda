"""Clerk's errors of the organization invitation operations."""

from locum.api.errors import ClerkError


def invitation_not_pending() -> ClerkError:
    return ClerkError(
        404,
        "organization_invitation_not_pending",
        "organization invitation not pending",
        "Only pending organization invitations can be revoked or accepted.",
    )


def invitation_not_unique() -> ClerkError:
    return ClerkError(
        400,
        "organization_invitation_not_unique",
        "organization invitation not unique",
        "Organizations cannot have duplicate pending invitations for an email address.",
    )


def not_a_member() -> ClerkError:
    return ClerkError(
        403,
        "not_a_member_in_organization",
        "not a member",
        "Current user is not a member of the organization. Only organization members can perform this action.",
    )


def missing_permission(permission: str) -> ClerkError:
    return ClerkError(
        403,
        "missing_organization_permission",
        "missing permission",
        "Current user is missing an organization permission.",
        {"permissions": [permission]},
    )


def identification_not_owned() -> ClerkError:
    return ClerkError(
        400,
        "organization_invitation_identification_not_exist",
        "invitation identification does not exist",
        "The user does not own the email address this invitation was sent to.",
    )
