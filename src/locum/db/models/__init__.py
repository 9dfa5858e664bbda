"""All ORM tables; importing this module registers them on Base.metadata."""

from locum.db.models.events import Event
from locum.db.models.images import Image
from locum.db.models.instances import Instance, InstanceSecretKey, SigningKeyRow
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
    "EmailAddress",
    "Event",
    "ExternalAccount",
    "Image",
    "Instance",
    "InstanceSecretKey",
    "Passkey",
    "PhoneNumber",
    "SigningKeyRow",
    "TrustedDevice",
    "User",
    "Verification",
    "Web3Wallet",
]
