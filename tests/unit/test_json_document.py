"""db/types.JsonDocument: JSON on SQLite, JSONB on PostgreSQL, whose dialect a SQLite start never imports."""

from alembic.autogenerate import render
from alembic.autogenerate.api import AutogenContext
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, Table, insert
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.schema import CreateTable

from locum.db.types import JsonDocument, render_migration_type

DOCUMENTS = Table("documents", MetaData(), Column("id", String, primary_key=True), Column("body", JsonDocument))


def test_on_postgresql_the_column_is_jsonb_and_its_parameters_are_cast_to_it() -> None:
    dialect = asyncpg.dialect()

    assert "body JSONB" in str(CreateTable(DOCUMENTS).compile(dialect=dialect))
    assert str(insert(DOCUMENTS).values(id="a", body={}).compile(dialect=dialect)) == (
        "INSERT INTO documents (id, body) VALUES ($1::VARCHAR, $2::JSONB)"
    )


def test_autogenerate_writes_the_type_as_sqlalchemys_jsonb_variant() -> None:
    context = AutogenContext(
        MigrationContext.configure(
            dialect=asyncpg.dialect(),
            opts={"sqlalchemy_module_prefix": "sa.", "user_module_prefix": None, "render_item": render_migration_type},
        ),
        autogenerate=False,
    )

    assert render._repr_type(JsonDocument, context) == (
        "sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')"
    )
    assert context.imports == {"from sqlalchemy.dialects import postgresql"}
