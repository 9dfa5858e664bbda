"""Which unique constraint a violation hit, named as the request parameter Clerk would blame.

PostgreSQL names the constraint in its message; SQLite names the columns (`table.col, table.col`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import CursorResult, Executable, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.base import Base
from locum.db.models import register_all

# table -> request parameter for each identifier-like unique constraint
IDENTIFIER_TABLES = {
    "email_addresses": "email_address",
    "phone_numbers": "phone_number",
    "web3_wallets": "web3_wallet",
}
IDENTIFIER_COLUMNS = {
    ("users", "username_normalized"): "username",
    ("users", "external_id"): "external_id",
    ("external_accounts", "provider_user_id"): "provider_user_id",
    ("organizations", "slug"): "slug",
    ("roles", "key"): "key",
    ("permissions", "key"): "key",
    ("role_sets", "key"): "key",
    ("jwt_templates", "name"): "name",
}


@cache
def _signatures() -> dict[str, str]:
    register_all()
    signatures: dict[str, str] = {}
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            if not isinstance(constraint, UniqueConstraint) or not constraint.name:
                continue
            columns = [column.name for column in constraint.columns]
            param = IDENTIFIER_TABLES.get(table.name) or next(
                (IDENTIFIER_COLUMNS[(table.name, c)] for c in columns if (table.name, c) in IDENTIFIER_COLUMNS), None
            )
            if param is None:
                continue
            signatures[str(constraint.name)] = param
            signatures[", ".join(f"{table.name}.{c}" for c in columns)] = param
    return signatures


def identifier_param_for(exc: IntegrityError) -> str | None:
    message = str(exc.orig)
    for signature, param in _signatures().items():
        if signature in message:
            return param
    return None


class IdentifierTaken(Exception):
    """A unique identifier (email, phone, username, …) is already used in the instance."""

    def __init__(self, param: str) -> None:
        super().__init__(param)
        self.param = param


@contextmanager
def _naming_identifier() -> Iterator[None]:
    """A unique-constraint violation on an identifier raised in the block becomes IdentifierTaken."""
    try:
        yield
    except IntegrityError as exc:
        param = identifier_param_for(exc)
        if param is None:
            raise
        raise IdentifierTaken(param) from exc


async def flush(session: AsyncSession) -> None:
    """Flush, naming the identifier a unique-constraint violation is about."""
    with _naming_identifier():
        await session.flush()


async def execute(session: AsyncSession, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
    """Run a Core write statement (an executemany when `parameters` is a list) on the session's
    connection, naming the identifier a unique-constraint violation is about. Not through the
    session's own execute: the ORM's handling of a statement it has nothing to do with cost more
    than the rest of it."""
    connection = await session.connection()
    with _naming_identifier():
        return await connection.execute(statement, parameters)


async def commit(session: AsyncSession) -> None:
    """Commit, naming the identifier a unique-constraint violation is about."""
    with _naming_identifier():
        await session.commit()
