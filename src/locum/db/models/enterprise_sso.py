"""Enterprise SSO: connections to a company's identity provider, and the accounts users hold on them.

An enterprise connection is the one row every protocol shares (name, provider, domains, organization,
flags). A SAML-provider connection has exactly one `saml_connections` row with its IdP configuration;
Clerk's deprecated SAML Connections API reads and writes that pair. An OIDC-provider connection keeps
its OAuth client on the connection row itself (the client secret sealed with the master key: locum
never shows it again, but a sign-in would send it to the IdP).

A domain routes sign-ins to one connection only: `enterprise_connection_domains` is unique per
instance. Deleting a connection deletes its domains, SAML row, test runs and users' accounts on it.
"""

from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped
from locum.db.types import JsonDocument

NAME_LENGTH = 255
HOSTNAME_MAX_LENGTH = 255
URL_MAX_LENGTH = 2048
PROVIDER_LENGTH = 64


def _connection_fk() -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), ForeignKey("enterprise_connections.id", ondelete="CASCADE"))


class EnterpriseConnection(InstanceScoped, Timestamped, Base):
    __tablename__ = "enterprise_connections"
    __table_args__ = (
        Index(None, "instance_id", "created_at"),
        Index(None, "organization_id", "instance_id"),
        Index(None, "instance_id", "active"),
        Index(None, "instance_id", "name"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    provider: Mapped[str] = mapped_column(String(PROVIDER_LENGTH))
    # "saml" or "oauth": what the provider speaks (EnterpriseAccount.protocol, test runs' connection_type)
    protocol: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    organization_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("organizations.id", ondelete="SET NULL")
    )
    sync_user_attributes: Mapped[bool] = mapped_column(Boolean, default=True)
    disable_additional_identifications: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_organization_account_linking: Mapped[bool] = mapped_column(Boolean, default=False)
    custom_attributes: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)

    # OIDC providers only (Clerk renders them as `oauth_config`).
    oauth_config_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    oidc_client_id: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    sealed_oidc_client_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    oidc_discovery_url: Mapped[str | None] = mapped_column(String(URL_MAX_LENGTH))
    oidc_auth_url: Mapped[str | None] = mapped_column(String(URL_MAX_LENGTH))
    oidc_token_url: Mapped[str | None] = mapped_column(String(URL_MAX_LENGTH))
    oidc_user_info_url: Mapped[str | None] = mapped_column(String(URL_MAX_LENGTH))
    oidc_requires_pkce: Mapped[bool] = mapped_column(Boolean, default=False)
    oauth_config_created_at: Mapped[int | None] = mapped_column(BigInteger)
    oauth_config_updated_at: Mapped[int | None] = mapped_column(BigInteger)

    domain_rows: Mapped[list["EnterpriseConnectionDomain"]] = relationship(
        order_by="EnterpriseConnectionDomain.position", cascade="all, delete-orphan", passive_deletes=True
    )
    saml: Mapped["SamlConnection | None"] = relationship(
        uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def domains(self) -> list[str]:
        return [row.name for row in self.domain_rows]


class EnterpriseConnectionDomain(InstanceScoped, Base):
    """One email domain routed to a connection; `position` keeps the order the caller gave."""

    __tablename__ = "enterprise_connection_domains"
    __table_args__ = (
        UniqueConstraint("instance_id", "name"),
        Index(None, "enterprise_connection_id", "position"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    enterprise_connection_id: Mapped[str] = _connection_fk()
    name: Mapped[str] = mapped_column(String(HOSTNAME_MAX_LENGTH))
    position: Mapped[int] = mapped_column(Integer)


class SamlConnection(InstanceScoped, Timestamped, Base):
    __tablename__ = "saml_connections"
    __table_args__ = (UniqueConstraint("enterprise_connection_id"), Index(None, "instance_id", "created_at"))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    enterprise_connection_id: Mapped[str] = _connection_fk()
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    idp_entity_id: Mapped[str | None] = mapped_column(String(URL_MAX_LENGTH))
    idp_sso_url: Mapped[str | None] = mapped_column(String(URL_MAX_LENGTH))
    idp_certificate: Mapped[str | None] = mapped_column(Text)
    idp_certificate_issued_at: Mapped[int | None] = mapped_column(BigInteger)
    idp_certificate_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    idp_metadata_url: Mapped[str | None] = mapped_column(String(URL_MAX_LENGTH))
    idp_metadata: Mapped[str | None] = mapped_column(Text)
    attribute_mapping: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    allow_subdomains: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_idp_initiated: Mapped[bool] = mapped_column(Boolean, default=False)
    force_authn: Mapped[bool] = mapped_column(Boolean, default=False)
    login_hint: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)


class EnterpriseConnectionTestRun(InstanceScoped, Base):
    __tablename__ = "enterprise_connection_test_runs"
    __table_args__ = (
        Index(None, "enterprise_connection_id", "instance_id", "created_at"),
        Index(None, "instance_id", "enterprise_connection_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    enterprise_connection_id: Mapped[str] = _connection_fk()
    status: Mapped[str] = mapped_column(String(16))
    connection_type: Mapped[str] = mapped_column(String(16))
    logs: Mapped[list[dict[str, str]]] = mapped_column(JsonDocument, default=list)
    created_at: Mapped[int] = mapped_column(BigInteger)


class EnterpriseAccount(InstanceScoped, Timestamped, Base):
    """A user's account on an enterprise connection (`enterprise_accounts` on the user, and
    `saml_accounts` too when the connection speaks SAML). One per user and connection."""

    __tablename__ = "enterprise_accounts"
    __table_args__ = (
        UniqueConstraint("enterprise_connection_id", "user_id"),
        Index(None, "user_id", "instance_id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    # The SAML account id Clerk shows in `saml_accounts` for the same account.
    saml_account_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"))
    enterprise_connection_id: Mapped[str] = _connection_fk()
    email_address: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    last_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    provider_user_id: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    public_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    last_authenticated_at: Mapped[int | None] = mapped_column(BigInteger)

    enterprise_connection: Mapped[EnterpriseConnection] = relationship()
