"""Domains (primary and satellites), redirect URLs, and proxy checks: Clerk's Domains, Redirect URLs
and Proxy Checks operations.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 03:01

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('domains',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('is_satellite', sa.Boolean(), nullable=False),
    sa.Column('is_secondary', sa.Boolean(), nullable=False),
    sa.Column('proxy_url', sa.String(length=2048), nullable=True),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_domains_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_domains')),
    sa.UniqueConstraint('instance_id', 'name', name=op.f('uq_domains_instance_id_name'))
    )
    with op.batch_alter_table('domains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_domains_instance_id_created_at'), ['instance_id', 'created_at'], unique=False)

    op.create_table('redirect_urls',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_redirect_urls_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redirect_urls')),
    sa.UniqueConstraint('instance_id', 'url', name=op.f('uq_redirect_urls_instance_id_url'))
    )
    with op.batch_alter_table('redirect_urls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redirect_urls_instance_id_created_at'), ['instance_id', 'created_at'], unique=False)

    op.create_table('proxy_checks',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('domain_id', sa.String(length=64), nullable=False),
    sa.Column('proxy_url', sa.String(length=2048), nullable=False),
    sa.Column('successful', sa.Boolean(), nullable=False),
    sa.Column('last_run_at', sa.BigInteger(), nullable=False),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], name=op.f('fk_proxy_checks_domain_id_domains'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_proxy_checks_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proxy_checks'))
    )
    with op.batch_alter_table('proxy_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxy_checks_instance_id_domain_id'), ['instance_id', 'domain_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('proxy_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proxy_checks_instance_id_domain_id'))

    op.drop_table('proxy_checks')
    with op.batch_alter_table('redirect_urls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redirect_urls_instance_id_created_at'))

    op.drop_table('redirect_urls')
    with op.batch_alter_table('domains', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_domains_instance_id_created_at'))

    op.drop_table('domains')
