"""Organizations and memberships as Clerk renders them (the spec's Organization, OrganizationMembership,
and the public organization data that invitations and domains carry)."""

from locum.db.models import Organization, OrganizationMembership, Role, User
from locum.kit.json_types import JSON, columns
from locum.resources.users.serializers import image_url


def organization_json(
    organization: Organization,
    *,
    origin: str,
    members_count: int | None = None,
    pending_invitations_count: int | None = None,
    missing_member_with_elevated_permissions: bool | None = None,
) -> JSON:
    """Counts appear only when the caller computed them (Clerk includes members_count on request)."""
    data: JSON = {
        "object": "organization",
        **public_organization_data(organization, origin=origin),
        **columns(
            organization,
            "max_allowed_memberships",
            "admin_delete_enabled",
            "public_metadata",
            "private_metadata",
            "created_at",
            "updated_at",
            "role_set_key",
        ),
    }
    if organization.created_by is not None:
        data["created_by"] = organization.created_by
    if organization.last_active_at is not None:
        data["last_active_at"] = organization.last_active_at
    if members_count is not None:
        data["members_count"] = members_count
    if pending_invitations_count is not None:
        data["pending_invitations_count"] = pending_invitations_count
    if missing_member_with_elevated_permissions is not None:
        data["missing_member_with_elevated_permissions"] = missing_member_with_elevated_permissions
    return data


def image_fields(origin: str, image_id: str | None) -> JSON:
    """`image_url` and `has_image`, as every organization and public user shape carries them."""
    return {"image_url": image_url(origin, image_id), "has_image": image_id is not None}


def public_organization_data(organization: Organization, *, origin: str) -> JSON:
    return {
        **columns(organization, "id", "name", "slug"),
        **image_fields(origin, organization.image_id),
    }


def public_user_data(user: User, *, origin: str) -> JSON:
    primary = next((e.email_address for e in user.email_addresses if e.id == user.primary_email_address_id), None)
    url = image_url(origin, user.image_id)
    return {
        "user_id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "profile_image_url": url,
        "image_url": url,
        "has_image": user.image_id is not None,
        "identifier": primary or user.username,
        "username": user.username,
        "banned": user.banned,
        "deprovisioned": False,
    }


def role_permission_keys(role: Role) -> list[str]:
    return [permission.key for permission in role.permissions]


def membership_json(
    membership: OrganizationMembership, *, organization: JSON, role: Role, user: User, origin: str
) -> JSON:
    """`organization` is that organization's JSON (rendered once for a page of memberships)."""
    return {
        "id": membership.id,
        "object": "organization_membership",
        "role": role.key,
        "role_name": role.name,
        "permissions": role_permission_keys(role),
        "public_metadata": membership.public_metadata,
        "private_metadata": membership.private_metadata,
        "organization": organization,
        "public_user_data": public_user_data(user, origin=origin),
        "created_at": membership.created_at,
        "updated_at": membership.updated_at,
    }
