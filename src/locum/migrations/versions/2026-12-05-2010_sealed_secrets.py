"""Secrets at rest: TOTP secrets, OAuth tokens and client rotating tokens sealed with the master key;
actor and sign-in tokens kept as SHA-256 digests.

Existing rows are converted in place, so they keep working: sealing needs the master key, which
locum.db.migrate.upgrade hands over as the config attribute `sealer`. On SQLite, columns are added
and dropped with ALTER TABLE rather than by rebuilding the table: `users` and `clients` have
children, and dropping a parent table (what a rebuild does) cascade-deletes them when foreign keys
are on. Only the ticket tables, which nothing references, are rebuilt (their unique constraint
changes).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 20:10

"""
import hashlib
from collections.abc import Callable, Sequence
from typing import Any, Union

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TOKEN_DIGEST_LENGTH = 64
TICKET_TOKEN_LENGTH = 128
# (table, plaintext column, its type, sealed column); `clients.rotating_token` is required.
SEALED_COLUMNS = (
    ('users', 'totp_secret', sa.String(length=128), 'sealed_totp_secret'),
    ('external_accounts', 'access_token', sa.Text(), 'sealed_access_token'),
    ('external_accounts', 'id_token', sa.Text(), 'sealed_id_token'),
    ('clients', 'rotating_token', sa.String(length=128), 'sealed_rotating_token'),
)
REQUIRED_COLUMNS = {('clients', 'rotating_token'), ('clients', 'sealed_rotating_token')}
TICKET_TABLES = ('actor_tokens', 'sign_in_tokens')


def _sealer_if_needed(columns: Sequence[tuple[str, str]]) -> Any:
    """The master key's sealer when any of these (table, column)s holds a value to seal or unseal."""
    connection = op.get_bind()
    holds_values = any(
        connection.execute(
            sa.select(sa.column(column)).select_from(sa.table(table)).where(sa.column(column).is_not(None)).limit(1)
        ).first()
        for table, column in columns
    )
    sealer = context.config.attributes.get('sealer')
    if holds_values and sealer is None:
        raise RuntimeError(
            'converting stored secrets needs the master key: upgrade through locum '
            '(locum serve, or locum.db.migrate.upgrade with sealer=…)'
        )
    return sealer


def _convert(table_name: str, source: str, target: str, change: Callable[[Any], Any]) -> None:
    """target = change(source) on every row where source is set."""
    table = sa.table(table_name, sa.column('id'), sa.column(source), sa.column(target))
    connection = op.get_bind()
    rows = connection.execute(sa.select(table.c.id, table.c[source]).where(table.c[source].is_not(None))).all()
    if rows:
        connection.execute(
            sa.update(table).where(table.c.id == sa.bindparam('row_id')).values({target: sa.bindparam('new_value')}),
            [{'row_id': row_id, 'new_value': change(value)} for row_id, value in rows],
        )


def _add_column(table: str, column: str, type_: sa.types.TypeEngine[Any]) -> None:
    """A nullable column; a required one (see _finish_required) is added NOT NULL with a placeholder
    default on SQLite, which can neither add a NOT NULL column without one nor drop it later
    without a rebuild."""
    required_on_sqlite = (table, column) in REQUIRED_COLUMNS and op.get_bind().dialect.name == 'sqlite'
    placeholder = sa.text("''") if required_on_sqlite else None
    op.add_column(table, sa.Column(column, type_, nullable=not required_on_sqlite, server_default=placeholder))


def _finish_required(table: str, column: str, type_: sa.types.TypeEngine[Any]) -> None:
    if (table, column) in REQUIRED_COLUMNS and op.get_bind().dialect.name != 'sqlite':
        op.alter_column(table, column, existing_type=type_, nullable=False)


def _move(
    table: str, source: str, target: str, target_type: sa.types.TypeEngine[Any], change: Callable[[Any], Any]
) -> None:
    _add_column(table, target, target_type)
    _convert(table, source, target, change)
    _finish_required(table, target, target_type)
    op.drop_column(table, source)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _replace_ticket_column(
    table: str, old: str, new: str, new_type: sa.types.TypeEngine[Any], change: Callable[[Any], Any]
) -> None:
    op.add_column(table, sa.Column(new, new_type, nullable=True))
    _convert(table, old, new, change)
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(f'uq_{table}_instance_id_{old}', type_='unique')
        batch_op.drop_column(old)
        batch_op.alter_column(new, existing_type=new_type, nullable=False)
        batch_op.create_unique_constraint(f'uq_{table}_instance_id_{new}', ['instance_id', new])


def upgrade() -> None:
    """Seal what is shown again, digest what is only compared."""
    sealer = _sealer_if_needed([(table, plain) for table, plain, _, _ in SEALED_COLUMNS])
    for table, plain, _, sealed in SEALED_COLUMNS:
        _move(table, plain, sealed, sa.LargeBinary(), lambda value: sealer.seal(value))
    # OAuth 1.0 token secrets were never stored (the column stayed empty).
    op.drop_column('external_accounts', 'token_secret')
    for table in TICKET_TABLES:
        _replace_ticket_column(table, 'token', 'token_digest', sa.String(length=TOKEN_DIGEST_LENGTH), _digest)


def downgrade() -> None:
    """Unseal the sealed values. A digest cannot be undone: each ticket gets its digest as its token,
    which no secret matches, so tickets issued before the downgrade can no longer be consumed."""
    sealer = _sealer_if_needed([(table, sealed) for table, _, _, sealed in SEALED_COLUMNS])
    for table in TICKET_TABLES:
        _replace_ticket_column(
            table, 'token_digest', 'token', sa.String(length=TICKET_TOKEN_LENGTH), lambda digest: digest
        )
    op.add_column('external_accounts', sa.Column('token_secret', sa.Text(), nullable=True))
    for table, plain, plain_type, sealed in reversed(SEALED_COLUMNS):
        _move(table, sealed, plain, plain_type, lambda value: sealer.unseal(bytes(value)))
