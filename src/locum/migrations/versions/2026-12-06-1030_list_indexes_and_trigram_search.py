"""Indexes for every list filter and order at a million users: each order index ends with the id
(the tie-break), so a page is read in index order without sorting the rows that share a value;
banned users have their own index; and the trigram search structures of db/text_search.py.

PostgreSQL: pg_trgm GIN indexes on the lowered searched columns. Creating the extension needs a
role allowed to (a superuser, or the database owner for a trusted extension on PostgreSQL 13+);
without it the indexes are skipped with a warning and substring search scans, as before.

SQLite: one FTS5 trigram table per searched table, `<table>_search`, contentless (the text is
not stored twice), its rowid the searched row's rowid, kept by triggers and filled here.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:30

"""
import logging
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

logger = logging.getLogger("locum.migrations")

# table -> the columns whose order index gains the id
ORDER_INDEXES = {
    'users': ('created_at', 'updated_at', 'last_active_at', 'last_sign_in_at', 'first_name', 'last_name'),
    'organizations': ('created_at', 'name'),
    'organization_memberships': ('created_at',),
}
# searched table -> (indexed name, SQL of its text over the row `{row}`), as db/text_search.py's INDEXED_TEXT
SEARCHED = {
    'users': (
        ('id', '{row}.id'),
        ('external_id', '{row}.external_id'),
        ('username', '{row}.username'),
        ('first_name', '{row}.first_name'),
        ('last_name', '{row}.last_name'),
        ('full_name', "coalesce({row}.first_name, '') || ' ' || coalesce({row}.last_name, '')"),
    ),
    'email_addresses': (('email_address', '{row}.email_address'),),
    'phone_numbers': (('phone_number', '{row}.phone_number'),),
    'web3_wallets': (('web3_wallet', '{row}.web3_wallet'),),
    'organizations': (('name', '{row}.name'), ('slug', '{row}.slug')),
}


def _texts(table: str, row: str) -> str:
    return ', '.join(expression.format(row=row) for _name, expression in SEARCHED[table])


def _create_sqlite_search(table: str) -> None:
    search = f'{table}_search'
    names = ', '.join(name for name, _expression in SEARCHED[table])
    # the update trigger's columns: those searched as they are (full_name is made of two of them)
    columns = ', '.join(expression.split('.', 1)[1] for _name, expression in SEARCHED[table] if '(' not in expression)
    op.execute(f"CREATE VIRTUAL TABLE {search} USING fts5({names}, content='', tokenize='trigram')")
    insert = f"INSERT INTO {search} (rowid, {names}) VALUES (new.rowid, {_texts(table, 'new')})"
    delete = f"INSERT INTO {search} ({search}, rowid, {names}) VALUES ('delete', old.rowid, {_texts(table, 'old')})"
    op.execute(f"CREATE TRIGGER {search}_insert AFTER INSERT ON {table} BEGIN {insert}; END")
    op.execute(f"CREATE TRIGGER {search}_delete AFTER DELETE ON {table} BEGIN {delete}; END")
    op.execute(f"CREATE TRIGGER {search}_update AFTER UPDATE OF {columns} ON {table} BEGIN {delete}; {insert}; END")
    op.execute(f"INSERT INTO {search} (rowid, {names}) SELECT {table}.rowid, {_texts(table, table)} FROM {table}")


def _create_postgresql_search(table: str) -> None:
    for name, expression in SEARCHED[table]:
        op.execute(
            f"CREATE INDEX ix_trgm_{table}_{name} ON {table} USING gin (lower({expression.format(row=table)}) gin_trgm_ops)"
        )


def _trigram_extension_available() -> bool:
    connection = op.get_bind()
    try:
        with connection.begin_nested():
            connection.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pg_trgm'))
    except sa.exc.DBAPIError as error:
        logger.warning('pg_trgm is not available (%s): substring search will scan', str(error).splitlines()[0])
        return False
    return True


def upgrade() -> None:
    for table, columns in ORDER_INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(f'ix_{table}_instance_id_{column}')
                batch_op.create_index(f'ix_{table}_instance_id_{column}_id', ['instance_id', column, 'id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_instance_id_username_normalized_id', ['instance_id', 'username_normalized', 'id'], unique=False)
        batch_op.create_index('ix_users_instance_id_banned_created_at_id', ['instance_id', 'banned', 'created_at', 'id'], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for table in SEARCHED:
            _create_sqlite_search(table)
    elif _trigram_extension_available():
        for table in SEARCHED:
            _create_postgresql_search(table)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in SEARCHED:
        if dialect == 'sqlite':
            for event in ('insert', 'delete', 'update'):
                op.execute(f'DROP TRIGGER {table}_search_{event}')
            op.execute(f'DROP TABLE {table}_search')
        else:
            for name, _expression in SEARCHED[table]:
                op.execute(f'DROP INDEX IF EXISTS ix_trgm_{table}_{name}')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_instance_id_banned_created_at_id')
        batch_op.drop_index('ix_users_instance_id_username_normalized_id')
    for table, columns in ORDER_INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(f'ix_{table}_instance_id_{column}_id')
                batch_op.create_index(f'ix_{table}_instance_id_{column}', ['instance_id', column], unique=False)
