"""Account credits (a balance and a ledger per payer) and discounts with their redemptions on
subscription items.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 04:36

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('billing_discounts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('effect', sa.String(length=16), nullable=False),
    sa.Column('percent_off', sa.Float(), nullable=True),
    sa.Column('amount_off', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('cycles', sa.Integer(), nullable=True),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_billing_discounts_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_discounts'))
    )
    with op.batch_alter_table('billing_discounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_discounts_instance_id_created_at'), ['instance_id', 'created_at'], unique=False)

    op.create_table('billing_credit_balances',
    sa.Column('payer_id', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_billing_credit_balances_instance_id_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payer_id'], ['billing_payers.id'], name=op.f('fk_billing_credit_balances_payer_id_billing_payers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('payer_id', name=op.f('pk_billing_credit_balances'))
    )
    op.create_table('billing_credit_ledger_entries',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('payer_id', sa.String(length=64), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('source_type', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('note', sa.String(length=1024), nullable=True),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_billing_credit_ledger_entries_instance_id_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payer_id'], ['billing_payers.id'], name=op.f('fk_billing_credit_ledger_entries_payer_id_billing_payers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_credit_ledger_entries')),
    sa.UniqueConstraint('instance_id', 'payer_id', 'idempotency_key', name=op.f('uq_billing_credit_ledger_entries_instance_id_payer_id_idempotency_key'))
    )
    with op.batch_alter_table('billing_credit_ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_credit_ledger_entries_instance_id_payer_id_created_at'), ['instance_id', 'payer_id', 'created_at'], unique=False)

    op.create_table('billing_discount_redemptions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('subscription_item_id', sa.String(length=64), nullable=False),
    sa.Column('discount_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('effect', sa.String(length=16), nullable=False),
    sa.Column('percent_off', sa.Float(), nullable=True),
    sa.Column('amount_off', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('cycles_applied', sa.Integer(), nullable=False),
    sa.Column('cycles_remaining', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('redeemed_at', sa.BigInteger(), nullable=False),
    sa.Column('redeemed_by', sa.String(length=64), nullable=True),
    sa.Column('removed_at', sa.BigInteger(), nullable=True),
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['discount_id'], ['billing_discounts.id'], name=op.f('fk_billing_discount_redemptions_discount_id_billing_discounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_billing_discount_redemptions_instance_id_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_item_id'], ['billing_subscription_items.id'], name=op.f('fk_billing_discount_redemptions_subscription_item_id_billing_subscription_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_discount_redemptions'))
    )
    with op.batch_alter_table('billing_discount_redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_discount_redemptions_instance_id_discount_id'), ['instance_id', 'discount_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_discount_redemptions_instance_id_subscription_item_id'), ['instance_id', 'subscription_item_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.create_index(batch_op.f('ix_billing_discount_redemptions_instance_id_subscription_item_id_created_at'), ['instance_id', 'subscription_item_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('billing_discount_redemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_discount_redemptions_instance_id_subscription_item_id_created_at'))
        batch_op.drop_index(batch_op.f('ix_billing_discount_redemptions_instance_id_subscription_item_id'), sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_billing_discount_redemptions_instance_id_discount_id'))

    op.drop_table('billing_discount_redemptions')
    with op.batch_alter_table('billing_credit_ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_credit_ledger_entries_instance_id_payer_id_created_at'))

    op.drop_table('billing_credit_ledger_entries')
    op.drop_table('billing_credit_balances')
    with op.batch_alter_table('billing_discounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_discounts_instance_id_created_at'))

    op.drop_table('billing_discounts')
