"""All ORM tables; importing this module registers them on Base.metadata."""

from locum.db.models.events import Event
from locum.db.models.images import Image
from locum.db.models.instances import Instance, InstanceSecretKey, SigningKeyRow
from locum.db.models.organizations import (
    Organization,
    OrganizationDomain,
    OrganizationInvitation,
    OrganizationMembership,
    OrganizationSettings,
    Permission,
    Role,
    RolePermission,
    RoleSet,
    RoleSetRole,
)
from locum.db.models.sessions import ActorToken, Client, JwtTemplate, Session, SignInToken
from locum.db.models.users import (
    EmailAddress,
    ExternalAccount,
    Passkey,
    PhoneNumber,
    TrustedDevice,
    User,
    Verification,
    Web3Wallet,
)

__all__ = [
    "ActorToken",
    "Client",
    "EmailAddress",
    "Event",
    "ExternalAccount",
    "Image",
    "Instance",
    "InstanceSecretKey",
    "JwtTemplate",
    "Organization",
    "OrganizationDomain",
    "OrganizationInvitation",
    "OrganizationMembership",
    "OrganizationSettings",
    "Passkey",
    "Permission",
    "PhoneNumber",
    "Role",
    "RolePermission",
    "RoleSet",
    "RoleSetRole",
    "Session",
    "SignInToken",
    "SigningKeyRow",
    "TrustedDevice",
    "User",
    "Verification",
    "Web3Wallet",
]
