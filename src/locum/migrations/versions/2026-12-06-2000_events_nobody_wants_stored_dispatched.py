"""An event that no enabled webhook endpoint of its instance wants is stored already dispatched
(`dispatched_at` = its `created_at`), by a trigger on `events`, in the transaction that records it:
the delivery worker then has no write transaction to run for it (on SQLite, one as dear as the
request's own, for nothing, on every write of an instance without endpoints). See outbox/dispatch.py
for when an endpoint wants an event and for what a concurrent endpoint change can do.

The trigger only marks an event no endpoint can want; when in doubt (event types stored as JSON
that is not a list of strings) it leaves the event to the worker, which decides as before.

- SQLite: AFTER INSERT row trigger (a BEFORE trigger cannot change the row), an UPDATE by rowid.
- PostgreSQL: BEFORE INSERT row trigger setting NEW.dispatched_at.

A later migration that rebuilds `events` on SQLite (batch mode) drops the trigger and must make it again.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 20:00

"""
from typing import Sequence, Union

from alembic import op

revision: str = '0018'
down_revision: Union[str, Sequence[str], None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TRIGGER = 'events_unwanted_dispatched'

# outbox.dispatch.wants on the stored event types: JSON null or [] is every type.
SQLITE_TRIGGER = f"""
CREATE TRIGGER {TRIGGER} AFTER INSERT ON events
WHEN new.dispatched_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM webhook_endpoints AS endpoint
    WHERE endpoint.instance_id = new.instance_id AND endpoint.enabled
    AND CASE WHEN json_valid(endpoint.event_types) THEN
        CASE json_type(endpoint.event_types)
        WHEN 'null' THEN 1
        WHEN 'array' THEN json_array_length(endpoint.event_types) = 0
            OR EXISTS (SELECT 1 FROM json_each(endpoint.event_types) AS wanted WHERE wanted.value = new.type)
        ELSE 0 END
    ELSE 1 END
)
BEGIN UPDATE events SET dispatched_at = new.created_at WHERE rowid = new.rowid; END
"""

POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF NEW.dispatched_at IS NULL AND NOT EXISTS (
        SELECT FROM webhook_endpoints AS endpoint
        WHERE endpoint.instance_id = NEW.instance_id AND endpoint.enabled
        AND CASE jsonb_typeof(endpoint.event_types)
            WHEN 'null' THEN true
            WHEN 'array' THEN endpoint.event_types = '[]'::jsonb
                OR endpoint.event_types @> jsonb_build_array(NEW.type)
            ELSE false END
    ) THEN
        NEW.dispatched_at := NEW.created_at;
    END IF;
    RETURN NEW;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(SQLITE_TRIGGER)
    else:
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(f'CREATE TRIGGER {TRIGGER} BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'DROP TRIGGER {TRIGGER}')
    else:
        op.execute(f'DROP TRIGGER {TRIGGER} ON events')
        op.execute(f'DROP FUNCTION {TRIGGER}()')
