"""The instance's domains (its primary one and satellites), the redirect URLs it allows, and the
checks of a domain's proxy (POST /proxy_checks), one row per check run.

The primary domain's row is made the first time an operation writes to the instance's domains
(resources/domains/service.py); until then the operations render the same row from the instance.
"""

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped

HOSTNAME_MAX_LENGTH = 255
URL_MAX_LENGTH = 2048


class Domain(InstanceScoped, Timestamped, Base):
    __tablename__ = "domains"
    __table_args__ = (UniqueConstraint("instance_id", "name"), Index(None, "instance_id", "created_at"))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(HOSTNAME_MAX_LENGTH))
    is_satellite: Mapped[bool] = mapped_column(Boolean)
    is_secondary: Mapped[bool] = mapped_column(Boolean, default=False)
    proxy_url: Mapped[str | None] = mapped_column(String(URL_MAX_LENGTH))


class RedirectUrl(InstanceScoped, Timestamped, Base):
    __tablename__ = "redirect_urls"
    __table_args__ = (UniqueConstraint("instance_id", "url"), Index(None, "instance_id", "created_at"))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_MAX_LENGTH))


class ProxyCheck(InstanceScoped, Timestamped, Base):
    __tablename__ = "proxy_checks"
    __table_args__ = (Index(None, "domain_id", "instance_id"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    domain_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("domains.id", ondelete="CASCADE"))
    proxy_url: Mapped[str] = mapped_column(String(URL_MAX_LENGTH))
    successful: Mapped[bool] = mapped_column(Boolean)
    last_run_at: Mapped[int] = mapped_column(BigInteger)
