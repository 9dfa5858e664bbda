"""Alembic environment: runs on the connection locum hands it (see locum.db.migrate)."""

from alembic import context

from locum.db.base import Base
from locum.db.migrate import COMPARE_OPTIONS
from locum.db.models import register_all
from locum.db.types import render_migration_type

register_all()

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    render_item=render_migration_type,
    **COMPARE_OPTIONS,
)
with context.begin_transaction():
    context.run_migrations()
