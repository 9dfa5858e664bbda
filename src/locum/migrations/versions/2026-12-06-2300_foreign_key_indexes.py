"""An index led by every foreign key whose parent rows are deleted one at a time (users, organizations,
clients, machines, domains, roles, the billing rows): deleting a parent row makes the database find its
children by that key, for ON DELETE CASCADE / SET NULL, and without such an index both SQLite and
PostgreSQL scan the whole child table once per deleted parent (every session of every instance for one
user). Keys to `instances` are left as they are: an instance's deletion is rare and removes its rows
in every table anyway.

Where an index `(instance_id, <key>, …)` already served the lists, its first two columns swap to
`(<key>, instance_id, …)`: the lists look both up by equality, so the same index serves them and the
deletion, and the tables do not gain an index to keep. The other keys gain an index of their own.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 23:00

"""
from typing import Sequence, Union

from alembic import op

revision: str = '0019'
down_revision: Union[str, Sequence[str], None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# table -> columns of an index that was (instance_id, key, …) and is now (key, instance_id, …)
SWAPPED = (
    ('admin_portal_link_tokens', ('organization_id', 'instance_id')),
    ('enterprise_connections', ('organization_id', 'instance_id')),
    ('m2m_tokens', ('machine_id', 'instance_id', 'created_at')),
    ('organization_memberships', ('user_id', 'instance_id')),
    ('proxy_checks', ('domain_id', 'instance_id')),
    ('sessions', ('user_id', 'instance_id', 'created_at')),
    ('sessions', ('client_id', 'instance_id', 'created_at')),
    ('billing_credit_ledger_entries', ('payer_id', 'instance_id', 'created_at')),
    ('billing_statements', ('payer_id', 'instance_id', 'timestamp')),
    ('enterprise_accounts', ('user_id', 'instance_id')),
    ('enterprise_connection_test_runs', ('enterprise_connection_id', 'instance_id', 'created_at')),
    ('billing_subscription_items', ('plan_id', 'instance_id', 'created_at')),
    ('billing_subscription_items', ('payer_id', 'instance_id', 'created_at')),
    ('billing_subscription_items', ('subscription_id', 'instance_id')),
    ('billing_discount_redemptions', ('discount_id', 'instance_id')),
    ('billing_discount_redemptions', ('subscription_item_id', 'instance_id', 'created_at')),
    ('billing_payment_attempts', ('subscription_item_id', 'instance_id')),
    ('billing_payment_attempts', ('statement_id', 'instance_id', 'created_at')),
)
# table -> a key that gains an index of its own
ADDED = (
    ('billing_payers', 'organization_id'),
    ('billing_payers', 'user_id'),
    ('role_sets', 'default_role_id'),
    ('role_sets', 'creator_role_id'),
    ('sessions', 'last_active_organization_id'),
    ('sign_in_tokens', 'organization_id'),
    ('billing_subscription_items', 'price_id'),
    ('billing_payment_attempts', 'payer_id'),
)


def _name(table: str, columns: Sequence[str]) -> str:
    # Base.metadata's naming convention for indexes; op.f shortens a name over PostgreSQL's 63
    # characters the way the convention does
    return op.f(f"ix_{table}_{'_'.join(columns)}")


def _before(columns: Sequence[str]) -> list[str]:
    key, instance_id, *rest = columns
    return [instance_id, key, *rest]


def upgrade() -> None:
    for table, columns in SWAPPED:
        op.drop_index(_name(table, _before(columns)), table_name=table)
        op.create_index(_name(table, columns), table, list(columns))
    for table, column in ADDED:
        op.create_index(_name(table, [column]), table, [column])


def downgrade() -> None:
    for table, column in ADDED:
        op.drop_index(_name(table, [column]), table_name=table)
    for table, columns in SWAPPED:
        op.drop_index(_name(table, columns), table_name=table)
        op.create_index(_name(table, _before(columns)), table, _before(columns))
