"""Fixed query-planner statistics for SQLite.

Without statistics SQLite may answer `GET /users?email_address=…` by walking every user of the
instance in created_at order (33 ms at 10,000 users) instead of looking the email up (0.2 ms), and
locum never runs ANALYZE on its own. SQLite lets an application describe the shape of its data in
`sqlite_stat1` instead (https://sqlite.org/lang_analyze.html, "fixed results"): written after every
migration from the live index list, these rows make the plans the same at every data size.
"""

from sqlalchemy import Connection, text

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
