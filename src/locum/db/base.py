"""Declarative base with a constraint naming convention, and the mixins every table uses."""

from sqlalchemy import BigInteger, ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from locum.kit.clock import now_ms

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 64


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class InstanceScoped:
    """Every row belongs to exactly one instance; every query filters on it."""

    @declared_attr
    def instance_id(cls) -> Mapped[str]:
        return mapped_column(String(ID_LENGTH), ForeignKey("instances.id", ondelete="CASCADE"), index=False)


class Timestamped:
    """Unix milliseconds, as Clerk renders them; services set updated_at when they change a row."""

    created_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)
