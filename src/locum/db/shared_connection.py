"""The pool of `sqlite:///:memory:`: its one connection, which sessions take in turns.

An in-memory database exists only inside the connection that made it, so every session (request,
read and worker sessions, the reader's connections) must use that one connection: a StaticPool.
Two of them using it at once would run one transaction inside the other ("cannot start a
transaction within a transaction", or one's rollback undoing the other's writes), as concurrent
requests did, and the delivery worker beside them would. So taking the connection from the pool
waits for a turn (an asyncio.Lock), and the turn ends when the pool has it back.

A turn belongs to the context (contextvars) that took it, and so to tasks started from that context
while it lasts. A checkout inside a turn already held (a second session opened while the request's
first one holds the connection) shares the connection, as StaticPool always did, instead of waiting
for itself forever; StaticPool takes the connection back at the first of those returns.
"""

import asyncio
from contextvars import ContextVar
from typing import Any

from sqlalchemy.pool import ConnectionPoolEntry, StaticPool
from sqlalchemy.util import await_


class _Turn:
    """One context's hold on the connection; compared by identity."""


_held_turn: ContextVar[_Turn | None] = ContextVar("locum_held_connection_turn", default=None)


class TurnTakingPool(StaticPool):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turns = asyncio.Lock()
        self._current: _Turn | None = None

    def _do_get(self) -> ConnectionPoolEntry:
        # Runs in SQLAlchemy's greenlet, which runs in the calling task's context.
        if self._current is None or _held_turn.get() is not self._current:
            await_(self._turns.acquire())
            self._current = _Turn()
            _held_turn.set(self._current)
        try:
            return super()._do_get()
        except BaseException:
            self._end_turn()
            raise

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        super()._do_return_conn(record)
        self._end_turn()

    def _end_turn(self) -> None:
        if self._current is not None:
            self._current = None
            self._turns.release()
