"""All ORM tables; importing this module registers them on Base.metadata."""

from locum.db.models.directories import Directory, DirectoryGroupRoleMapping
from locum.db.models.domains import Domain, ProxyCheck, RedirectUrl
from locum.db.models.enterprise_sso import (
    EnterpriseAccount,
    EnterpriseConnection,
    EnterpriseConnectionDomain,
    EnterpriseConnectionTestRun,
    SamlConnection,
)
from locum.db.models.events import Event
from locum.db.models.identifier_lists import AllowlistIdentifier, BlocklistIdentifier
from locum.db.models.images import Image
from locum.db.models.instances import Instance, InstanceConfiguration, InstanceSecretKey, SigningKeyRow
from locum.db.models.invitations import Invitation, SignUp, WaitlistEntry
from locum.db.models.machine_auth import (
    AdminPortalLinkToken,
    AgentTask,
    ApiKey,
    M2MToken,
    Machine,
    MachineScope,
    MachineSecretKey,
    OAuthAccessToken,
    OAuthApplication,
)
from locum.db.models.messages import Message, Template
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
from locum.db.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ActorToken",
    "AdminPortalLinkToken",
    "AgentTask",
    "AllowlistIdentifier",
    "ApiKey",
    "BlocklistIdentifier",
    "Client",
    "Directory",
    "DirectoryGroupRoleMapping",
    "Domain",
    "EmailAddress",
    "EnterpriseAccount",
    "EnterpriseConnection",
    "EnterpriseConnectionDomain",
    "EnterpriseConnectionTestRun",
    "Event",
    "ExternalAccount",
    "Image",
    "Instance",
    "InstanceConfiguration",
    "InstanceSecretKey",
    "Invitation",
    "JwtTemplate",
    "M2MToken",
    "Machine",
    "MachineScope",
    "MachineSecretKey",
    "Message",
    "OAuthAccessToken",
    "OAuthApplication",
    "Organization",
    "OrganizationDomain",
    "OrganizationInvitation",
    "OrganizationMembership",
    "OrganizationSettings",
    "Passkey",
    "Permission",
    "PhoneNumber",
    "ProxyCheck",
    "RedirectUrl",
    "Role",
    "RolePermission",
    "RoleSet",
    "RoleSetRole",
    "SamlConnection",
    "Session",
    "SignInToken",
    "SignUp",
    "SigningKeyRow",
    "Template",
    "TrustedDevice",
    "User",
    "Verification",
    "WaitlistEntry",
    "Web3Wallet",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
