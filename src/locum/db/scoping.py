"""The rule that keeps instances apart: every statement that reads, changes or deletes rows of an
instance-scoped table says which instance's rows, in its own WHERE or ON clause.

A query may not rely on a parent lookup having been scoped (a user loaded by an id taken from an
already scoped invitation is still filtered on `instance_id`): the rule is then checkable on each
statement alone. The few statements that really span instances (resolving a secret key to its
instance, the delivery worker's queue, migrations) say so with `across_instances(statement)`,
which stands out in review; a session opened with `ACROSS_INSTANCES_INFO` as its `info` (the
tests' own inspection of the database) says so for all its statements.

`unscoped_tables(statement)` names the instance-scoped tables a statement leaves unfiltered. The
test suite checks every statement it runs through the ORM and the bare-driver reader
(`require_scope`), so an unscoped query fails the test that runs it. Relationship and column loads
of rows already read are exempt: they follow a foreign key from a scoped row.
"""

from typing import Any, TypeVar

from sqlalchemy import Column, Delete, Executable, Select, Table, Update, event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BinaryExpression
from sqlalchemy.sql.selectable import Alias, FromClause

SCOPE_COLUMN = "instance_id"
ACROSS_INSTANCES_OPTION = "locum_across_instances"

Statement = TypeVar("Statement", bound=Executable)


class UnscopedQuery(AssertionError):
    """A statement reads or writes instance-scoped rows without saying whose."""


ACROSS_INSTANCES_INFO = {ACROSS_INSTANCES_OPTION: True}


def across_instances(statement: Statement) -> Statement:
    """Mark a statement that deliberately reads or writes rows of every instance."""
    return statement.execution_options(**{ACROSS_INSTANCES_OPTION: True})


def _is_scoped_source(element: Any) -> bool:
    return isinstance(element, (Table, Alias)) and SCOPE_COLUMN in element.c


def _scope_column_source(element: Any) -> FromClause | None:
    if isinstance(element, Column) and element.name == SCOPE_COLUMN and element.table is not None:
        return element.table
    return None


def _identity(source: Any) -> int:
    # The ORM hands out annotated copies of tables and aliases; compare the originals.
    return id(source._deannotate())


def unscoped_tables(statement: Any) -> list[str]:
    """Names of the instance-scoped tables (or aliases) `statement` touches without a condition on
    their `instance_id` (in a comparison anywhere in it: WHERE, ON, a subquery's WHERE)."""
    sources: dict[int, Any] = {}
    filtered: set[int] = set()
    for element in visitors.iterate(statement):
        if _is_scoped_source(element):
            sources[_identity(element)] = element
        elif isinstance(element, BinaryExpression):
            for side in (element.left, element.right):
                source = _scope_column_source(side)
                if source is not None:
                    filtered.add(_identity(source))
    if isinstance(statement, (Update, Delete)) and _is_scoped_source(statement.table):
        sources[_identity(statement.table)] = statement.table
    return sorted(
        getattr(source, "name", None) or str(source) for key, source in sources.items() if key not in filtered
    )


def check_scope(statement: Any, options: dict[str, Any]) -> None:
    if options.get(ACROSS_INSTANCES_OPTION) or not isinstance(statement, (Select, Update, Delete)):
        return
    missing = unscoped_tables(statement)
    if missing:
        raise UnscopedQuery(f"not filtered on {SCOPE_COLUMN}: {', '.join(missing)} in\n{statement}")


def _check_orm_execute(state: ORMExecuteState) -> None:
    if state.is_relationship_load or state.is_column_load or state.session.info.get(ACROSS_INSTANCES_OPTION):
        return
    check_scope(state.statement, dict(state.execution_options))


_required = False


def check_compiled_read(statement: Any) -> None:
    """The bare-driver reader's hook: checks each statement once, when it is compiled."""
    if _required:
        check_scope(statement, dict(statement.get_execution_options()))


def require_scope() -> None:
    """Check every statement sessions and the reader run from now on (the test suite turns this on)."""
    global _required
    _required = True
    if not event.contains(Session, "do_orm_execute", _check_orm_execute):
        event.listen(Session, "do_orm_execute", _check_orm_execute)
