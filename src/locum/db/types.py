"""Portable column types."""

from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import JSON
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext


class PostgresqlJsonb(TypeDecorator[Any]):
    """PostgreSQL's JSONB, whose dialect is imported when a PostgreSQL database first uses the type:
    a start on SQLite never loads PostgreSQL's dialect (~25 ms)."""

    impl = JSON
    cache_ok = True
    # As JSONB's own: asyncpg's parameters are cast, `$1::JSONB`.
    render_bind_cast = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        from sqlalchemy.dialects.postgresql import JSONB

        return dialect.type_descriptor(JSONB())


JsonDocument = JSON().with_variant(PostgresqlJsonb(), "postgresql")


def render_migration_type(kind: str, value: Any, autogen_context: "AutogenContext") -> str | Literal[False]:
    """Alembic's autogenerate writes PostgresqlJsonb into a migration as the JSONB it stands for
    (render_item in migrations/env.py): migrations never import locum's types."""
    if kind == "type" and isinstance(value, PostgresqlJsonb):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "postgresql.JSONB(astext_type=sa.Text())"
    return False
