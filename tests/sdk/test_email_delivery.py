"""`locum serve` with LOCUM_SMTP_URL: a verification code asked for through the official SDK arrives
at a real SMTP server (aiosmtpd) started here, and /locum/messages shows the email as sent."""

import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from clerk_backend_api import Clerk

from tests.builders import free_port, unique_email
from tests.sdk.conftest import NO_RETRIES, LocumServer, start_server, stop_server
from tests.verification_codes import served_code

DELIVERY_WAIT_S = 10


class Inbox:
    """An aiosmtpd handler (run in the controller's thread) keeping every email it accepts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self._received.append(parsed)
        return "250 Message accepted"

    def wait_for(self, address: str) -> EmailMessage:
        deadline = time.monotonic() + DELIVERY_WAIT_S
        while time.monotonic() < deadline:
            with self._lock:
                found = [message for message in self._received if message["To"] == address]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no email reached the SMTP server for {address}")


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(tmp_path: Path, smtp_inbox: tuple[Inbox, int]) -> Iterator[tuple[LocumServer, Inbox]]:
    inbox, port = smtp_inbox
    running = start_server(tmp_path, extra_env={"LOCUM_SMTP_URL": f"smtp://127.0.0.1:{port}"})
    try:
        yield running, inbox
    finally:
        stop_server(running)


def test_verification_code_email_reaches_the_smtp_server(smtp_server: tuple[LocumServer, Inbox]) -> None:
    server, inbox = smtp_server
    address = unique_email("sdksmtp")
    with Clerk(bearer_auth=server.secret_key, server_url=server.api_url, retry_config=NO_RETRIES) as clerk:
        user = clerk.users.create(email_address=[address])
        clerk.email_addresses.prepare_verification(email_address_id=user.email_addresses[0].id)
    code = served_code(server.origin, server.secret_key, address)

    received = inbox.wait_for(address)
    assert received["Subject"] == f"{code} is your verification code"
    plain = received.get_body(preferencelist=("plain",))
    assert plain is not None and code in plain.get_content().splitlines()

    headers = {"Authorization": f"Bearer {server.secret_key}"}
    deadline = time.monotonic() + DELIVERY_WAIT_S
    while True:
        [message] = httpx.get(f"{server.origin}/locum/messages", params={"to": address}, headers=headers).json()["data"]
        if message["status"] == "sent" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert (message["status"], message["otp_code"]) == ("sent", code)
