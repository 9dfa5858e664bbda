"""Case-insensitive substring search, as Clerk's `query` filters do it, written once.

LIKE wildcards in the searched text are escaped, so `100%` finds "100%" and not everything.

Two forms, the same answers:

- `contains`: `lower(column) LIKE '%text%'`, a scan of the rows the rest of the query selects. For
  lists already narrowed to a parent (one organization's members) and small tables.
- `contains_indexed`: the same condition, found through a trigram index, for the instance-wide
  lists that grow to a million rows (users, organizations; `INDEXED_TEXT` lists what is indexed):
  - PostgreSQL: a pg_trgm GIN index on `lower(column)` serves the LIKE itself (the migration that
    creates them skips them when the role may not create the extension: the LIKE then scans). A
    column found through a part of the text (`SELECTIVE_PART`, below) is found by the LIKE of that
    part and checked by the whole text's LIKE under another collation, which no index serves (both
    LIKEs on the index would read the lists of the whole text's trigrams again).
  - SQLite: an FTS5 trigram table per searched table (`<table>_search`, kept by triggers, its rowid
    the searched row's rowid) narrows the rows first, and the LIKE decides: the answers stay those
    of the LIKE (FTS5 folds case more widely than SQLite's ASCII lower(), so it finds a superset).
    Trigrams need 3 characters: a shorter text scans (`search_values` leaves the match out).
    FTS5 reads the whole list of rows of every trigram in the phrase, so a trigram most rows
    share costs as much as a scan: several columns of one table are matched at once (one read of
    the lists, not one per column), and phone numbers and email addresses are matched by the part
    of the text few of them share (`SELECTIVE_PART`).
    A later migration that rebuilds a searched table on SQLite (batch mode copies the rows, which
    renumbers rowids and drops triggers) must recreate its search table and triggers and refill it,
    as revision 0016 does. VACUUM keeps rowids.
"""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, String, and_, bindparam, func, literal_column, or_
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import Grouping
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean

LIKE_ESCAPE = "\\"
# FTS5's trigram tokenizer indexes every 3 characters: a shorter phrase matches no row.
TRIGRAM_LENGTH = 3
# searched table -> its columns held in the trigram index (`<table>_search` on SQLite, one
# `ix_trgm_<table>_<column>` GIN index each on PostgreSQL): the migration creates these.
INDEXED_TEXT: dict[str, tuple[str, ...]] = {
    "users": ("id", "external_id", "username", "first_name", "last_name", "full_name"),
    "email_addresses": ("email_address",),
    "phone_numbers": ("phone_number",),
    "web3_wallets": ("web3_wallet",),
    "organizations": ("name", "slug"),
}
SEARCH_TABLE_SUFFIX = "_search"
TAIL_LENGTH = 6


def _tail(text: str) -> str:
    return text[-TAIL_LENGTH:]


def _local_part(text: str) -> str:
    local_part = text.partition("@")[0]
    return local_part if len(local_part) >= TRIGRAM_LENGTH else text


# Indexed columns found through the part of the searched text that few of their values share (the
# LIKE of the whole text then decides): a phone number's country and area code are in most numbers,
# its last digits tell them apart; an email address's domain is shared by many, its local part is not.
SELECTIVE_PART: dict[tuple[str, str], Callable[[str], str]] = {
    ("phone_numbers", "phone_number"): _tail,
    ("email_addresses", "email_address"): _local_part,
}
# PostgreSQL: a LIKE under this collation is the same test, and no trigram index serves it.
UNINDEXED_COLLATION = "C"
TRIGRAM_INDEX_PREFIX = "ix_trgm_"


def contains_pattern(text: str) -> str:
    """The LIKE pattern matching `text` anywhere, lowercased (compare with func.lower(column))."""
    escaped = text.lower().replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def trigram_phrase(text: str) -> str:
    """The FTS5 phrase matching `text` as a substring (quoted: FTS5 syntax in it is literal)."""
    return '"' + text.lower().replace('"', '""') + '"'


def search_values(text: str) -> list[str]:
    """The bind values of `contains_indexed` for `text`: the LIKE pattern and, when `text` is long
    enough to be found through trigrams, its trigram phrase, then the trigram phrase and LIKE pattern
    of each `SELECTIVE_PART` of it, in that dict's order (how many values there are is part of the
    statement's shape)."""
    if len(text) < TRIGRAM_LENGTH:
        return [contains_pattern(text)]
    values = [contains_pattern(text), trigram_phrase(text)]
    for part_of in SELECTIVE_PART.values():
        part = part_of(text)
        values += [trigram_phrase(part), contains_pattern(part)]
    return values


def contains(column: Any, text: str | BindParameter[Any]) -> ColumnElement[bool]:
    """`column` contains `text`, ignoring case; `text` may be a bind parameter holding a contains_pattern."""
    pattern = contains_pattern(text) if isinstance(text, str) else text
    result: ColumnElement[bool] = func.lower(column).like(pattern, escape=LIKE_ESCAPE)
    return result


def full_name(first_name: Any, last_name: Any) -> ColumnElement[str]:
    """ "first last" as Clerk's name_query searches it; its constants are SQL literals so that the
    expression is the one PostgreSQL's trigram index on it was built from."""
    result: ColumnElement[str] = (
        func.coalesce(first_name, literal_column("''"))
        + literal_column("' '")
        + func.coalesce(last_name, literal_column("''"))
    )
    return result


def _indexed_texts_sql(table: str, dialect: Any) -> tuple[str, str]:
    """(the trigram table's column names, the SQL of their texts over a row of `table`), as the
    triggers write them."""
    names = INDEXED_TEXT[table]
    texts = []
    for name in names:
        if (table, name) == ("users", "full_name"):
            expression = full_name(literal_column("first_name", String), literal_column("last_name", String))
            texts.append(str(expression.compile(dialect=dialect)))
        else:
            texts.append(name)
    return ", ".join(names), ", ".join(texts)


@asynccontextmanager
async def _trigger_dropped(connection: AsyncConnection, trigger: str) -> AsyncIterator[None]:
    """The trigger gone for the block and made again as it was after it (not after an error: the
    caller's rollback brings it back)."""
    trigger_sql = (
        await connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
        )
    ).scalar_one()
    await connection.exec_driver_sql(f"DROP TRIGGER {trigger}")
    yield
    await connection.exec_driver_sql(trigger_sql)


@asynccontextmanager
async def trigram_indexing_after(connection: AsyncConnection, tables: Sequence[str]) -> AsyncIterator[None]:
    """For a bulk insert into `tables`, in the caller's transaction: on SQLite, the rows the block adds
    go into their trigram tables at its end by one INSERT … SELECT a table, instead of the insert
    triggers' statement a row (2.5 times the cost: they halved a Clerk import). The triggers are
    dropped for the block and made again as they were, inside the transaction: SQLite's DDL is
    transactional and no other connection writes meanwhile, so no one else ever sees them gone. A
    schema change makes every connection read the schema again, so this pays for batches of
    thousands of rows, not for a few (a reset's deletes through the same trick were slower)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    async with AsyncExitStack() as triggers:
        last_rowids = {}
        for table in tables:
            last_rowids[table] = (
                await connection.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {table}")
            ).scalar_one()
            await triggers.enter_async_context(_trigger_dropped(connection, f"{table}{SEARCH_TABLE_SUFFIX}_insert"))
        yield
        for table, last_rowid in last_rowids.items():
            names, texts = _indexed_texts_sql(table, connection.dialect)
            await connection.exec_driver_sql(
                f"INSERT INTO {table}{SEARCH_TABLE_SUFFIX} (rowid, {names}) SELECT rowid, {texts} FROM {table}"
                " WHERE rowid > ?",
                (last_rowid,),
            )


class _IndexedContains(ColumnElement[bool]):
    inherit_cache = True
    type = Boolean()
    # a condition in itself: no "= 1" after it where booleans are integers
    _is_implicitly_boolean = True
    # SQLAlchemy declares it per instance; the cache key of the statement is built from it
    _traverse_internals: list[tuple[str, InternalTraversal]] = [  # noqa: RUF012
        ("condition", InternalTraversal.dp_clauseelement),
        ("indexed_condition", InternalTraversal.dp_clauseelement),
        ("table", InternalTraversal.dp_string),
        ("columns", InternalTraversal.dp_string_list),
        ("phrase", InternalTraversal.dp_clauseelement),
    ]

    def __init__(
        self,
        condition: ColumnElement[bool],
        indexed_condition: ColumnElement[bool],
        table: str,
        columns: list[str],
        phrase: BindParameter[Any] | None,
    ) -> None:
        self.condition = condition
        self.indexed_condition = indexed_condition
        self.table = table
        self.columns = columns
        self.phrase = phrase


@compiles(_IndexedContains)
def _compile_like(element: _IndexedContains, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.indexed_condition, **kw)


@compiles(_IndexedContains, "sqlite")
def _compile_trigram_narrowed(element: _IndexedContains, compiler: SQLCompiler, **kw: Any) -> str:
    like = compiler.process(element.condition, **kw)
    if element.phrase is None:
        return like
    search = f"{element.table}{SEARCH_TABLE_SUFFIX}"
    phrase = compiler.process(element.phrase, **kw)
    if len(element.columns) == 1:
        match = f"{search}.{element.columns[0]} MATCH {phrase}"
    else:
        match = f"{search} MATCH '{{{' '.join(element.columns)}}} : ' || {phrase}"
    return f"({element.table}.rowid IN (SELECT rowid FROM {search} WHERE {match}) AND {like})"


def _bound(value: str | BindParameter[Any]) -> BindParameter[Any]:
    return bindparam(None, value, unique=True) if isinstance(value, str) else value


def contains_indexed(
    searched: Any, values: Sequence[str | BindParameter[Any]], *, indexed_as: tuple[str, str] | None = None
) -> ColumnElement[bool]:
    """`contains` of `searched`, found through the trigram index. `values` are `search_values(text)`,
    or bind parameters that will hold them. `searched` is an indexed column (INDEXED_TEXT), or an
    expression indexed as `indexed_as` (table, name)."""
    return _indexed([(searched, indexed_as or (searched.table.name, searched.name))], values)


def contains_in_any(columns: Sequence[Any], values: Sequence[str | BindParameter[Any]]) -> ColumnElement[bool]:
    """`contains` of any of `columns`, indexed columns of one table, found through one match of its
    trigram index. `values` as for `contains_indexed`."""
    return _indexed([(column, (column.table.name, column.name)) for column in columns], values)


def _indexed(
    searched: Sequence[tuple[Any, tuple[str, str]]], values: Sequence[str | BindParameter[Any]]
) -> ColumnElement[bool]:
    tables = {table for _, (table, _) in searched}
    if len(tables) != 1:
        raise ValueError(f"one table's columns are matched at once, not {sorted(tables)}")
    table = tables.pop()
    columns = [column for _, (_, column) in searched]
    unindexed = [column for column in columns if column not in INDEXED_TEXT[table]]
    if unindexed:
        raise ValueError(f"{table}.{', '.join(unindexed)} has no trigram index")
    pattern, *phrases = (_bound(value) for value in values)
    condition: ColumnElement[bool] = or_(*(contains(expression, pattern) for expression, _ in searched))
    if len(searched) > 1:
        condition = Grouping(condition)
    if not phrases:
        return _IndexedContains(condition, condition, table, columns, None)
    whole, *parts = phrases
    if len(columns) > 1 or (table, columns[0]) not in SELECTIVE_PART:
        return _IndexedContains(condition, condition, table, columns, whole)
    position = 2 * list(SELECTIVE_PART).index((table, columns[0]))
    part_phrase, part_pattern = parts[position : position + 2]
    expression = searched[0][0]
    unindexed_check = func.lower(expression).collate(UNINDEXED_COLLATION).like(pattern, escape=LIKE_ESCAPE)
    indexed_condition = Grouping(and_(contains(expression, part_pattern), unindexed_check))
    return _IndexedContains(condition, indexed_condition, table, columns, part_phrase)


def is_search_structure(name: str) -> bool:
    """The trigram tables and indexes the migrations make apart from the models (`alembic check`
    leaves them out)."""
    return name.startswith(TRIGRAM_INDEX_PREFIX) or any(
        name.startswith(f"{table}{SEARCH_TABLE_SUFFIX}") for table in INDEXED_TEXT
    )
