"""Invitations (one pending per email address: a partial unique index), the sign-ups that accept
them, and waitlist entries (one per email address).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 03:02:06.879022

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('invitations',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('email_address', sa.String(length=320), nullable=False),
    sa.Column('email_address_normalized', sa.String(length=320), nullable=False),
    sa.Column('public_metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('redirect_url', sa.Text(), nullable=True),
    sa.Column('template_slug', sa.String(length=32), nullable=False),
    sa.Column('ticket_digest', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=True),
    sa.Column('accepted_user_id', sa.String(length=64), nullable=True),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['accepted_user_id'], ['users.id'], name=op.f('fk_invitations_accepted_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_invitations_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('instance_id', 'ticket_digest', name=op.f('uq_invitations_instance_id_ticket_digest'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_accepted_user_id'), ['accepted_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_instance_id_created_at'), ['instance_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_instance_id_email_address_normalized'), ['instance_id', 'email_address_normalized'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_instance_id_expires_at'), ['instance_id', 'expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_instance_id_status_created_at'), ['instance_id', 'status', 'created_at'], unique=False)
        batch_op.create_index('uq_invitations_pending_email', ['instance_id', 'email_address_normalized'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.create_table('sign_ups',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('email_address', sa.String(length=320), nullable=True),
    sa.Column('username', sa.String(length=255), nullable=True),
    sa.Column('first_name', sa.Text(), nullable=True),
    sa.Column('last_name', sa.Text(), nullable=True),
    sa.Column('password_enabled', sa.Boolean(), nullable=False),
    sa.Column('public_metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('unsafe_metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('custom_action', sa.Boolean(), nullable=False),
    sa.Column('external_id', sa.Text(), nullable=True),
    sa.Column('invitation_id', sa.String(length=64), nullable=True),
    sa.Column('created_user_id', sa.String(length=64), nullable=True),
    sa.Column('created_session_id', sa.String(length=64), nullable=True),
    sa.Column('abandon_at', sa.BigInteger(), nullable=False),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['created_user_id'], ['users.id'], name=op.f('fk_sign_ups_created_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_sign_ups_instance_id_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], name=op.f('fk_sign_ups_invitation_id_invitations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_ups'))
    )
    with op.batch_alter_table('sign_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_ups_created_user_id'), ['created_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_ups_invitation_id'), ['invitation_id'], unique=False)

    op.create_table('waitlist_entries',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('email_address', sa.String(length=320), nullable=False),
    sa.Column('email_address_normalized', sa.String(length=320), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('invitation_id', sa.String(length=64), nullable=True),
    sa.Column('invited_at', sa.BigInteger(), nullable=True),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_waitlist_entries_instance_id_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], name=op.f('fk_waitlist_entries_invitation_id_invitations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries')),
    sa.UniqueConstraint('instance_id', 'email_address_normalized', name=op.f('uq_waitlist_entries_instance_id_email_address_normalized'))
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_entries_instance_id_created_at'), ['instance_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_entries_instance_id_invited_at'), ['instance_id', 'invited_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_entries_instance_id_status_created_at'), ['instance_id', 'status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_entries_invitation_id'), ['invitation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_invitation_id'))
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_instance_id_status_created_at'))
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_instance_id_invited_at'))
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_instance_id_created_at'))

    op.drop_table('waitlist_entries')
    with op.batch_alter_table('sign_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_ups_invitation_id'))
        batch_op.drop_index(batch_op.f('ix_sign_ups_created_user_id'))

    op.drop_table('sign_ups')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index('uq_invitations_pending_email', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_invitations_instance_id_status_created_at'))
        batch_op.drop_index(batch_op.f('ix_invitations_instance_id_expires_at'))
        batch_op.drop_index(batch_op.f('ix_invitations_instance_id_email_address_normalized'))
        batch_op.drop_index(batch_op.f('ix_invitations_instance_id_created_at'))
        batch_op.drop_index(batch_op.f('ix_invitations_accepted_user_id'))

    op.drop_table('invitations')
