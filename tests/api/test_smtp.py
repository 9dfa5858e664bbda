"""The SMTP sender against a real SMTP server (aiosmtpd) on loopback: a verification code email
reaches it, the message shows as sent at /locum/messages, failures are retried on schedule, and two
senders never send one email twice.

The test database is shared by the whole session, so other tests' queued emails go out too: each
test looks only at the recipients it created.
"""

import asyncio
import email
import email.policy
import time
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from fastapi import FastAPI
from sqlalchemy import func, insert, select

from locum.db.models import Message
from locum.instances.service import InstanceKeys
from locum.kit import clock
from locum.kit.ids import new_id
from locum.messages import smtp
from locum.messages.smtp import MAX_SEND_ATTEMPTS, RETRY_DELAYS_MS, run_email_sender, send_queued_emails
from locum.settings import Settings
from tests.builders import free_port, inspection_session, make_user, unique_email
from tests.verification_codes import frozen_clock, messaged_code
from tests.webhook_delivery import TOO_DEEP_TO_READ, stored_json

USERNAME, PASSWORD = "locum", "s3cret:pass"
DELIVERY_WAIT_S = 10


class Inbox:
    """An aiosmtpd handler keeping what it accepts; it refuses the recipients in `refused`."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.refused: set[str] = set()
        self.logins: list[tuple[str, str]] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 Message accepted"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=(auth_data.login.decode(), auth_data.password.decode()) == (USERNAME, PASSWORD))

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.received if message["To"] == address]


@pytest.fixture
async def inbox() -> AsyncIterator[tuple[Inbox, Settings]]:
    """A running SMTP server and the settings that send to it (with credentials)."""
    handler = Inbox()
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(handler, hostname="inbox.test", authenticator=handler.authenticate, auth_require_tls=False),
        "127.0.0.1",
        0,
    )
    port = server.sockets[0].getsockname()[1]
    try:
        yield handler, Settings(smtp_url=f"smtp://{USERNAME}:s3cret%3Apass@127.0.0.1:{port}")
    finally:
        server.close()
        await server.wait_closed()


async def drain(app: FastAPI, settings: Settings) -> None:
    """Send until no email is waiting for its first attempt."""
    while True:
        await send_queued_emails(app.state.sessionmaker, settings)
        async with inspection_session(app) as session:
            waiting = await session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.kind == "email", Message.status == "queued", Message.send_attempts == 0)
            )
        if not waiting:
            return


async def send_code(client: httpx.AsyncClient, address: str | None = None) -> tuple[str, str]:
    """A user whose email address gets a verification code; returns (address, code)."""
    user = await make_user(client, email_address=[address or unique_email("smtp")])
    email_address = user["email_addresses"][0]
    response = await client.post(f"/v1/email_addresses/{email_address['id']}/prepare_verification")
    assert response.status_code == 200, response.text
    return email_address["email_address"], await messaged_code(client, email_address["email_address"])


async def queue_email(app: FastAPI, instance: InstanceKeys, *, to_address: str, data_json: str = "{}") -> str:
    """An email row as a database may hold it (written by hand, or by an older locum), first in the queue."""
    message_id = new_id("email")
    async with inspection_session(app) as session:
        await session.execute(
            insert(Message).values(
                id=message_id,
                instance_id=instance.instance_id,
                kind="email",
                slug="verification_code",
                from_address="notifications@locum.test",
                to_address=to_address,
                subject="Hello",
                body="<p>Hello</p>",
                body_plain="Hello",
                status="queued",
                delivered_by_clerk=True,
                data=stored_json(session, data_json),
                send_attempts=0,
                created_at=0,
                updated_at=0,
            )
        )
        await session.commit()
    return message_id


async def message_by_id(client: httpx.AsyncClient, message_id: str) -> dict[str, Any]:
    response = await client.get(f"/locum/messages/{message_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def message_to(client: httpx.AsyncClient, address: str) -> dict[str, Any]:
    [message] = (await client.get("/locum/messages", params={"to": address})).json()["data"]
    return dict(message)


async def test_a_verification_code_reaches_the_smtp_server(
    app: FastAPI, client: httpx.AsyncClient, inbox: tuple[Inbox, Settings]
) -> None:
    handler, settings = inbox
    address, code = await send_code(client)
    assert (await message_to(client, address))["status"] == "queued"
    await drain(app, settings)

    [received] = handler.to(address)
    message = await message_to(client, address)
    assert (message["status"], message["send_attempts"], message["error"]) == ("sent", 0, None)
    assert received["From"] == message["from"] and received["Subject"] == f"{code} is your verification code"
    assert message["id"] in received["Message-ID"]
    plain = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert code in plain.get_content().splitlines() and code in html.get_content()
    assert (USERNAME, PASSWORD) in handler.logins


async def test_without_an_smtp_url_emails_stay_queued(app: FastAPI, client: httpx.AsyncClient) -> None:
    address, _ = await send_code(client)
    assert await send_queued_emails(app.state.sessionmaker, Settings(smtp_url=None)) == 0
    assert (await message_to(client, address))["status"] == "queued"


async def test_self_delivered_and_sms_messages_are_not_sent(
    app: FastAPI, client: httpx.AsyncClient, inbox: tuple[Inbox, Settings]
) -> None:
    handler, settings = inbox
    toggled = await client.post(
        "/v1/templates/email/verification_code/toggle_delivery", json={"delivered_by_clerk": False}
    )
    assert toggled.status_code == 200
    address, _ = await send_code(client)
    user = await make_user(client, phone_number=["+14155552680"])
    await client.post(f"/v1/phone_numbers/{user['phone_numbers'][0]['id']}/prepare_verification")
    await drain(app, settings)
    assert handler.to(address) == []
    assert (await message_to(client, address))["status"] == "delivered_elsewhere"
    assert (await message_to(client, "+14155552680"))["status"] == "queued"


async def test_a_refused_recipient_does_not_stop_the_others(
    app: FastAPI, client: httpx.AsyncClient, inbox: tuple[Inbox, Settings]
) -> None:
    handler, settings = inbox
    refused, _ = await send_code(client)
    accepted, _ = await send_code(client)
    handler.refused.add(refused)
    await drain(app, settings)
    assert handler.to(refused) == [] and len(handler.to(accepted)) == 1
    failed = await message_to(client, refused)
    assert (failed["status"], failed["send_attempts"]) == ("queued", 1)
    assert "550" in failed["error"] and "No such mailbox" in failed["error"]
    assert (await message_to(client, accepted))["status"] == "sent"


@pytest.mark.parametrize(
    ("to_address", "reason"),
    [
        pytest.param("jörg@example.com", "SMTPUTF8", id="an-address-the-server-cannot-take"),
        pytest.param("", "No recipient", id="no-address"),
        pytest.param("a@example.com\r\nBcc: b@example.com", "linefeed", id="a-header-python-refuses"),
    ],
)
async def test_an_email_that_cannot_be_sent_fails_and_the_next_is_sent(
    app: FastAPI,
    client: httpx.AsyncClient,
    instance: InstanceKeys,
    inbox: tuple[Inbox, Settings],
    to_address: str,
    reason: str,
) -> None:
    handler, settings = inbox
    unsendable_id = await queue_email(app, instance, to_address=to_address)
    address, code = await send_code(client)
    await drain(app, settings)

    [received] = handler.to(address)
    assert code in received["Subject"]
    assert (await message_to(client, address))["status"] == "sent"
    unsendable = await message_by_id(client, unsendable_id)
    assert unsendable["status"] == "failed" and reason in unsendable["error"]
    await drain(app, settings)
    assert len(handler.to(address)) == 1


async def test_an_email_whose_data_cannot_be_read_is_sent_and_listed(
    app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, inbox: tuple[Inbox, Settings]
) -> None:
    handler, settings = inbox
    address = unique_email("smtp")
    message_id = await queue_email(app, instance, to_address=address, data_json=TOO_DEEP_TO_READ)
    await drain(app, settings)

    assert len(handler.to(address)) == 1
    message = await message_by_id(client, message_id)
    assert (message["status"], message["data"], message["otp_code"]) == ("sent", None, None)
    listed = await client.get("/locum/messages")
    assert listed.status_code == 200 and message in listed.json()["data"]


async def test_a_database_fault_with_one_email_fails_only_that_email(
    app: FastAPI,
    client: httpx.AsyncClient,
    instance: InstanceKeys,
    inbox: tuple[Inbox, Settings],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler, settings = inbox
    unstorable_id = await queue_email(app, instance, to_address=unique_email("smtp"))
    mime = smtp._mime

    def unstorable_claim(message: Message) -> EmailMessage:
        # No BIGINT holds this: the database refuses the claim of this one row.
        if message.id == unstorable_id:
            message.updated_at = 2**70
        return mime(message)

    monkeypatch.setattr(smtp, "_mime", unstorable_claim)
    address, _ = await send_code(client)
    with caplog.at_level("ERROR", logger="locum.outbox"):
        await drain(app, settings)

    assert len(handler.to(address)) == 1
    unstorable = await message_by_id(client, unstorable_id)
    assert (unstorable["status"], unstorable["send_attempts"]) == ("failed", 0)
    assert any(unstorable_id in record.getMessage() for record in caplog.records)


async def test_retries_on_schedule_then_fails(app: FastAPI, client: httpx.AsyncClient) -> None:
    unreachable = Settings(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    start = clock.now_ms()
    with frozen_clock(start) as move_to:
        address, _ = await send_code(client)
        await send_queued_emails(app.state.sessionmaker, unreachable)
        at = start
        for attempts, delay in enumerate(RETRY_DELAYS_MS, start=1):
            message = await message_to(client, address)
            assert (message["status"], message["send_attempts"]) == ("queued", attempts)
            assert message["error"] and "Connect" in message["error"]
            move_to(at + delay - 1)
            await send_queued_emails(app.state.sessionmaker, unreachable)
            assert (await message_to(client, address))["send_attempts"] == attempts, "retried too early"
            at += delay
            move_to(at)
            await send_queued_emails(app.state.sessionmaker, unreachable)
    message = await message_to(client, address)
    assert (message["status"], message["send_attempts"]) == ("failed", MAX_SEND_ATTEMPTS)


async def test_two_senders_never_send_an_email_twice(
    app: FastAPI, client: httpx.AsyncClient, inbox: tuple[Inbox, Settings]
) -> None:
    handler, settings = inbox
    await drain(app, settings)
    addresses = [(await send_code(client))[0] for _ in range(120)]

    async def sender() -> int:
        total = 0
        while sent := await send_queued_emails(app.state.sessionmaker, settings):
            total += sent
        return total

    totals = await asyncio.gather(sender(), sender())
    assert sum(totals) >= len(addresses)
    assert all(len(handler.to(address)) == 1 for address in addresses)
    assert len({message["Message-ID"] for message in handler.received}) == len(handler.received)


async def test_the_sender_loop_sends_as_emails_are_queued(
    app: FastAPI, client: httpx.AsyncClient, inbox: tuple[Inbox, Settings]
) -> None:
    handler, settings = inbox
    stop = asyncio.Event()
    sender = asyncio.create_task(run_email_sender(app.state.sessionmaker, settings, stop=stop))
    try:
        address, code = await send_code(client)
        deadline = time.monotonic() + DELIVERY_WAIT_S
        while not handler.to(address) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        [received] = handler.to(address)
        assert code in received["Subject"]
    finally:
        stop.set()
        await asyncio.wait_for(sender, DELIVERY_WAIT_S)


async def test_the_sender_loop_needs_a_usable_smtp_url(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    stop = asyncio.Event()
    await asyncio.wait_for(run_email_sender(app.state.sessionmaker, Settings(smtp_url=None), stop=stop), 1)
    with caplog.at_level("ERROR", logger="locum.messages"):
        await asyncio.wait_for(run_email_sender(app.state.sessionmaker, Settings(smtp_url="mail.test"), stop=stop), 1)
    assert any("LOCUM_SMTP_URL" in message for message in caplog.messages)
