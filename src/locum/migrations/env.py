"""Alembic environment: runs on the connection locum hands it (see locum.db.migrate)."""

from alembic import context

import locum.db.models  # noqa: F401  (registers every table on the metadata)
from locum.db.base import Base
from locum.db.migrate import COMPARE_OPTIONS

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    **COMPARE_OPTIONS,
)
with context.begin_transaction():
    context.run_migrations()
