"""Row locks for read-modify-write, and the order they are taken in.

A write that computes a row's new values from its current ones (a metadata merge, a counter, a
status change, the user's re-rendered document) must read the row locked, or a concurrent write
that lands between its read and its write is lost. Every such read goes through one of:

    locked(statement)       FOR NO KEY UPDATE  rows this transaction will change
    locked_for_delete(...)  FOR UPDATE         rows it will delete: also waits for, and then
                                               blocks, inserts of rows that reference them
    kept(statement)         FOR KEY SHARE      parents of a row it will insert: they can't be
                                               deleted before the commit, but stay writable

SQLite ignores the clauses: every write transaction begins IMMEDIATE (db/engine.py), so writers
already run one at a time. Each statement also sets `populate_existing`: the session may hold the
row from an earlier, unlocked read in the same request, and the locked read must replace that copy
instead of returning it. A row changed in the session before its locked read would lose the
change, so take the lock before changing anything.

Two requests can only wait on each other in a cycle if they take locks in different orders, so
locks are taken in this order (a request may skip levels, never go back up one):

    1. the instance                     (instance settings, templates)
    2. its organization settings        (every change of roles, permissions and role sets takes
    3. roles, permissions, role sets     this lock first, so those changes run one at a time)
    4. organizations                    (several at once: in id order)
    4b. enterprise connections          (then the users holding accounts on them)
    5. users                            (several at once: in id order), with their identifications
    6. memberships, invitations, domains; a user's sessions, tokens, trusted devices, verifications

kept() sits outside the order and may be taken at any point: it waits only for a transaction
deleting that row, and a deletion locks its row first and then waits only for the rows its delete
cascades to (which lie below it: a user's deletion removes the user's memberships).

A deadlock or lock timeout that still happens (the database ends one of the transactions) is
run again, then answered as a conflict, never as a server error (db/failures.py, api/routing.py).
"""

from typing import Any, TypeVar

from sqlalchemy import Select

Statement = TypeVar("Statement", bound=Select[Any])


def locked(statement: Statement) -> Statement:
    return statement.with_for_update(key_share=True).execution_options(populate_existing=True)


def locked_for_delete(statement: Statement) -> Statement:
    return statement.with_for_update().execution_options(populate_existing=True)


def kept(statement: Statement) -> Statement:
    return statement.with_for_update(read=True, key_share=True).execution_options(populate_existing=True)
