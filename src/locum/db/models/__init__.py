"""All ORM tables, registered on Base.metadata as their modules are imported.

`locum serve` starts with the few tables it needs (CORE_MODULES: the instances and their keys, the
webhook outbox, the queued emails; they reference no other table), ~0.2 s less of its start than
all of them. Every module is imported by the first use of a name from outside the core, by the
mappers' configuration (before the first query) once any model outside the core is known, and by
register_all(), which whatever reads Base.metadata whole calls first (migrations, snapshots, an
instance's data, constraint names): no relationship or foreign key ever meets a table not yet
registered.
"""

import importlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper

from locum.db.base import Base

if TYPE_CHECKING:
    from locum.db.models.billing import (
        BillingFeature,
        BillingPayer,
        BillingPaymentAttempt,
        BillingPlan,
        BillingPlanFeature,
        BillingPrice,
        BillingStatement,
        BillingSubscription,
        BillingSubscriptionItem,
    )
    from locum.db.models.billing_credits import (
        BillingCreditBalance,
        BillingCreditLedgerEntry,
        BillingDiscount,
        BillingDiscountRedemption,
    )
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

CORE_MODULES = ("instances", "webhooks", "events", "messages")
MODULES = (
    *CORE_MODULES,
    "billing",
    "billing_credits",
    "directories",
    "domains",
    "enterprise_sso",
    "identifier_lists",
    "images",
    "invitations",
    "machine_auth",
    "organizations",
    "sessions",
    "users",
)

__all__ = [
    "ActorToken",
    "AdminPortalLinkToken",
    "AgentTask",
    "AllowlistIdentifier",
    "ApiKey",
    "BillingCreditBalance",
    "BillingCreditLedgerEntry",
    "BillingDiscount",
    "BillingDiscountRedemption",
    "BillingFeature",
    "BillingPayer",
    "BillingPaymentAttempt",
    "BillingPlan",
    "BillingPlanFeature",
    "BillingPrice",
    "BillingStatement",
    "BillingSubscription",
    "BillingSubscriptionItem",
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


def _import(modules: tuple[str, ...]) -> list[Any]:
    return [importlib.import_module(f"{__name__}.{module}") for module in modules]


def register_all() -> None:
    """Imports every model module (nothing once done)."""
    _import(MODULES)


def __getattr__(name: str) -> Any:
    """A model by name: its module imported, with every other if it is not in the core."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    modules = _import(CORE_MODULES)
    if not any(name in vars(module) for module in modules):
        modules = _import(MODULES)
    value = next(vars(module)[name] for module in modules if name in vars(module))
    globals()[name] = value
    return value


@event.listens_for(Mapper, "before_configured")
def _register_beyond_core() -> None:
    """A model outside the core may relate to any table: all are registered before mappers configure."""
    core = {f"{__name__}.{module}" for module in CORE_MODULES}
    if any(mapper.class_.__module__ not in core for mapper in Base.registry.mappers):
        register_all()
