"""Users hold the value of their primary email address, phone number and web3 wallet, indexed
`(instance_id, value, id)`: an order by one (order_by=email_address, phone_number, web3wallet) reads
its page from that index as the other orders do. (It walked the identifications' unique index and
kept the rows that were their user's primary: ascending, ~1M addresses that were no one's primary
came before the first that was, at a million users.)

Kept by triggers, in the writing transaction, per kind (PRIMARIES):
- users: the value is the primary row's when `primary_*_id` changes (null without one, or when the
  row is not there yet: its insert sets it). A user is inserted before its identifications (their
  foreign key), so an insert keeps the value it gives while the primary row is not there yet (an
  import gives it, and its identifications' insert then changes nothing), and null without a primary.
- identifications: an insert, a change of the value and a deletion set the value of the user whose
  primary the row is (a deleted primary leaves null until the user names another).

SQLite: AFTER row triggers (a BEFORE trigger cannot change the row), UPDATEs by rowid or id.
PostgreSQL: BEFORE row triggers setting NEW's value on users; AFTER row triggers on the
identifications (an UPDATE by the user's primary key each; a statement trigger's join would be
planned once for a transition table of any size).

The indexes on `(instance_id, primary_*_id, id)` that the old order walked are dropped: nothing else
reads users by their primary's id.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 23:10

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0020'
down_revision: Union[str, Sequence[str], None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


class Primary:
    """One kind: users.`primary_id` names a row of `table`, whose `value` users.`sort` holds."""

    def __init__(self, primary_id: str, sort: str, length: int, table: str, value: str) -> None:
        self.primary_id, self.sort, self.length, self.table, self.value = primary_id, sort, length, table, value

    def lookup(self, row: str) -> str:
        return f'(SELECT {self.value} FROM {self.table} WHERE id = {row}.{self.primary_id})'

    def on_insert(self, row: str) -> str:
        """The value an inserted user must hold."""
        return (
            f'CASE WHEN {row}.{self.primary_id} IS NULL THEN NULL'
            f' ELSE coalesce({self.lookup(row)}, {row}.{self.sort}) END'
        )

    def identification_triggers(self, distinct: str) -> list[tuple[str, str, str]]:
        """(name, event, statement) of the identification's row triggers, the same on
        both databases but for `distinct`, their null-safe `<>` (PL/pgSQL reads `new` as NEW)."""
        return [
            (
                f'{self.table}_primary_insert',
                'INSERT',
                f'UPDATE users SET {self.sort} = new.{self.value} WHERE id = new.user_id'
                f' AND {self.primary_id} = new.id AND {self.sort} {distinct} new.{self.value}',
            ),
            (
                f'{self.table}_primary_update',
                f'UPDATE OF {self.value}',
                f'UPDATE users SET {self.sort} = new.{self.value} WHERE id = new.user_id AND {self.primary_id} = new.id',
            ),
            (
                f'{self.table}_primary_delete',
                'DELETE',
                f'UPDATE users SET {self.sort} = NULL WHERE id = old.user_id AND {self.primary_id} = old.id',
            ),
        ]

    def changed(self, event: str, distinct: str) -> str | None:
        """The WHEN of an identification trigger: an update only when it changes the value."""
        return f'old.{self.value} {distinct} new.{self.value}' if event.startswith('UPDATE') else None


# null-safe `<>`: SQLite has `IS DISTINCT FROM` only since 3.39 (systems still ship older), and
# PostgreSQL's `IS NOT` takes only a boolean
SQLITE_DISTINCT = 'IS NOT'
POSTGRESQL_DISTINCT = 'IS DISTINCT FROM'

PRIMARIES = (
    Primary('primary_email_address_id', 'primary_email_address_normalized', 320, 'email_addresses', 'email_address_normalized'),
    Primary('primary_phone_number_id', 'primary_phone_number', 32, 'phone_numbers', 'phone_number'),
    Primary('primary_web3_wallet_id', 'primary_web3_wallet_normalized', 128, 'web3_wallets', 'web3_wallet_normalized'),
)


def _triggers() -> list[tuple[str, str]]:
    """(trigger, table) of every trigger this migration makes."""
    triggers = []
    for primary in PRIMARIES:
        triggers += [(f'users_{primary.sort}_insert', 'users'), (f'users_{primary.sort}_update', 'users')]
        triggers += [(name, primary.table) for name, _, _ in primary.identification_triggers(SQLITE_DISTINCT)]
    return triggers


def _create_sqlite_triggers() -> None:
    for primary in PRIMARIES:
        op.execute(
            f'CREATE TRIGGER users_{primary.sort}_insert AFTER INSERT ON users'
            f' WHEN new.{primary.sort} IS NOT {primary.on_insert("new")}'
            f' BEGIN UPDATE users SET {primary.sort} = {primary.on_insert("new")} WHERE rowid = new.rowid; END'
        )
        op.execute(
            f'CREATE TRIGGER users_{primary.sort}_update AFTER UPDATE OF {primary.primary_id} ON users'
            f' WHEN new.{primary.primary_id} IS NOT old.{primary.primary_id}'
            f' BEGIN UPDATE users SET {primary.sort} = {primary.lookup("new")} WHERE rowid = new.rowid; END'
        )
        for name, event, statement in primary.identification_triggers(SQLITE_DISTINCT):
            when = primary.changed(event, SQLITE_DISTINCT)
            condition = f' WHEN {when}' if when else ''
            op.execute(f'CREATE TRIGGER {name} AFTER {event} ON {primary.table}{condition} BEGIN {statement}; END')


def _create_postgresql_triggers() -> None:
    for primary in PRIMARIES:
        op.execute(
            f'CREATE FUNCTION users_{primary.sort}_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN'
            f' NEW.{primary.sort} := {primary.on_insert("NEW")}; RETURN NEW; END $$'
        )
        op.execute(
            f'CREATE FUNCTION users_{primary.sort}_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN'
            f' NEW.{primary.sort} := {primary.lookup("NEW")}; RETURN NEW; END $$'
        )
        op.execute(
            f'CREATE TRIGGER users_{primary.sort}_insert BEFORE INSERT ON users FOR EACH ROW'
            f' WHEN (NEW.{primary.primary_id} IS NOT NULL OR NEW.{primary.sort} IS NOT NULL)'
            f' EXECUTE FUNCTION users_{primary.sort}_insert()'
        )
        op.execute(
            f'CREATE TRIGGER users_{primary.sort}_update BEFORE UPDATE OF {primary.primary_id} ON users FOR EACH ROW'
            f' WHEN (OLD.{primary.primary_id} IS DISTINCT FROM NEW.{primary.primary_id})'
            f' EXECUTE FUNCTION users_{primary.sort}_update()'
        )
        for name, event, statement in primary.identification_triggers(POSTGRESQL_DISTINCT):
            op.execute(
                f'CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {statement}; RETURN NULL; END $$'
            )
            when = primary.changed(event, POSTGRESQL_DISTINCT)
            condition = f' WHEN ({when})' if when else ''
            op.execute(
                f'CREATE TRIGGER {name} AFTER {event} ON {primary.table} FOR EACH ROW{condition}'
                f' EXECUTE FUNCTION {name}()'
            )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # Not in batch mode: rebuilding users on SQLite would renumber the rowids its trigram search
    # table refers to.
    for primary in PRIMARIES:
        op.add_column('users', sa.Column(primary.sort, sa.String(length=primary.length), nullable=True))
        op.execute(
            f'UPDATE users SET {primary.sort} = {primary.lookup("users")} WHERE {primary.primary_id} IS NOT NULL'
        )
    if dialect == 'postgresql':
        # The updates wrote a new version of every user with a primary, and of each of its index
        # entries (see 0017).
        op.execute('REINDEX TABLE users')
    for primary in PRIMARIES:
        op.drop_index(f'ix_users_instance_id_{primary.primary_id}_id', table_name='users')
        op.create_index(f'ix_users_instance_id_{primary.sort}_id', 'users', ['instance_id', primary.sort, 'id'])
    if dialect == 'sqlite':
        _create_sqlite_triggers()
    else:
        _create_postgresql_triggers()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for trigger, table in _triggers():
        op.execute(f'DROP TRIGGER {trigger}' if dialect == 'sqlite' else f'DROP TRIGGER {trigger} ON {table}')
    if dialect != 'sqlite':
        for trigger, _ in _triggers():
            op.execute(f'DROP FUNCTION {trigger}()')
    for primary in PRIMARIES:
        op.drop_index(f'ix_users_instance_id_{primary.sort}_id', table_name='users')
        op.create_index(f'ix_users_instance_id_{primary.primary_id}_id', 'users', ['instance_id', primary.primary_id, 'id'])
        op.execute(f'ALTER TABLE users DROP COLUMN {primary.sort}')
