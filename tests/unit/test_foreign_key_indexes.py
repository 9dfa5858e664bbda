"""Every foreign key to a row that is deleted on its own (a user, an organization, a client, …) leads an
index or a unique constraint of its table: the database finds a deleted parent's children through it
(ON DELETE CASCADE / SET NULL) instead of scanning the child table. Keys to `instances` are exempt (an
instance's deletion removes its rows everywhere). tests/migrations checks that the migrations build
exactly these models' indexes."""

from sqlalchemy import Table

from locum.db.base import Base
from locum.db.models import register_all

EXEMPT_PARENTS = {"instances"}


def _leading_column_lists(table: Table) -> list[list[str]]:
    indexed = [[column.name for column in index.columns] for index in table.indexes]
    constrained = [
        [column.name for column in constraint.columns]
        for constraint in table.constraints
        if constraint not in table.foreign_key_constraints and hasattr(constraint, "columns")
    ]
    return indexed + constrained


class TestForeignKeyIndexes:
    def test_every_key_to_a_deletable_parent_leads_an_index(self) -> None:
        register_all()
        unindexed = []
        for table in Base.metadata.sorted_tables:
            leading = _leading_column_lists(table)
            for key in table.foreign_key_constraints:
                if key.referred_table.name in EXEMPT_PARENTS:
                    continue
                columns = [column.name for column in key.columns]
                if not any(candidate[: len(columns)] == columns for candidate in leading):
                    unindexed.append(f"{table.name}({', '.join(columns)}) -> {key.referred_table.name}")
        assert unindexed == []
