"""Instance configuration: one row of settings per instance (instances/configuration.py), made for
every instance that exists already.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 02:57

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('instance_configurations',
    sa.Column('instance_id', sa.String(length=64), nullable=False),
    sa.Column('values', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_instance_configurations_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instance_id', name=op.f('pk_instance_configurations'))
    )
    op.execute(
        "INSERT INTO instance_configurations (instance_id, \"values\") SELECT id, '{}' FROM instances"
    )


def downgrade() -> None:
    op.drop_table('instance_configurations')
