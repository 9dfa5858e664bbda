"""Clerk's errors of the Organization Roles and Organization Permissions operations."""

from locum.api.errors import ClerkError, form_param_value_invalid, not_found
from locum.instances.organization_defaults import CREATOR_PERMISSIONS


def role_not_found() -> ClerkError:
    return not_found("organization role")


def permission_not_found() -> ClerkError:
    return not_found("permission")


def not_a_role(param: str, key_or_id: str) -> ClerkError:
    """A role named in a body (by key, or id where Clerk takes one) that the instance lacks."""
    return form_param_value_invalid(param, f"{key_or_id!r} is not a role of this instance.")


def system_permission_not_modifiable() -> ClerkError:
    return ClerkError(
        403,
        "organization_system_permission_not_modifiable",
        "organization system permission cannot be modified",
        "This organization permission cannot be modified because it is a system permission.",
    )


def roles_quota_exceeded(quota: int) -> ClerkError:
    return ClerkError(
        403,
        "organization_instance_roles_quota_exceeded",
        "organization roles for instance quota exceeded",
        f"You have reached your limit of {quota} organization roles per instance.",
    )


def missing_creator_role_permissions() -> ClerkError:
    return ClerkError(
        422,
        "organization_missing_creator_role_permissions",
        "missing permissions for creator role",
        f"The creator role must contain the following permissions: {', '.join(sorted(CREATOR_PERMISSIONS))}",
    )


def role_is_creator_role() -> ClerkError:
    return ClerkError(
        422,
        "organization_role_default_creator_role",
        "role is used as the creator role",
        "The organization role cannot be deleted as it is currently used as the creator role.",
    )


def role_is_domain_default_role() -> ClerkError:
    return ClerkError(
        422,
        "organization_role_domain_default_role",
        "role is used as the domain default role",
        "The organization role cannot be deleted as it is currently used as the default domain role.",
    )


def role_assigned_to_members() -> ClerkError:
    return ClerkError(
        422,
        "organization_role_assigned_members",
        "role is assigned to organization members",
        "The organization role is currently assigned to one or more organization members.",
    )


def role_in_invitations() -> ClerkError:
    return ClerkError(
        422,
        "organization_role_exists_in_invitations",
        "role exists in pending organization invitations",
        "The organization role exists in one or more pending organization invitations. "
        "Please revoke these invitations to proceed.",
    )


def association_exists() -> ClerkError:
    return ClerkError(
        409,
        "organization_role_permission_association_exists",
        "permission already assigned to role",
        "This organization permission is already associated to this organization role.",
    )


def association_not_found() -> ClerkError:
    return ClerkError(
        404,
        "organization_role_permission_association_not_found",
        "permission not assigned to role",
        "This organization permission is not associated to this organization role.",
    )
