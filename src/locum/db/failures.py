"""What a database error says about the work that hit it, read the same way on both databases.

- a lock conflict: the database ended this transaction because another one held what it needed
  (a deadlock, a lock or busy timeout); running the same work again may well succeed;
- a transient failure: the error says nothing about the row or request being handled (the database
  is unreachable, busy or out of room, or a lock conflict); a queue must not fail a row for it.
"""

from sqlalchemy.exc import DBAPIError

# PostgreSQL: deadlock_detected, serialization_failure, lock_not_available.
POSTGRES_LOCK_CONFLICTS = frozenset({"40P01", "40001", "55P03"})
# PostgreSQL SQLSTATE classes: connection exception, transaction rollback (deadlock, serialization),
# insufficient resources, operator intervention.
POSTGRES_TRANSIENT_CLASSES = frozenset({"08", "40", "53", "57"})
# SQLite primary result codes: BUSY and LOCKED (the busy timeout ran out waiting for the writer)...
SQLITE_LOCK_CONFLICTS = frozenset({5, 6})
# ... and besides them NOMEM, IOERR, FULL, CANTOPEN.
SQLITE_TRANSIENT_CODES = SQLITE_LOCK_CONFLICTS | frozenset({7, 10, 13, 14})
SQLITE_PRIMARY_CODE_MASK = 0xFF


def _sqlstate(error: DBAPIError) -> str | None:
    sqlstate = getattr(error.orig, "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) else None


def _sqlite_primary_code(error: DBAPIError) -> int | None:
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code & SQLITE_PRIMARY_CODE_MASK if isinstance(code, int) else None


def is_lock_conflict(error: DBAPIError) -> bool:
    sqlstate = _sqlstate(error)
    if sqlstate is not None:
        return sqlstate in POSTGRES_LOCK_CONFLICTS
    return _sqlite_primary_code(error) in SQLITE_LOCK_CONFLICTS


def is_transient(error: BaseException) -> bool:
    if isinstance(error, OSError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlstate = _sqlstate(error)
    if sqlstate is not None:
        return sqlstate[:2] in POSTGRES_TRANSIENT_CLASSES
    return _sqlite_primary_code(error) in SQLITE_TRANSIENT_CODES
