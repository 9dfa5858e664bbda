"""How many rows of a listed table an instance has, kept by the database itself: an unfiltered
list's `total_count` (GET /users/count, GET /organizations...) is one lookup, not a count of a
million rows, and stays exact (Clerk's total_count is).

`row_counts` holds, per instance and counted table, one or more partial counts whose sum is the
count. Triggers (made by migration 0017, for `COUNTED_TABLES`) add each insert's rows and subtract
each delete's in the same transaction, whichever code path writes (API, imports, snapshots,
resets):

- SQLite: a row trigger on one partial count per instance and table (SQLite has one writer).
- PostgreSQL: a statement trigger (one update however many rows the statement writes) on the
  partial count of the writing backend (`SLOTS` of them, by process id): concurrent transactions
  creating users do not queue on one counter row until they commit. A deletion subtracts from its
  backend's partial count too (counts below zero are fine: the sum is exact), unless the instance
  itself is being deleted (its counts go with it).

The table is not a model: snapshots, resets and `alembic check` leave it to the triggers.
"""

from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, Select, String, Table, func, select

from locum.db.base import ID_LENGTH

ROW_COUNTS = Table(
    "row_counts",
    MetaData(),
    Column("instance_id", String(ID_LENGTH), primary_key=True),
    Column("table_name", String(64), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("row_count", BigInteger, nullable=False),
)
COUNTED_TABLES = ("users", "organizations", "organization_memberships")
# PostgreSQL's partial counts per instance and table
SLOTS = 8


def instance_row_count(table: str, instance_id: Any) -> Select[Any]:
    """SELECT the number of `table`'s rows of the instance (`instance_id`: a value or bind parameter)."""
    if table not in COUNTED_TABLES:
        raise ValueError(f"{table} has no row count")
    return select(func.coalesce(func.sum(ROW_COUNTS.c.row_count), 0)).where(
        ROW_COUNTS.c.instance_id == instance_id, ROW_COUNTS.c.table_name == table
    )


def is_row_counts(name: str) -> bool:
    """The counts' table (`alembic check` leaves it out: no model declares it)."""
    return name == ROW_COUNTS.name
