"""The delivery worker: fan out new events, attempt due deliveries, store the outcomes; repeat.

It runs inside `locum serve` and alone as `locum worker` (app.py composes it with the email
sender for both, and gives it its HTTP transports); any number of them may share a database (see
repository.py for the leases that keep them from attempting one delivery twice at once).

Each pass is one short transaction: store the attempts that finished, fan out a batch of events,
lease due deliveries. A pass with no outcomes to store first looks, with one statement on the
bare-driver reader (db/reads.py), whether any event or delivery is waiting: an idle worker polls
without taking SQLite's write lock, which each poll otherwise held from every request's write for
its duration, and at a small cost.

The worker holds up to MAX_HELD leased deliveries, MAX_IN_FLIGHT of them
being attempted (tasks, outside any transaction) and the rest queued: an attempt that ends starts
the next queued one at once, so sending never waits for the database, and the next pass stores a
batch of outcomes in one go. Between passes the worker waits until enough attempts have ended or
the queue runs low, for `wake` (set in-process after a request commits an event:
wake_delivery_worker; then WAKE_GATHER_SECONDS more, so that a busy server's events share a pass)
or for settings.worker_poll_seconds (events committed by other processes).

A pass that fails for a reason of one of its rows is done again row by row (isolation.each_alone):
the row is marked failed (an event with its error, a delivery with an attempt saying why) and the
others go on; a transient failure (the database away or busy) only makes the loop try again after
ERROR_BACKOFF_SECONDS.

Each failed attempt is logged once stored (report_failures): WARNING while retries remain, ERROR
when the delivery is given up; and counted for /metrics.

Stopping waits STOP_GRACE_SECONDS for the attempts in flight, then abandons the rest and gives
their leases back, with those of the queued deliveries; a worker killed outright leaves leases
that expire after LEASE_MS, after which any worker attempts those deliveries again (delivery is
at least once, as with Svix).
"""

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import BigInteger, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from locum.db.failures import is_transient
from locum.db.reads import Reader
from locum.db.scoping import across_instances
from locum.kit.clock import now_ms
from locum.kit.sealing import Sealer
from locum.outbox.delivery import (
    DELIVERY_TIMEOUT_SECONDS,
    MS_PER_SECOND,
    AttemptOutcome,
    LeasedDelivery,
    Transports,
    attempt,
)
from locum.outbox.dispatch import (
    FAN_OUT_BATCH_SIZE,
    fail_event,
    fan_out,
    undispatched_event_ids,
    undispatched_event_waits,
)
from locum.outbox.isolation import at_once_or_alone, each_alone
from locum.outbox.repository import (
    SigningKeys,
    StoredFailure,
    due_delivery_ids,
    due_delivery_waits,
    fail_deliveries,
    lease_due,
    record_outcomes,
    release_leases,
)
from locum.settings import Settings

if TYPE_CHECKING:
    from prometheus_client import Counter

logger = logging.getLogger("locum.outbox")

MAX_IN_FLIGHT = 64
MAX_HELD = 4 * MAX_IN_FLIGHT
# Outcomes stored together; fewer would spend the worker's time on transactions.
STORE_BATCH_SIZE = MAX_IN_FLIGHT // 2
LEASE_MS = 60_000
# A queued delivery is attempted only while its lease outlasts a whole attempt and its storing.
ATTEMPT_LEASE_MARGIN_MS = round(DELIVERY_TIMEOUT_SECONDS * 1000) + 15_000
STOP_GRACE_SECONDS = 5.0
ERROR_BACKOFF_SECONDS = 1.0
# How long a woken worker lets work gather before its pass (what it adds to a delivery's latency).
WAKE_GATHER_SECONDS = 0.005
UNATTEMPTED_ERROR = "locum could not attempt this delivery (see its log)"
# An idle worker's look for work: one row, (an event waits, a delivery is due at :at_ms).
WORK_WAITING = across_instances(
    select(undispatched_event_waits(), due_delivery_waits(bindparam("at_ms", type_=BigInteger)))
)


@functools.cache
def delivery_failures() -> "Counter":
    """Made at the first failure, or by /metrics (api/metrics.py): a start imports no prometheus_client."""
    from prometheus_client import Counter

    return Counter(
        "locum_webhook_delivery_failures_total", "Failed webhook delivery attempts stored by this server's workers"
    )


def report_failures(failures: Sequence[StoredFailure]) -> None:
    """Log and count failed attempts that were stored. Ids, the attempt and what came back only:
    never the payload, the endpoint's URL (it may hold credentials) or its secret."""
    for failure in failures:
        delivery_failures().inc()
        outcome = failure.outcome
        delivery = outcome.delivery
        answer = f"status {outcome.response_status}" if outcome.response_status is not None else outcome.error
        next_attempt = (
            datetime.fromtimestamp(failure.next_attempt_at / MS_PER_SECOND, UTC).isoformat(timespec="seconds")
            if failure.next_attempt_at is not None
            else None
        )
        fields = {
            "delivery_id": delivery.id,
            "endpoint_id": delivery.endpoint_id,
            "event_id": delivery.event_id,
            "event_type": delivery.event_type,
            "attempt": failure.attempt_number,
            "status_code": outcome.response_status,
            "error": outcome.error,
            "next_attempt_at": next_attempt,
        }
        described = (
            f"webhook delivery {delivery.id} of {delivery.event_type} event {delivery.event_id} to endpoint "
            f"{delivery.endpoint_id} failed (attempt {failure.attempt_number}: {answer})"
        )
        if next_attempt is None:
            logger.error("%s; giving up", described, extra=fields)
        else:
            logger.warning("%s; next attempt at %s", described, next_attempt, extra=fields)


class PassResult(NamedTuple):
    fanned_out: int
    leased: int


class DeliveryWorker:
    """One worker's state: the deliveries it holds (queued, in flight) and outcomes not stored yet.

    `run` is the loop; `step` and `drain` are its parts, which tests call to deliver deterministically.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        sealer: Sealer,
        settings: Settings,
        transports: Transports,
        *,
        reader: Reader,
        wake: asyncio.Event,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._reader = reader
        self._keys = SigningKeys(sealer)
        self._schedule = settings.webhook_retry_schedule
        self._poll_seconds = settings.worker_poll_seconds
        self._transports = transports
        self._wake = wake
        self._queued: deque[LeasedDelivery] = deque()
        self._in_flight: dict[str, tuple[LeasedDelivery, asyncio.Task[None]]] = {}
        self._finished: list[AttemptOutcome] = []
        # Leases to give back: queued too long, or abandoned when stopping.
        self._unused: list[LeasedDelivery] = []
        self._stopping = False

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    result = await self.step()
                except Exception:
                    logger.exception("webhook delivery pass failed; retrying in %g s", ERROR_BACKOFF_SECONDS)
                    await _first_set((stop,), ERROR_BACKOFF_SECONDS)
                    continue
                # A full batch means more events may be waiting to be fanned out.
                if result.fanned_out < FAN_OUT_BATCH_SIZE:
                    await _first_set((stop, self._wake), self._poll_seconds)
                    if self._wake.is_set():
                        # Woken (a request committed an event, attempts ended): more of the same
                        # follow under load, and one pass takes them together. A pass per event
                        # cost a write transaction as dear as the request's own.
                        await _first_set((stop,), WAKE_GATHER_SECONDS)
        finally:
            try:
                await self.drain(timeout=STOP_GRACE_SECONDS)
            except Exception:
                logger.exception("could not store the last webhook attempts; their deliveries will be retried")

    async def step(self) -> PassResult:
        """One pass: store finished attempts, fan out a batch of events, lease due deliveries."""
        finished, self._finished = self._finished, []
        unused, self._unused = self._unused, []
        room = MAX_HELD - len(self._queued) - len(self._in_flight)
        if not finished and not unused and not await self._work_waits(room):
            return PassResult(0, 0)
        try:
            fanned_out, leased = await self._pass(finished, unused, room)
        except Exception as error:
            if is_transient(error):
                self._keep_for_next_pass(finished, unused)
                raise
            logger.exception("webhook delivery pass failed; going through its rows one at a time")
            fanned_out, leased = await self._pass_row_by_row(finished, unused, room)
        except BaseException:
            self._keep_for_next_pass(finished, unused)
            raise
        self._queued.extend(leased)
        self._start_queued()
        return PassResult(fanned_out, len(leased))

    async def _work_waits(self, room: int) -> bool:
        """Whether an event waits to be fanned out, or (with room to lease) a delivery is due.

        On the bare-driver reader, one statement: polled 20 times a second by every idle worker, it
        cost ~5 ms of CPU each through an ORM session, ~10% of a core."""
        ((event_waits, delivery_due),) = await self._reader.fetch(
            self._reader.prepared(WORK_WAITING), {"at_ms": now_ms()}
        )
        return bool(event_waits) or (room > 0 and bool(delivery_due))

    def _keep_for_next_pass(self, finished: Sequence[AttemptOutcome], unused: Sequence[LeasedDelivery]) -> None:
        # Stored by the next pass instead: the lease guard makes a late store harmless.
        self._finished[:0] = finished
        self._unused[:0] = unused

    async def _pass(
        self, finished: Sequence[AttemptOutcome], unused: Sequence[LeasedDelivery], room: int
    ) -> tuple[int, list[LeasedDelivery]]:
        async with self._sessionmaker() as session, session.begin():
            at_ms = now_ms()
            failures = await record_outcomes(session, finished, schedule=self._schedule, at_ms=at_ms)
            await release_leases(session, unused)
            fanned_out = await fan_out(session, at_ms=at_ms)
            leased = []
            if room > 0:
                leased = await lease_due(session, self._keys, at_ms=at_ms, batch_size=room, lease_ms=LEASE_MS)
        report_failures(failures)
        return fanned_out, leased

    async def _pass_row_by_row(
        self, finished: Sequence[AttemptOutcome], unused: Sequence[LeasedDelivery], room: int
    ) -> tuple[int, list[LeasedDelivery]]:
        """The pass again, each outcome, lease, event and delivery in a transaction of its own."""
        at_ms = now_ms()
        report_failures(await self._store_row_by_row(finished, unused, at_ms=at_ms))

        async def fail_dispatch(session: AsyncSession, event_id: str, error: str) -> None:
            await fail_event(session, event_id, error=error, at_ms=at_ms)

        async with self._sessionmaker() as session, session.begin():
            event_ids = await undispatched_event_ids(session)
        fanned_out = await each_alone(
            self._sessionmaker,
            event_ids,
            work=lambda session, event_id: fan_out(session, at_ms=at_ms, event_ids=[event_id]),
            fail=fail_dispatch,
            name=lambda event_id: f"event {event_id}",
        )
        if room <= 0:
            return sum(fanned_out), []

        async def fail_lease(session: AsyncSession, delivery_id: str, error: str) -> None:
            await fail_deliveries(session, [delivery_id], error=error, at_ms=at_ms)

        async with self._sessionmaker() as session, session.begin():
            delivery_ids = await due_delivery_ids(session, at_ms=at_ms, batch_size=room)
        leased = await each_alone(
            self._sessionmaker,
            delivery_ids,
            work=lambda session, delivery_id: lease_due(
                session, self._keys, at_ms=at_ms, batch_size=1, lease_ms=LEASE_MS, delivery_ids=[delivery_id]
            ),
            fail=fail_lease,
            name=lambda delivery_id: f"webhook delivery {delivery_id}",
        )
        return sum(fanned_out), [delivery for one in leased for delivery in one]

    async def _store_row_by_row(
        self, finished: Sequence[AttemptOutcome], unused: Sequence[LeasedDelivery], *, at_ms: int
    ) -> list[StoredFailure]:
        """Each outcome and lease in a transaction of its own; returns the failed attempts stored.
        Outcomes not stored when a transient failure stops this are lost: their leases run out and
        their deliveries are attempted again, as after a crash."""

        async def fail_outcome(session: AsyncSession, outcome: AttemptOutcome, error: str) -> None:
            await fail_deliveries(session, [outcome.delivery.id], error=error, at_ms=at_ms)

        async def keep_lease(_session: AsyncSession, _delivery: LeasedDelivery, _error: str) -> None:
            """Nothing to mark: the lease runs out by itself."""

        stored = await each_alone(
            self._sessionmaker,
            finished,
            work=lambda session, outcome: record_outcomes(session, [outcome], schedule=self._schedule, at_ms=at_ms),
            fail=fail_outcome,
            name=lambda outcome: f"webhook delivery {outcome.delivery.id}",
        )
        await each_alone(
            self._sessionmaker,
            unused,
            work=lambda session, delivery: release_leases(session, [delivery]),
            fail=keep_lease,
            name=lambda delivery: f"webhook delivery {delivery.id}",
        )
        return [failure for failures in stored for failure in failures]

    def _start_queued(self) -> None:
        while self._queued and len(self._in_flight) < MAX_IN_FLIGHT and not self._stopping:
            delivery = self._queued.popleft()
            if delivery.leased_until - now_ms() < ATTEMPT_LEASE_MARGIN_MS:
                self._unused.append(delivery)
                continue
            self._in_flight[delivery.id] = (delivery, asyncio.create_task(self._attempt(delivery)))

    async def drain(self, *, timeout: float | None = None) -> None:
        """Attempt every delivery held and store the outcomes. With a `timeout`, no queued delivery
        is started and attempts still running after `timeout` seconds are abandoned: their
        deliveries, and the queued ones, are due again at once."""
        if timeout is None:
            while self._in_flight:
                await asyncio.wait([task for _, task in self._in_flight.values()])
        else:
            self._stopping = True
            try:
                if self._in_flight:
                    await asyncio.wait([task for _, task in self._in_flight.values()], timeout=timeout)
                await self._abandon_held()
            finally:
                self._stopping = False
        finished, self._finished = self._finished, []
        unused, self._unused = self._unused, []
        if finished or unused:
            await self._store(finished, unused)

    async def _abandon_held(self) -> None:
        tasks = [task for _, task in self._in_flight.values()]
        self._unused += [delivery for delivery, _ in self._in_flight.values()] + list(self._queued)
        self._queued.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._in_flight.clear()

    async def _store(self, finished: Sequence[AttemptOutcome], unused: Sequence[LeasedDelivery]) -> None:
        async def store(session: AsyncSession) -> list[StoredFailure]:
            failures = await record_outcomes(session, finished, schedule=self._schedule, at_ms=now_ms())
            await release_leases(session, unused)
            return failures

        failures = await at_once_or_alone(
            self._sessionmaker,
            at_once=store,
            alone=lambda: self._store_row_by_row(finished, unused, at_ms=now_ms()),
            what="storing webhook attempts",
        )
        report_failures(failures)

    async def _attempt(self, delivery: LeasedDelivery) -> None:
        try:
            outcome = await attempt(self._transports, delivery)
        except Exception:
            # A fault of locum's, not the endpoint's; it still counts as a failed attempt.
            logger.exception("webhook delivery %s could not be attempted", delivery.id)
            outcome = AttemptOutcome(delivery, now_ms(), None, "", UNATTEMPTED_ERROR, 0)
        self._finished.append(outcome)
        del self._in_flight[delivery.id]
        self._start_queued()
        if len(self._finished) >= STORE_BATCH_SIZE or len(self._queued) < MAX_IN_FLIGHT or not self._in_flight:
            self._wake.set()


async def _first_set(events: Sequence[asyncio.Event], timeout: float) -> None:
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)


def install_delivery_wake(app: Starlette) -> asyncio.Event:
    """The event an in-process worker of `app` waits on, set by wake_delivery_worker."""
    app.state.delivery_wake = wake = asyncio.Event()
    return wake


def wake_delivery_worker(app: Starlette) -> None:
    """Have the app's worker look for work now (after a commit that recorded events)."""
    wake: asyncio.Event | None = getattr(app.state, "delivery_wake", None)
    if wake is not None:
        wake.set()
