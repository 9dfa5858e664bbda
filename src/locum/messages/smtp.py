"""The SMTP sender: queued emails go out to LOCUM_SMTP_URL with aiosmtplib.

    LOCUM_SMTP_URL=smtp://user:password@host:port    plain SMTP (add ?starttls=true to upgrade with STARTTLS)
                   smtps://user:password@host:port   TLS from the first byte (implicit TLS, port 465 by default)

Each call claims a batch of due emails in one short transaction (`queued` -> `sending`; PostgreSQL
skips rows another sender has locked, SQLite has one writer), sends them over one connection, and
records each outcome in a second transaction: `sent`, or the error with the email queued again
after a delay, or `failed` after MAX_SEND_ATTEMPTS. No transaction stays open during network I/O.
A sender that dies mid-batch leaves its emails `sending`; they are claimed again once their claim
is older than CLAIM_LEASE_MS, so an email may then be sent twice, never lost.

One email never holds up the others (see locum.outbox.isolation): an email that cannot be built
or sent as it is (a header Python refuses, a recipient the server cannot take, any fault of its
own) fails at once with its error, and the batch goes on; only a refusal by the server is
retried, and only a broken connection makes the rest of the batch wait for a retry. Claiming
never reads an email's `data`, and a claim or a record that fails for one row is done again one
row at a time.

`run_email_sender` is the loop a delivery worker runs beside webhook delivery; `send_queued_emails`
is one pass of it.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from sqlalchemy import ColumnElement, Select, and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import defer

from locum.db.models import Message
from locum.db.scoping import across_instances
from locum.kit.clock import now_ms
from locum.messages.service import FAILED, QUEUED, SENDING, SENT
from locum.outbox.isolation import at_once_or_alone, describe, each_alone
from locum.settings import Settings

logger = logging.getLogger("locum.messages")

BATCH_SIZE = 50
MAX_SEND_ATTEMPTS = 5
# Wait after the 1st, 2nd, 3rd and 4th failed attempt before the next one.
RETRY_DELAYS_MS = (10_000, 60_000, 300_000, 1_800_000)
CLAIM_LEASE_MS = 10 * 60_000
SMTP_TIMEOUT_SECONDS = 30
# Sent in EHLO; the default (the machine's FQDN) can take a DNS lookup.
EHLO_HOSTNAME = "localhost"
# A server's refusal of one email (the others in the batch still go out over the same connection).
_REFUSALS = (
    aiosmtplib.SMTPSenderRefused,
    aiosmtplib.SMTPRecipientRefused,
    aiosmtplib.SMTPRecipientsRefused,
    aiosmtplib.SMTPDataError,
)
# The connection's fault, not the email's: the emails left in the batch wait for a retry.
_CONNECTION_FAULTS = (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPResponseException, OSError)


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int | None  # None: aiosmtplib's default for the connection type (25, 465 or 587)
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool

    @classmethod
    def from_url(cls, url: str) -> "SmtpTarget":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("LOCUM_SMTP_URL must look like smtp://[user:password@]host[:port] or smtps://…")
        start_tls = parse_qs(parts.query).get("starttls", ["false"])[-1].lower() in ("true", "1")
        return cls(
            hostname=parts.hostname,
            port=parts.port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=parts.scheme == "smtps",
            start_tls=start_tls and parts.scheme == "smtp",
        )


@dataclass(frozen=True)
class _Claimed:
    id: str
    mime: EmailMessage


@dataclass(frozen=True)
class _Failure:
    error: str
    # The email cannot be sent as it is: no retry would help.
    final: bool = False

    @classmethod
    def of(cls, error: Exception, *, final: bool = False) -> "_Failure":
        return cls(describe(error), final=final)


def _mime(message: Message) -> EmailMessage:
    mime = EmailMessage()
    mime["From"] = message.from_address
    mime["To"] = message.to_address
    mime["Subject"] = message.subject or ""
    mime["Date"] = formatdate(message.created_at / 1000, usegmt=True)
    mime["Message-ID"] = make_msgid(idstring=message.id, domain=message.from_address.rpartition("@")[2])
    mime.set_content(message.body_plain or "")
    mime.add_alternative(message.body, subtype="html")
    return mime


def _retry_delay_ms() -> ColumnElement[int]:
    """SQL for the wait before the next attempt of a queued email, by the attempts it has had."""
    return case(
        *((Message.send_attempts == attempt, delay) for attempt, delay in enumerate(RETRY_DELAYS_MS, start=1)),
        else_=0,
    )


def _due(at_ms: int) -> Select[Message]:
    due = or_(
        and_(
            Message.status == QUEUED,
            # A first attempt is due at once, whatever clock wrote the row.
            or_(Message.send_attempts == 0, Message.updated_at + _retry_delay_ms() <= at_ms),
        ),
        and_(Message.status == SENDING, Message.updated_at <= at_ms - CLAIM_LEASE_MS),
    )
    # The sender serves every instance's queue.
    return across_instances(
        select(Message).where(Message.kind == "email", due).order_by(Message.created_at, Message.id).limit(BATCH_SIZE)
    )


async def _claim(session: AsyncSession, at_ms: int, *, message_ids: list[str] | None = None) -> list[_Claimed]:
    """Claim a batch of due emails (of `message_ids` only, if given); those that cannot be built fail."""
    due = _due(at_ms)
    if message_ids is not None:
        due = due.where(Message.id.in_(message_ids))
    # `data` (the template's variables) is not needed to send, and is the one column a hand-written
    # row could hold unreadable.
    rows = (await session.scalars(due.options(defer(Message.data)).with_for_update(skip_locked=True))).all()
    claimed = []
    for row in rows:
        row.updated_at = at_ms
        try:
            claimed.append(_Claimed(row.id, _mime(row)))
        except Exception as exc:
            # No server could take it (e.g. a header Python's email package refuses): no retry helps.
            logger.exception("email %s cannot be built; it fails", row.id)
            row.status, row.error = FAILED, describe(exc)
        else:
            row.status = SENDING
    return claimed


async def _claim_one_at_a_time(sessionmaker: async_sessionmaker[AsyncSession], at_ms: int) -> list[_Claimed]:
    async with sessionmaker() as session, session.begin():
        message_ids = list(await session.scalars(_due(at_ms).with_only_columns(Message.id)))
    claimed = await each_alone(
        sessionmaker,
        message_ids,
        work=lambda session, message_id: _claim(session, at_ms, message_ids=[message_id]),
        fail=_fail,
        name=lambda message_id: f"email {message_id}",
    )
    return [email for one in claimed for email in one]


async def _record_one_at_a_time(
    sessionmaker: async_sessionmaker[AsyncSession], outcomes: dict[str, _Failure | None], at_ms: int
) -> None:
    await each_alone(
        sessionmaker,
        outcomes.items(),
        work=lambda session, outcome: _record(session, dict([outcome]), at_ms),
        fail=lambda session, outcome, error: _fail(session, outcome[0], error),
        name=lambda outcome: f"email {outcome[0]}",
    )


async def _fail(session: AsyncSession, message_id: str, error: str) -> None:
    await session.execute(
        across_instances(
            update(Message).where(Message.id == message_id).values(status=FAILED, error=error, updated_at=now_ms())
        )
    )


async def _send(target: SmtpTarget, emails: list[_Claimed]) -> dict[str, _Failure | None]:
    """id -> None when the server accepted the email, else why not."""
    outcomes: dict[str, _Failure | None] = {}
    try:
        async with aiosmtplib.SMTP(
            hostname=target.hostname,
            port=target.port,
            username=target.username,
            password=target.password,
            use_tls=target.use_tls,
            start_tls=target.start_tls,
            timeout=SMTP_TIMEOUT_SECONDS,
            local_hostname=EHLO_HOSTNAME,
        ) as smtp:
            for email in emails:
                try:
                    await smtp.send_message(email.mime)
                    outcomes[email.id] = None
                except _REFUSALS as exc:
                    # The server refused this email; the connection is still good for the next.
                    outcomes[email.id] = _Failure.of(exc)
                except _CONNECTION_FAULTS:
                    raise
                except Exception as exc:
                    # This email's own fault (a recipient the server has no SMTPUTF8 for, none at all, …).
                    logger.exception("email %s cannot be sent; it fails", email.id)
                    outcomes[email.id] = _Failure.of(exc, final=True)
    except (aiosmtplib.SMTPException, OSError) as exc:
        for email in emails:
            outcomes.setdefault(email.id, _Failure.of(exc))
    return outcomes


async def _record(session: AsyncSession, outcomes: dict[str, _Failure | None], at_ms: int) -> None:
    for message_id, failure in outcomes.items():
        sent = across_instances(update(Message).where(Message.id == message_id, Message.status == SENDING))
        if failure is None:
            await session.execute(sent.values(status=SENT, error=None, updated_at=at_ms))
        else:
            attempts = Message.send_attempts + 1
            await session.execute(
                sent.values(
                    status=FAILED if failure.final else case((attempts >= MAX_SEND_ATTEMPTS, FAILED), else_=QUEUED),
                    send_attempts=attempts,
                    error=failure.error,
                    updated_at=at_ms,
                )
            )


async def send_queued_emails(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Sends one batch of due emails to settings.smtp_url; returns how many the server accepted.
    Does nothing (0) when no SMTP server is configured."""
    if not settings.smtp_url:
        return 0
    target = SmtpTarget.from_url(settings.smtp_url)
    at_ms = now_ms()
    claimed = await at_once_or_alone(
        sessionmaker,
        at_once=lambda session: _claim(session, at_ms),
        alone=lambda: _claim_one_at_a_time(sessionmaker, at_ms),
        what="claiming queued emails",
    )
    if not claimed:
        return 0
    outcomes = await _send(target, claimed)
    at_ms = now_ms()
    await at_once_or_alone(
        sessionmaker,
        at_once=lambda session: _record(session, outcomes, at_ms),
        alone=lambda: _record_one_at_a_time(sessionmaker, outcomes, at_ms),
        what="recording sent emails",
    )
    return sum(failure is None for failure in outcomes.values())


async def run_email_sender(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *, stop: asyncio.Event
) -> None:
    """Send queued emails until `stop` is set: at once while batches come back full, else every
    settings.worker_poll_seconds. Returns at once when no SMTP server is configured (or its URL is
    unusable, which it logs)."""
    if not settings.smtp_url:
        return
    try:
        SmtpTarget.from_url(settings.smtp_url)
    except ValueError as exc:
        logger.error("not sending emails: %s", exc)
        return
    while not stop.is_set():
        try:
            sent = await send_queued_emails(sessionmaker, settings)
        except Exception:
            logger.exception("sending queued emails failed; trying again")
            sent = 0
        if sent < BATCH_SIZE:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.worker_poll_seconds)
