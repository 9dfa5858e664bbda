"""Snapshots: every row locum stores, as JSON Lines, the same bytes from SQLite and PostgreSQL.

The first line is a header (`{"locum_snapshot": 1, "schema": …, …}`, nothing in it that changes
between runs); every other line is one row, `{"table": …, "row": {…}}`. Tables come in
`Base.metadata.sorted_tables` order (parents before children) and rows in primary-key order,
compared in Python (code points) rather than by the database's collation, so an export, an
import into an empty database and another export give the same bytes, whichever database.

Values: JSON columns as their documents (keys sorted), binary columns (sealed secrets, images) in
base64, timestamps as the millisecond integers locum stores, booleans, numbers and null as JSON.

Secrets: sealed columns (`sealed_*`) stay sealed, so an import needs the same master key (its
fingerprint is in the header). Without secrets, a nullable sealed column becomes null (a JWT
template with its own key then signs with the instance's, RS256), and a row
whose sealed column is required (an instance's secret and signing keys, API keys, machine secret
keys, M2M tokens, sessions, clients, webhook endpoints) is left out; so is every row that refers
to a row left out, unless its foreign key is ON DELETE SET NULL (then it is nulled), as if that
row had been deleted. Digests (passwords, one-way token digests) are kept: they reveal no secret.
"""

import base64
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Column, LargeBinary, Table, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from locum.db.base import Base
from locum.db.models import register_all
from locum.db.scoping import across_instances
from locum.kit.jwt_signing import SESSION_TOKEN_ALGORITHM

SNAPSHOT_VERSION = 1
# Columns that describe a sealed value, set back to what they are without one when it is left out.
WITHOUT_SEALED = {("jwt_templates", "sealed_signing_key"): {"signing_algorithm": SESSION_TOKEN_ALGORITHM}}
SEALED_PREFIX = "sealed_"
INSTANCES_TABLE = "instances"
INSERT_BATCH = 500
JSON_OPTIONS = orjson.OPT_SORT_KEYS


class SnapshotError(Exception):
    """A snapshot cannot be written or read; the message is one line for the user."""


@dataclass(frozen=True)
class Header:
    schema: str
    secrets: bool
    master_key: str | None
    instance: str | None

    def line(self) -> bytes:
        return orjson.dumps(
            {
                "locum_snapshot": SNAPSHOT_VERSION,
                "schema": self.schema,
                "secrets": self.secrets,
                "master_key_fingerprint": self.master_key,
                "instance": self.instance,
            }
        )

    @classmethod
    def parse(cls, line: bytes) -> "Header":
        try:
            document = orjson.loads(line)
        except orjson.JSONDecodeError:
            document = None
        if not isinstance(document, dict) or document.get("locum_snapshot") != SNAPSHOT_VERSION:
            raise SnapshotError(f"not a locum snapshot (version {SNAPSHOT_VERSION}): its first line is no header")
        return cls(
            schema=str(document.get("schema")),
            secrets=bool(document.get("secrets")),
            master_key=document.get("master_key_fingerprint"),
            instance=document.get("instance"),
        )


def tables() -> list[Table]:
    register_all()
    return list(Base.metadata.sorted_tables)


def is_sealed(column: Column[Any]) -> bool:
    return column.name.startswith(SEALED_PREFIX)


def encode_value(column: Column[Any], value: Any) -> Any:
    if value is not None and isinstance(column.type, LargeBinary):
        return base64.b64encode(bytes(value)).decode()
    return value


def decode_value(column: Column[Any], value: Any) -> Any:
    if value is not None and isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    return value


def row_order(table: Table, row: dict[str, Any]) -> tuple[Any, ...]:
    # None first, then the values themselves: Python compares strings by code point on every database.
    return tuple((row[column.name] is not None, row[column.name]) for column in table.primary_key.columns)


@dataclass
class Kept:
    """Values of referenced columns in rows written so far: a row referring to another value was left out."""

    referenced: set[tuple[str, str]]
    values: dict[tuple[str, str], set[Any]] = field(default_factory=dict)

    @classmethod
    def for_tables(cls, all_tables: Iterable[Table]) -> "Kept":
        referenced = {(key.column.table.name, key.column.name) for table in all_tables for key in table.foreign_keys}
        return cls(referenced)

    def add(self, table: Table, row: dict[str, Any]) -> None:
        for column in table.columns:
            if (table.name, column.name) in self.referenced:
                self.values.setdefault((table.name, column.name), set()).add(row[column.name])

    def has(self, table_name: str, column_name: str, value: Any) -> bool:
        return value in self.values.get((table_name, column_name), set())


def row_as_written(
    table: Table, row: dict[str, Any], kept: Kept, *, instance_id: str | None, without_secrets: bool
) -> dict[str, Any] | None:
    """The row as written, or None when it is left out."""
    if instance_id is not None:
        scope = row.get("id") if table.name == INSTANCES_TABLE else row.get("instance_id", instance_id)
        if scope != instance_id:
            return None
    if without_secrets:
        for column in table.columns:
            if is_sealed(column) and row[column.name] is not None:
                if not column.nullable:
                    return None
                row = {**row, column.name: None, **WITHOUT_SEALED.get((table.name, column.name), {})}
    for constraint in table.foreign_key_constraints:
        values = [row[column.name] for column in constraint.columns]
        if any(value is None for value in values):
            continue
        missing = [
            key
            for key, value in zip(constraint.elements, values, strict=True)
            if not kept.has(key.column.table.name, key.column.name, value)
        ]
        if not missing:
            continue
        nullable = all(column.nullable for column in constraint.columns)
        if constraint.ondelete and constraint.ondelete.upper() == "SET NULL" and nullable:
            row = {**row, **{column.name: None for column in constraint.columns}}
        else:
            return None
    return row


async def _rows(connection: AsyncConnection, table: Table) -> list[dict[str, Any]]:
    result = await connection.execute(across_instances(select(table)))
    rows = [dict(row._mapping) for row in result]
    rows.sort(key=lambda row: row_order(table, row))
    return rows


async def export_lines(
    connection: AsyncConnection, header: Header, *, instance_id: str | None = None
) -> AsyncIterator[bytes]:
    """The snapshot's lines (without newlines), header first, read in `connection`'s transaction."""
    yield header.line()
    all_tables = tables()
    kept = Kept.for_tables(all_tables)
    for table in all_tables:
        for stored in await _rows(connection, table):
            row = row_as_written(table, stored, kept, instance_id=instance_id, without_secrets=not header.secrets)
            if row is None:
                continue
            kept.add(table, row)
            encoded = {column.name: encode_value(column, row[column.name]) for column in table.columns}
            # {"table": …, "row": {…}}: the table first, for readers; inside the row, keys sorted.
            row_json = orjson.dumps(encoded, option=JSON_OPTIONS)
            yield b'{"table":' + orjson.dumps(table.name) + b',"row":' + row_json + b"}"


def parse_records(lines: Iterable[bytes]) -> Iterator[tuple[Table, dict[str, Any]]]:
    """(table, row ready to insert) for each record line; SnapshotError names the first bad line."""
    by_name = {table.name: table for table in tables()}
    for number, line in enumerate(lines, start=2):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
            table = by_name[record["table"]]
            stored = record["row"]
            unknown = set(stored) - set(table.columns.keys())
            if unknown:
                raise SnapshotError(f"line {number}: {table.name} has no column {sorted(unknown)[0]}")
            yield table, {name: decode_value(table.columns[name], value) for name, value in stored.items()}
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise SnapshotError(f"line {number} is not a row of a locum table ({type(exc).__name__}: {exc})") from None


async def tables_with_rows(connection: AsyncConnection) -> list[str]:
    """Names of the tables that hold any row (an import needs none)."""
    names = []
    for table in tables():
        if await connection.scalar(across_instances(select(literal(1)).select_from(table).limit(1))) is not None:
            names.append(table.name)
    return names


async def insert_records(connection: AsyncConnection, records: Iterable[tuple[Table, dict[str, Any]]]) -> int:
    """Insert every record, parents first (executemany in batches); returns how many rows."""
    by_table: dict[str, list[dict[str, Any]]] = {}
    for table, row in records:
        by_table.setdefault(table.name, []).append(row)
    inserted = 0
    for table in tables():
        rows = by_table.get(table.name, [])
        # Rows of one table may name different columns (a snapshot written by hand): group them by shape.
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            shapes.setdefault(tuple(sorted(row)), []).append(row)
        for group in shapes.values():
            for start in range(0, len(group), INSERT_BATCH):
                await connection.execute(insert(table), group[start : start + INSERT_BATCH])
        inserted += len(rows)
    return inserted
