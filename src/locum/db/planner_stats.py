"""Fixed query-planner statistics for SQLite.

Without statistics SQLite may answer `GET /users?email_address=…` by walking every user of the
instance in created_at order (33 ms at 10,000 users) instead of looking the email up (0.2 ms), and
locum never runs ANALYZE on its own. SQLite lets an application describe the shape of its data in
`sqlite_stat1` instead (https://sqlite.org/lang_analyze.html, "fixed results"): written after every
migration from the live index list, these rows make the plans the same at every data size.
"""

from typing import Any

from sqlalchemy import Boolean, ColumnElement, Connection, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

ASSUMED_ROWS = 1_000_000
# rows sharing one value of a leading column: many per instance, few per user, ~unique otherwise
ROWS_PER_VALUE = {"instance_id": 100_000, "user_id": 5}
ROWS_PER_OTHER_VALUE = 2


def _stat(columns: list[str], unique: bool) -> str:
    per_prefix = [ROWS_PER_VALUE.get(column, ROWS_PER_OTHER_VALUE) for column in columns]
    if unique:
        per_prefix[-1] = 1
    # each longer prefix is at least as selective as the shorter one
    for position in range(1, len(per_prefix)):
        per_prefix[position] = min(per_prefix[position], per_prefix[position - 1])
    return " ".join(str(value) for value in [ASSUMED_ROWS, *per_prefix])


def write_planner_stats(connection: Connection) -> None:
    connection.exec_driver_sql("ANALYZE sqlite_schema")
    connection.exec_driver_sql("DELETE FROM sqlite_stat1")
    tables = [
        row[0]
        for row in connection.exec_driver_sql(
            "SELECT name FROM sqlite_schema "
            "WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
        )
    ]
    rows = []
    for table in tables:
        rows.append({"tbl": table, "idx": None, "stat": str(ASSUMED_ROWS)})
        for _seq, index, unique, _origin, _partial in connection.exec_driver_sql(f'PRAGMA index_list("{table}")'):
            columns = [row[2] for row in connection.exec_driver_sql(f'PRAGMA index_info("{index}")')]
            rows.append({"tbl": table, "idx": index, "stat": _stat(columns, bool(unique))})
    connection.execute(text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:tbl, :idx, :stat)"), rows)
    # Statistics are read when the schema is loaded: make every open connection reload it.
    connection.exec_driver_sql("ANALYZE sqlite_schema")


class _Unlikely(ColumnElement[bool]):
    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True
    # SQLAlchemy declares it per instance; the cache key of the statement is built from it
    _traverse_internals: list[tuple[str, InternalTraversal]] = [  # noqa: RUF012
        ("condition", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, condition: ColumnElement[bool]) -> None:
        self.condition = condition


@compiles(_Unlikely)
def _compile_condition(element: _Unlikely, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.condition, **kw)


@compiles(_Unlikely, "sqlite")
def _compile_unlikely(element: _Unlikely, compiler: SQLCompiler, **kw: Any) -> str:
    return f"unlikely({compiler.process(element.condition, **kw)})"


def selective_range(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """A range condition on an indexed column, read through that index (and the matches sorted)
    rather than checked on every row of another order's index walk.

    SQLite guesses that a range keeps a quarter of the rows (these fixed statistics say nothing of
    values), so it prefers walking the list's order index and testing each row: a range that
    matches nothing (`last_active_at_after` where no one was active yet) then reads every user.
    `unlikely()` tells it the range is selective. Reading the range's index costs as many rows as
    match, as the count of the same filter does. PostgreSQL has real statistics: unchanged there.
    """
    return _Unlikely(condition)
