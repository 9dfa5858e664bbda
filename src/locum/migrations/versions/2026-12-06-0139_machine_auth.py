"""Machine authentication: machines, their keys and scopes, M2M tokens, API keys, OAuth applications
and access tokens, agent tasks and admin portal link tokens.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 01:39

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=25), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('claims', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('scopes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('secret_digest', sa.String(length=64), nullable=False),
    sa.Column('sealed_secret', sa.LargeBinary(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('expiration', sa.BigInteger(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('last_used_at', sa.BigInteger(), nullable=True),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_api_keys_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('instance_id', 'secret_digest', name=op.f('uq_api_keys_instance_id_secret_digest'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_instance_id_subject_type_created_at'), ['instance_id', 'subject', 'type', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_keys_instance_id_subject_name'), ['instance_id', 'subject', 'name'], unique=True, sqlite_where=sa.text('NOT revoked'), postgresql_where=sa.text('NOT revoked'))

    op.create_table('machines',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('default_token_ttl', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_machines_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_machines'))
    )
    with op.batch_alter_table('machines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_machines_instance_id_created_at'), ['instance_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_machines_instance_id_name'), ['instance_id', 'name'], unique=False)

    op.create_table('oauth_applications',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('client_secret_digest', sa.String(length=64), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('scopes', sa.String(length=1024), nullable=False),
    sa.Column('redirect_uris', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('consent_screen_enabled', sa.Boolean(), nullable=False),
    sa.Column('pkce_required', sa.Boolean(), nullable=False),
    sa.Column('client_uri', sa.Text(), nullable=True),
    sa.Column('image_id', sa.String(length=64), nullable=True),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_oauth_applications_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_applications')),
    sa.UniqueConstraint('instance_id', 'client_id', name=op.f('uq_oauth_applications_instance_id_client_id'))
    )
    with op.batch_alter_table('oauth_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_applications_instance_id_created_at'), ['instance_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_applications_instance_id_name'), ['instance_id', 'name'], unique=False)

    op.create_table('admin_portal_link_tokens',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('admin_portal_link_id', sa.String(length=64), nullable=False),
    sa.Column('organization_id', sa.String(length=64), nullable=True),
    sa.Column('it_contact_id', sa.String(length=255), nullable=True),
    sa.Column('scopes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('expiration', sa.BigInteger(), nullable=True),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_admin_portal_link_tokens_instance_id_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_admin_portal_link_tokens_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_portal_link_tokens')),
    sa.UniqueConstraint('instance_id', 'token_digest', name=op.f('uq_admin_portal_link_tokens_instance_id_token_digest'))
    )
    with op.batch_alter_table('admin_portal_link_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_portal_link_tokens_instance_id_organization_id'), ['instance_id', 'organization_id'], unique=False)

    op.create_table('agent_tasks',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('agent_name', sa.String(length=255), nullable=False),
    sa.Column('task_description', sa.Text(), nullable=False),
    sa.Column('permissions', sa.String(length=16), nullable=False),
    sa.Column('redirect_url', sa.Text(), nullable=False),
    sa.Column('session_max_duration_seconds', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=False),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_agent_tasks_instance_id_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agent_tasks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_tasks')),
    sa.UniqueConstraint('instance_id', 'token_digest', name=op.f('uq_agent_tasks_instance_id_token_digest'))
    )
    with op.batch_alter_table('agent_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_tasks_user_id'), ['user_id'], unique=False)

    op.create_table('m2m_tokens',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('machine_id', sa.String(length=64), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('sealed_token', sa.LargeBinary(), nullable=False),
    sa.Column('claims', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('scopes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('expiration', sa.BigInteger(), nullable=True),
    sa.Column('last_used_at', sa.BigInteger(), nullable=True),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_m2m_tokens_instance_id_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['machine_id'], ['machines.id'], name=op.f('fk_m2m_tokens_machine_id_machines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_m2m_tokens')),
    sa.UniqueConstraint('instance_id', 'token_digest', name=op.f('uq_m2m_tokens_instance_id_token_digest'))
    )
    with op.batch_alter_table('m2m_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_m2m_tokens_instance_id_machine_id_created_at'), ['instance_id', 'machine_id', 'created_at'], unique=False)

    op.create_table('machine_scopes',
    sa.Column('from_machine_id', sa.String(length=64), nullable=False),
    sa.Column('to_machine_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['from_machine_id'], ['machines.id'], name=op.f('fk_machine_scopes_from_machine_id_machines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_machine_scopes_instance_id_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_machine_id'], ['machines.id'], name=op.f('fk_machine_scopes_to_machine_id_machines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('from_machine_id', 'to_machine_id', name=op.f('pk_machine_scopes'))
    )
    with op.batch_alter_table('machine_scopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_machine_scopes_to_machine_id'), ['to_machine_id'], unique=False)

    op.create_table('machine_secret_keys',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('machine_id', sa.String(length=64), nullable=False),
    sa.Column('secret_digest', sa.String(length=64), nullable=False),
    sa.Column('sealed_secret', sa.LargeBinary(), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_machine_secret_keys_instance_id_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['machine_id'], ['machines.id'], name=op.f('fk_machine_secret_keys_machine_id_machines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_machine_secret_keys')),
    sa.UniqueConstraint('secret_digest', name=op.f('uq_machine_secret_keys_secret_digest'))
    )
    with op.batch_alter_table('machine_secret_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_machine_secret_keys_machine_id'), ['machine_id'], unique=False)

    op.create_table('oauth_access_tokens',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('application_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('refresh_token_digest', sa.String(length=64), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('expiration', sa.BigInteger(), nullable=True),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['oauth_applications.id'], name=op.f('fk_oauth_access_tokens_application_id_oauth_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_oauth_access_tokens_instance_id_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oauth_access_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_access_tokens')),
    sa.UniqueConstraint('instance_id', 'refresh_token_digest', name=op.f('uq_oauth_access_tokens_instance_id_refresh_token_digest')),
    sa.UniqueConstraint('instance_id', 'token_digest', name=op.f('uq_oauth_access_tokens_instance_id_token_digest'))
    )
    with op.batch_alter_table('oauth_access_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_access_tokens_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_access_tokens_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('oauth_access_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_access_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_oauth_access_tokens_application_id'))

    op.drop_table('oauth_access_tokens')
    with op.batch_alter_table('machine_secret_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_machine_secret_keys_machine_id'))

    op.drop_table('machine_secret_keys')
    with op.batch_alter_table('machine_scopes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_machine_scopes_to_machine_id'))

    op.drop_table('machine_scopes')
    with op.batch_alter_table('m2m_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_m2m_tokens_instance_id_machine_id_created_at'))

    op.drop_table('m2m_tokens')
    with op.batch_alter_table('agent_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_tasks_user_id'))

    op.drop_table('agent_tasks')
    with op.batch_alter_table('admin_portal_link_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_portal_link_tokens_instance_id_organization_id'))

    op.drop_table('admin_portal_link_tokens')
    with op.batch_alter_table('oauth_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_applications_instance_id_name'))
        batch_op.drop_index(batch_op.f('ix_oauth_applications_instance_id_created_at'))

    op.drop_table('oauth_applications')
    with op.batch_alter_table('machines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_machines_instance_id_name'))
        batch_op.drop_index(batch_op.f('ix_machines_instance_id_created_at'))

    op.drop_table('machines')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_instance_id_subject_name'))
        batch_op.drop_index(batch_op.f('ix_api_keys_instance_id_subject_type_created_at'))

    op.drop_table('api_keys')
