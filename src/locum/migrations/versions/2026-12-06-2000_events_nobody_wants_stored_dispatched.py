"""An event locum records is stored already dispatched (`dispatched_at` = its `created_at`) when no
enabled webhook endpoint of its instance wants it, by a trigger on `events`, in the statement that
inserts it: the delivery worker then has no write transaction to run for it (on SQLite, one as
dear as the request's own, for nothing, on every write of an instance without endpoints). See
outbox/dispatch.py for when an endpoint wants an event and what a concurrent endpoint change can do.

outbox.events.new_event inserts its events with `dispatched_at` = -1 (UNDECIDED there): the
trigger replaces it with null (an endpoint wants the event: the worker fans it out, as before) or
`created_at`. Rows inserted otherwise (a snapshot's, whose endpoints come after its events) keep
what they hold. When in doubt (event types stored as JSON that is not a list of strings) the
trigger leaves the event to the worker, which decides as before.

- SQLite: AFTER INSERT row trigger (a BEFORE trigger cannot change the row), an UPDATE by rowid.
- PostgreSQL: BEFORE INSERT row trigger setting NEW.dispatched_at.

A later migration that rebuilds `events` on SQLite (batch mode) drops the trigger and must make it
again (the tests of outbox events would then see -1 stored).

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

# outbox.events.UNDECIDED: a new event's dispatched_at as new_event inserts it.
UNDECIDED = -1

# outbox.dispatch.wants on the stored event types: JSON null or [] is every type.
SQLITE_TRIGGER = f"""
CREATE TRIGGER {TRIGGER} AFTER INSERT ON events WHEN new.dispatched_at = {UNDECIDED}
BEGIN UPDATE events SET dispatched_at = CASE WHEN EXISTS (
    SELECT 1 FROM webhook_endpoints AS endpoint
    WHERE endpoint.instance_id = new.instance_id AND endpoint.enabled
    AND CASE WHEN json_valid(endpoint.event_types) THEN
        CASE json_type(endpoint.event_types)
        WHEN 'null' THEN 1
        WHEN 'array' THEN json_array_length(endpoint.event_types) = 0
            OR EXISTS (SELECT 1 FROM json_each(endpoint.event_types) AS wanted WHERE wanted.value = new.type)
        ELSE 0 END
    ELSE 1 END
) THEN NULL ELSE new.created_at END WHERE rowid = new.rowid; END
"""

POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF NEW.dispatched_at = {UNDECIDED} THEN
        NEW.dispatched_at := CASE WHEN EXISTS (
            SELECT FROM webhook_endpoints AS endpoint
            WHERE endpoint.instance_id = NEW.instance_id AND endpoint.enabled
            AND CASE jsonb_typeof(endpoint.event_types)
                WHEN 'null' THEN true
                WHEN 'array' THEN endpoint.event_types = '[]'::jsonb
                    OR endpoint.event_types @> jsonb_build_array(NEW.type)
                ELSE false END
        ) THEN NULL ELSE NEW.created_at END;
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
