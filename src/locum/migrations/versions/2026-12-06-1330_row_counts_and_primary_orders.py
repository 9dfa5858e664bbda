"""Counts kept by the database for the lists at a million rows, and indexes for the orders by a
user's primary email address, phone number or web3 wallet.

- `row_counts` (db/row_counts.py): per instance, how many users, organizations and organization
  memberships it has, kept by triggers on those tables in the writing transaction. SQLite: row
  triggers on one partial count. PostgreSQL: statement triggers (transition tables) on the
  writing backend's partial count, one of eight, so that concurrent writers do not queue on one
  row; a deletion whose instance is gone (the instance's own deletion cascading) changes nothing.
- `organizations.members_count`, kept by triggers on organization_memberships, indexed for
  `order_by=members_count`. An organization is inserted before its memberships (their foreign
  key), so it starts at 0 whatever its insert says (a snapshot holds the count, then the
  memberships that make it).
- Users by their primary email address / phone number / web3 wallet id (then id): an order by the
  primary one walks the identifications' unique index and finds each one's user through these, then
  reads the users without one (NULL) in id order from them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 13:30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COUNTED_TABLES = ('users', 'organizations', 'organization_memberships')
SLOTS = 8
PRIMARY_IDS = ('primary_email_address_id', 'primary_phone_number_id', 'primary_web3_wallet_id')

# PostgreSQL trigger function -> its body
POSTGRESQL_FUNCTIONS = {
    'row_counts_inserted': f"""
    INSERT INTO row_counts (instance_id, table_name, slot, row_count)
    SELECT instance_id, TG_TABLE_NAME, pg_backend_pid() % {SLOTS}, count(*) FROM inserted_rows GROUP BY instance_id
    ON CONFLICT (instance_id, table_name, slot) DO UPDATE SET row_count = row_counts.row_count + excluded.row_count;
    RETURN NULL;""",
    'row_counts_deleted': f"""
    INSERT INTO row_counts (instance_id, table_name, slot, row_count)
    SELECT instance_id, TG_TABLE_NAME, pg_backend_pid() % {SLOTS}, -count(*) FROM deleted_rows
    WHERE EXISTS (SELECT FROM instances WHERE instances.id = deleted_rows.instance_id)
    GROUP BY instance_id
    ON CONFLICT (instance_id, table_name, slot) DO UPDATE SET row_count = row_counts.row_count + excluded.row_count;
    RETURN NULL;""",
    'organizations_members_added': """
    UPDATE organizations SET members_count = organizations.members_count + added.members
    FROM (SELECT organization_id, count(*) AS members FROM inserted_rows GROUP BY organization_id) AS added
    WHERE organizations.id = added.organization_id;
    RETURN NULL;""",
    'organizations_members_removed': """
    UPDATE organizations SET members_count = organizations.members_count - removed.members
    FROM (SELECT organization_id, count(*) AS members FROM deleted_rows GROUP BY organization_id) AS removed
    WHERE organizations.id = removed.organization_id;
    RETURN NULL;""",
    'organizations_members_start': """
    NEW.members_count := 0;
    RETURN NEW;""",
}


def _statement_trigger(name: str, event: str, table: str, function: str) -> str:
    transition = 'NEW TABLE AS inserted_rows' if event == 'INSERT' else 'OLD TABLE AS deleted_rows'
    return (
        f'CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {transition}'
        f' FOR EACH STATEMENT EXECUTE FUNCTION {function}()'
    )


def _create_postgresql_triggers() -> None:
    for function, body in POSTGRESQL_FUNCTIONS.items():
        op.execute(f'CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}\nEND $$')
    for table in COUNTED_TABLES:
        op.execute(_statement_trigger(f'{table}_counted_insert', 'INSERT', table, 'row_counts_inserted'))
        op.execute(_statement_trigger(f'{table}_counted_delete', 'DELETE', table, 'row_counts_deleted'))
    op.execute(
        _statement_trigger('organizations_members_insert', 'INSERT', 'organization_memberships', 'organizations_members_added')
    )
    op.execute(
        _statement_trigger('organizations_members_delete', 'DELETE', 'organization_memberships', 'organizations_members_removed')
    )
    op.execute(
        'CREATE TRIGGER organizations_members_start BEFORE INSERT ON organizations'
        ' FOR EACH ROW EXECUTE FUNCTION organizations_members_start()'
    )


def _create_sqlite_triggers() -> None:
    for table in COUNTED_TABLES:
        op.execute(
            f'CREATE TRIGGER {table}_counted_insert AFTER INSERT ON {table} BEGIN'
            ' INSERT INTO row_counts (instance_id, table_name, slot, row_count)'
            f" VALUES (new.instance_id, '{table}', 0, 1)"
            ' ON CONFLICT (instance_id, table_name, slot) DO UPDATE SET row_count = row_count + 1; END'
        )
        op.execute(
            f'CREATE TRIGGER {table}_counted_delete AFTER DELETE ON {table} BEGIN'
            ' UPDATE row_counts SET row_count = row_count - 1'
            f" WHERE instance_id = old.instance_id AND table_name = '{table}' AND slot = 0; END"
        )
    op.execute(
        'CREATE TRIGGER organizations_members_insert AFTER INSERT ON organization_memberships BEGIN'
        ' UPDATE organizations SET members_count = members_count + 1 WHERE id = new.organization_id; END'
    )
    op.execute(
        'CREATE TRIGGER organizations_members_delete AFTER DELETE ON organization_memberships BEGIN'
        ' UPDATE organizations SET members_count = members_count - 1 WHERE id = old.organization_id; END'
    )
    op.execute(
        'CREATE TRIGGER organizations_members_start AFTER INSERT ON organizations WHEN new.members_count != 0 BEGIN'
        ' UPDATE organizations SET members_count = 0 WHERE rowid = new.rowid; END'
    )


def upgrade() -> None:
    op.create_table(
        'row_counts',
        sa.Column('instance_id', sa.String(length=64), nullable=False),
        sa.Column('table_name', sa.String(length=64), nullable=False),
        sa.Column('slot', sa.Integer(), nullable=False),
        sa.Column('row_count', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name='fk_row_counts_instance_id_instances', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('instance_id', 'table_name', 'slot', name='pk_row_counts'),
    )
    for table in COUNTED_TABLES:
        op.execute(
            f"INSERT INTO row_counts (instance_id, table_name, slot, row_count)"
            f" SELECT instance_id, '{table}', 0, count(*) FROM {table} GROUP BY instance_id"
        )
    # Not in batch mode: rebuilding organizations on SQLite would renumber the rowids its trigram
    # search table refers to.
    op.add_column('organizations', sa.Column('members_count', sa.Integer(), server_default='0', nullable=False))
    op.execute(
        'UPDATE organizations SET members_count = (SELECT count(*) FROM organization_memberships'
        ' WHERE organization_memberships.organization_id = organizations.id)'
    )
    if op.get_bind().dialect.name == 'postgresql':
        # The update wrote a new version of every organization, and of each of its index entries
        # (trigram ones included: a search read ten times the pages until rebuilt).
        op.execute('REINDEX TABLE organizations')
    op.create_index('ix_organizations_instance_id_members_count_id', 'organizations', ['instance_id', 'members_count', 'id'])
    for column in PRIMARY_IDS:
        op.create_index(f'ix_users_instance_id_{column}_id', 'users', ['instance_id', column, 'id'])
    if op.get_bind().dialect.name == 'sqlite':
        _create_sqlite_triggers()
    else:
        _create_postgresql_triggers()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    triggers = [
        ('organizations_members_start', 'organizations'),
        ('organizations_members_insert', 'organization_memberships'),
        ('organizations_members_delete', 'organization_memberships'),
    ]
    for table in COUNTED_TABLES:
        triggers += [(f'{table}_counted_insert', table), (f'{table}_counted_delete', table)]
    for trigger, table in triggers:
        op.execute(f'DROP TRIGGER {trigger}' if dialect == 'sqlite' else f'DROP TRIGGER {trigger} ON {table}')
    if dialect != 'sqlite':
        for function in POSTGRESQL_FUNCTIONS:
            op.execute(f'DROP FUNCTION {function}()')
    for column in PRIMARY_IDS:
        op.drop_index(f'ix_users_instance_id_{column}_id', table_name='users')
    op.drop_index('ix_organizations_instance_id_members_count_id', table_name='organizations')
    op.execute('ALTER TABLE organizations DROP COLUMN members_count')
    op.drop_table('row_counts')
