"""The SMTP sender: queued emails go out to LOCUM_SMTP_URL with aiosmtplib.

    LOCUM_SMTP_URL=smtp://user:password@host:port    plain SMTP (add ?starttls=true to upgrade with STARTTLS)
                   smtps://user:password@host:port   TLS from the first byte (implicit TLS, port 465 by default)

Each call claims a batch of due emails in one short transaction (`queued` -> `sending`; PostgreSQL
skips rows another sender has locked, SQLite has one writer), sends them over one connection, and
records each outcome in a second transaction: `sent`, or the error with the email queued again
after a delay, or `failed` after MAX_SEND_ATTEMPTS. No transaction stays open during network I/O.
A sender that dies mid-batch leaves its emails `sending`; they are claimed again once their claim
is older than CLAIM_LEASE_MS, so an email may then be sent twice, never lost.

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
from sqlalchemy import ColumnElement, and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from locum.db.models import Message
from locum.kit.clock import now_ms
from locum.messages.service import FAILED, QUEUED, SENDING, SENT
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
ERROR_MAX_LENGTH = 1000
# A server's refusal of one email (the others in the batch still go out over the same connection).
_REFUSALS = (
    aiosmtplib.SMTPSenderRefused,
    aiosmtplib.SMTPRecipientRefused,
    aiosmtplib.SMTPRecipientsRefused,
    aiosmtplib.SMTPDataError,
)


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


async def _claim(session: AsyncSession, at_ms: int) -> list[_Claimed]:
    due = or_(
        and_(
            Message.status == QUEUED,
            # A first attempt is due at once, whatever clock wrote the row.
            or_(Message.send_attempts == 0, Message.updated_at + _retry_delay_ms() <= at_ms),
        ),
        and_(Message.status == SENDING, Message.updated_at <= at_ms - CLAIM_LEASE_MS),
    )
    rows = (
        await session.scalars(
            select(Message)
            .where(Message.kind == "email", due)
            .order_by(Message.created_at, Message.id)
            .limit(BATCH_SIZE)
            .with_for_update(skip_locked=True)
        )
    ).all()
    claimed = []
    for row in rows:
        row.updated_at = at_ms
        try:
            claimed.append(_Claimed(row.id, _mime(row)))
        except ValueError as exc:
            # No server could take it (e.g. a header Python's email package refuses): no retry helps.
            row.status, row.error = FAILED, f"ValueError: {exc}"[:ERROR_MAX_LENGTH]
        else:
            row.status = SENDING
    return claimed


async def _send(target: SmtpTarget, emails: list[_Claimed]) -> dict[str, str | None]:
    """id -> None when the server accepted the email, else the error."""
    outcomes: dict[str, str | None] = {}
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
                    outcomes[email.id] = f"{type(exc).__name__}: {exc}"
    except (aiosmtplib.SMTPException, OSError) as exc:
        for email in emails:
            outcomes.setdefault(email.id, f"{type(exc).__name__}: {exc}")
    return outcomes


async def _record(session: AsyncSession, outcomes: dict[str, str | None], at_ms: int) -> None:
    for message_id, error in outcomes.items():
        sent = update(Message).where(Message.id == message_id, Message.status == SENDING)
        if error is None:
            await session.execute(sent.values(status=SENT, error=None, updated_at=at_ms))
        else:
            attempts = Message.send_attempts + 1
            await session.execute(
                sent.values(
                    status=case((attempts >= MAX_SEND_ATTEMPTS, FAILED), else_=QUEUED),
                    send_attempts=attempts,
                    error=error[:ERROR_MAX_LENGTH],
                    updated_at=at_ms,
                )
            )


async def send_queued_emails(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Sends one batch of due emails to settings.smtp_url; returns how many the server accepted.
    Does nothing (0) when no SMTP server is configured."""
    if not settings.smtp_url:
        return 0
    target = SmtpTarget.from_url(settings.smtp_url)
    async with sessionmaker() as session, session.begin():
        claimed = await _claim(session, now_ms())
    if not claimed:
        return 0
    outcomes = await _send(target, claimed)
    async with sessionmaker() as session, session.begin():
        await _record(session, outcomes, now_ms())
    return sum(error is None for error in outcomes.values())


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
