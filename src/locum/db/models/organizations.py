"""Organizations (Clerk's B2B model): settings, permissions, roles, role sets, organizations and
their memberships, invitations and domains. Roles are referenced by id; Clerk's API names them by key."""

from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped
from locum.db.types import JsonDocument

NAME_LENGTH = 256
KEY_LENGTH = 128


def _fk(table: str, *, ondelete: str = "CASCADE", index: bool = True, nullable: bool = False) -> Any:
    return mapped_column(
        String(ID_LENGTH), ForeignKey(f"{table}.id", ondelete=ondelete), index=index, nullable=nullable
    )


class OrganizationSettings(Base):
    """The instance's organization settings (one row per instance)."""

    __tablename__ = "organization_settings"

    instance_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    max_allowed_memberships: Mapped[int] = mapped_column(Integer, default=5)
    max_allowed_roles: Mapped[int] = mapped_column(Integer, default=10)
    max_role_sets_allowed: Mapped[int] = mapped_column(Integer, default=10)
    max_allowed_domains: Mapped[int] = mapped_column(Integer, default=10)
    max_allowed_permissions: Mapped[int] = mapped_column(Integer, default=50)
    creator_role_key: Mapped[str] = mapped_column(String(KEY_LENGTH), default="org:admin")
    admin_delete_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    domains_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    slug_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    domains_enrollment_modes: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    domains_default_role_key: Mapped[str] = mapped_column(String(KEY_LENGTH), default="org:member")
    initial_role_set_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH))


class Permission(InstanceScoped, Timestamped, Base):
    __tablename__ = "permissions"
    __table_args__ = (UniqueConstraint("instance_id", "key"), Index(None, "instance_id", "created_at"))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(16), default="user")


class RolePermission(Base):
    __tablename__ = "role_permissions"

    role_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    )
    permission_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("permissions.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Role(InstanceScoped, Timestamped, Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("instance_id", "key"), Index(None, "instance_id", "created_at"))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    description: Mapped[str | None] = mapped_column(Text)

    permissions: Mapped[list[Permission]] = relationship(
        secondary="role_permissions", order_by="[Permission.created_at, Permission.key]"
    )


class RoleSetRole(Base):
    __tablename__ = "role_set_roles"

    role_set_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("role_sets.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RoleSet(InstanceScoped, Timestamped, Base):
    __tablename__ = "role_sets"
    __table_args__ = (UniqueConstraint("instance_id", "key"), Index(None, "instance_id", "created_at"))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16), default="custom")
    default_role_id: Mapped[str | None] = _fk("roles", ondelete="SET NULL", nullable=True)
    creator_role_id: Mapped[str | None] = _fk("roles", ondelete="SET NULL", nullable=True)

    roles: Mapped[list[Role]] = relationship(secondary="role_set_roles", order_by="[Role.created_at, Role.key]")


class Organization(InstanceScoped, Timestamped, Base):
    __tablename__ = "organizations"
    __table_args__ = (
        UniqueConstraint("instance_id", "slug"),
        Index(None, "instance_id", "created_at", "id"),
        Index(None, "instance_id", "name", "id"),
        Index(None, "instance_id", "members_count", "id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    slug: Mapped[str] = mapped_column(String(NAME_LENGTH))
    image_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    created_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    max_allowed_memberships: Mapped[int] = mapped_column(Integer, default=0)
    admin_delete_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    public_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    private_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    role_set_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    last_active_at: Mapped[int | None] = mapped_column(BigInteger)
    # Kept by the database (triggers of migration 0017): how many memberships the organization has.
    members_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OrganizationMembership(InstanceScoped, Timestamped, Base):
    __tablename__ = "organization_memberships"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id"),
        Index(None, "user_id", "instance_id"),
        Index(None, "instance_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    organization_id: Mapped[str] = _fk("organizations", index=False)
    user_id: Mapped[str] = _fk("users", index=False)
    # A role that members hold cannot be deleted (Clerk refuses; the database does too).
    role_id: Mapped[str] = _fk("roles", ondelete="RESTRICT")
    public_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    private_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)

    role: Mapped[Role] = relationship(lazy="raise")


class OrganizationInvitation(InstanceScoped, Timestamped, Base):
    __tablename__ = "organization_invitations"
    __table_args__ = (
        Index(None, "organization_id", "status"),
        Index(None, "instance_id", "email_address_normalized"),
        Index(None, "instance_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    organization_id: Mapped[str] = _fk("organizations", index=False)
    email_address: Mapped[str] = mapped_column(String(320))
    email_address_normalized: Mapped[str] = mapped_column(String(320))
    role_id: Mapped[str] = _fk("roles", ondelete="RESTRICT")
    inviter_user_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    public_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    private_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    redirect_url: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[int | None] = mapped_column(BigInteger)
    accepted_user_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))

    role: Mapped[Role] = relationship(lazy="raise")


class OrganizationDomain(InstanceScoped, Timestamped, Base):
    __tablename__ = "organization_domains"
    __table_args__ = (UniqueConstraint("instance_id", "name"), Index(None, "instance_id", "created_at"))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    organization_id: Mapped[str] = _fk("organizations")
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    enrollment_mode: Mapped[str] = mapped_column(String(32), default="manual_invitation")
    affiliation_email_address: Mapped[str | None] = mapped_column(String(320))
    affiliation_verification_status: Mapped[str | None] = mapped_column(String(16))
    ownership_verification_status: Mapped[str | None] = mapped_column(String(16))
    ownership_verification_strategy: Mapped[str | None] = mapped_column(String(32))
    ownership_verified_at: Mapped[int | None] = mapped_column(BigInteger)
