"""Allow-list and block-list identifiers: one table per list, each identifier unique per instance.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 03:01:51.939593

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('allowlist_identifiers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('identifier', sa.String(length=320), nullable=False),
    sa.Column('identifier_type', sa.String(length=16), nullable=False),
    sa.Column('invitation_id', sa.String(length=64), nullable=True),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_allowlist_identifiers_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allowlist_identifiers')),
    sa.UniqueConstraint('instance_id', 'identifier', name=op.f('uq_allowlist_identifiers_instance_id_identifier'))
    )
    with op.batch_alter_table('allowlist_identifiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allowlist_identifiers_instance_id_created_at'), ['instance_id', 'created_at'], unique=False)

    op.create_table('blocklist_identifiers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('identifier', sa.String(length=320), nullable=False),
    sa.Column('identifier_type', sa.String(length=16), nullable=False),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_blocklist_identifiers_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blocklist_identifiers')),
    sa.UniqueConstraint('instance_id', 'identifier', name=op.f('uq_blocklist_identifiers_instance_id_identifier'))
    )
    with op.batch_alter_table('blocklist_identifiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blocklist_identifiers_instance_id_created_at'), ['instance_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('blocklist_identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blocklist_identifiers_instance_id_created_at'))

    op.drop_table('blocklist_identifiers')
    with op.batch_alter_table('allowlist_identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allowlist_identifiers_instance_id_created_at'))

    op.drop_table('allowlist_identifiers')
