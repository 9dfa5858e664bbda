"""Directories: an enterprise connection's provisioning endpoint (SCIM), and the mappings from the
identity provider's groups to organization roles.

Clerk serves one resource under two names: `/scim_directories` (object `scim_directory`) and its
newer name `/directories` (object `directory`), with the same fields; one table holds both. The bearer
token the identity provider sends is stored only as its digest (`api_key_digest`, unique, the look-up
a provisioning request would make); Clerk shows it once, when the directory is made.

A connection has at most one directory, and deleting the connection deletes it (a directory provisions
users into its connection; without one, its token must stop working). A mapping goes with its directory
and with its role; within a directory, a group is mapped once and each precedence is used once.
"""

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped
from locum.db.types import JsonDocument

NAME_LENGTH = 255
PROVIDER_LENGTH = 64
GROUP_ID_LENGTH = 255
GROUP_DISPLAY_NAME_LENGTH = 255
# A SHA-256 digest in hex (kit/keys.secret_digest).
DIGEST_LENGTH = 64


class Directory(InstanceScoped, Timestamped, Base):
    __tablename__ = "directories"
    __table_args__ = (
        UniqueConstraint("enterprise_connection_id"),
        UniqueConstraint("api_key_digest"),
        Index(None, "instance_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    enterprise_connection_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("enterprise_connections.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    provider: Mapped[str] = mapped_column(String(PROVIDER_LENGTH))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    group_role_mapping_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # user attribute -> the path in a provisioned user resource it is read from
    attribute_mapping: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    api_key_digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))


class DirectoryGroupRoleMapping(InstanceScoped, Timestamped, Base):
    __tablename__ = "directory_group_role_mappings"
    __table_args__ = (
        UniqueConstraint("directory_id", "group_id"),
        UniqueConstraint("directory_id", "precedence"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    directory_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("directories.id", ondelete="CASCADE"))
    group_id: Mapped[str] = mapped_column(String(GROUP_ID_LENGTH))
    group_display_name: Mapped[str] = mapped_column(String(GROUP_DISPLAY_NAME_LENGTH), default="")
    role_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    precedence: Mapped[int] = mapped_column(Integer)
