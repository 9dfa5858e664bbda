"""Directories (SCIM provisioning endpoints of enterprise connections) and their group-role mappings:
Clerk's SCIM Directories and Directories operations.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 04:45

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('directories',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('enterprise_connection_id', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('provider', sa.String(length=64), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('group_role_mapping_enabled', sa.Boolean(), nullable=False),
    sa.Column('attribute_mapping', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('api_key_digest', sa.String(length=64), nullable=False),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_connection_id'], ['enterprise_connections.id'], name=op.f('fk_directories_enterprise_connection_id_enterprise_connections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_directories_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directories')),
    sa.UniqueConstraint('api_key_digest', name=op.f('uq_directories_api_key_digest')),
    sa.UniqueConstraint('enterprise_connection_id', name=op.f('uq_directories_enterprise_connection_id'))
    )
    with op.batch_alter_table('directories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directories_instance_id_created_at'), ['instance_id', 'created_at'], unique=False)

    op.create_table('directory_group_role_mappings',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('directory_id', sa.String(length=64), nullable=False),
    sa.Column('group_id', sa.String(length=255), nullable=False),
    sa.Column('group_display_name', sa.String(length=255), nullable=False),
    sa.Column('role_id', sa.String(length=64), nullable=False),
    sa.Column('precedence', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['directory_id'], ['directories.id'], name=op.f('fk_directory_group_role_mappings_directory_id_directories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_directory_group_role_mappings_instance_id_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['roles.id'], name=op.f('fk_directory_group_role_mappings_role_id_roles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_group_role_mappings')),
    sa.UniqueConstraint('directory_id', 'group_id', name=op.f('uq_directory_group_role_mappings_directory_id_group_id')),
    sa.UniqueConstraint('directory_id', 'precedence', name=op.f('uq_directory_group_role_mappings_directory_id_precedence'))
    )
    with op.batch_alter_table('directory_group_role_mappings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_group_role_mappings_role_id'), ['role_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('directory_group_role_mappings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_group_role_mappings_role_id'))

    op.drop_table('directory_group_role_mappings')
    with op.batch_alter_table('directories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directories_instance_id_created_at'))

    op.drop_table('directories')
