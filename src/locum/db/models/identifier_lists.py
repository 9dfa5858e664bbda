"""The instance's allow-list and block-list: identifiers (an email address, a `*@domain` wildcard,
a phone number or a web3 wallet) stored normalized, each at most once per list."""

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped

IDENTIFIER_LENGTH = 320  # the longest email address (64-character local part, @, 255-character domain)
IDENTIFIER_TYPE_LENGTH = 16


class AllowlistIdentifier(InstanceScoped, Timestamped, Base):
    __tablename__ = "allowlist_identifiers"
    __table_args__ = (UniqueConstraint("instance_id", "identifier"), Index(None, "instance_id", "created_at"))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(IDENTIFIER_LENGTH))
    identifier_type: Mapped[str] = mapped_column(String(IDENTIFIER_TYPE_LENGTH))
    # The invitation `notify` sent with it, when one was.
    invitation_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))


class BlocklistIdentifier(InstanceScoped, Timestamped, Base):
    __tablename__ = "blocklist_identifiers"
    __table_args__ = (UniqueConstraint("instance_id", "identifier"), Index(None, "instance_id", "created_at"))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(IDENTIFIER_LENGTH))
    identifier_type: Mapped[str] = mapped_column(String(IDENTIFIER_TYPE_LENGTH))
