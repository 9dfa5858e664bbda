from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped
from locum.db.types import JsonDocument


class Instance(Timestamped, Base):
    __tablename__ = "instances"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    environment_type: Mapped[str] = mapped_column(String(16))
    frontend_api_host: Mapped[str] = mapped_column(String(255))
    # Either may be disabled (None), never both; Clerk's defaults are 7 days each.
    session_max_lifetime_seconds: Mapped[int | None] = mapped_column(Integer, default=7 * 24 * 3600)
    session_inactivity_timeout_seconds: Mapped[int | None] = mapped_column(Integer, default=7 * 24 * 3600)
    # Bumped whenever signing keys change, so every process reloads its cached keys.
    signing_keys_version: Mapped[int] = mapped_column(Integer, default=0)
    # Whether the instance has its "Svix app" (CreateSvixApp / DeleteSvixApp; locum delivers itself).
    svix_app_enabled: Mapped[bool] = mapped_column(Boolean, default=False)


class InstanceSecretKey(InstanceScoped, Timestamped, Base):
    """A secret key: its SHA-256 digest for look-ups, and a sealed copy so `locum keys` can show it."""

    __tablename__ = "instance_secret_keys"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)


class SigningKeyRow(InstanceScoped, Timestamped, Base):
    """An RS256 key pair; `kid` is what JWKS and token headers name it by."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)


class InstanceConfiguration(Base):
    """The instance's settings that Clerk keeps in its dashboard and the Instance Settings and Beta
    Features operations change (one row per instance): a document of groups, each a mapping of
    setting -> value; instances/configuration.py gives every setting its default."""

    __tablename__ = "instance_configurations"

    instance_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True
    )
    values: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
