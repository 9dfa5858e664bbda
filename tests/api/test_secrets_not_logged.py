"""Secrets are never logged: a verification code and an invitation's ticket reach the developer only
through /locum/messages (and the creating response, for an invitation's link), never a log record,
whatever the level."""

import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from locum.app import create_app
from locum.settings import Settings
from tests.builders import logged_text, make_organization, make_user, unique_email
from tests.conftest import TEST_MASTER_KEY
from tests.verification_codes import messaged_code


def ticket_of(url: str) -> str:
    ticket: str = parse_qs(urlsplit(url).query)["__clerk_ticket"][0]
    return ticket


class TestNothingSecretIsLogged:
    async def test_verification_codes_are_not_logged(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        user = await make_user(client, phone_number=["+14155552671"])
        email_id = user["email_addresses"][0]["id"]
        phone_id = user["phone_numbers"][0]["id"]
        with caplog.at_level(logging.DEBUG):
            emailed = await client.post(f"/v1/email_addresses/{email_id}/prepare_verification")
            texted = await client.post(f"/v1/phone_numbers/{phone_id}/prepare_verification")
        assert emailed.status_code == texted.status_code == 200
        codes = [
            await messaged_code(client, user["email_addresses"][0]["email_address"]),
            await messaged_code(client, "+14155552671"),
        ]
        logged = logged_text(caplog)
        # The capture works: each request left its access line.
        assert "prepare_verification 200" in logged
        for code in codes:
            assert code not in logged

    async def test_invitation_tickets_are_not_logged(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        creator = await make_user(client)
        organization = await make_organization(client, name="Acme", created_by=creator["id"])
        with caplog.at_level(logging.DEBUG):
            organization_invitation = await client.post(
                f"/v1/organizations/{organization['id']}/invitations",
                json={"email_address": unique_email("orginv"), "role": "org:member"},
            )
            invitation = await client.post("/v1/invitations", json={"email_address": unique_email("inv")})
        assert organization_invitation.status_code == invitation.status_code == 200
        logged = logged_text(caplog)
        assert "/invitations 200" in logged
        for response in (organization_invitation, invitation):
            ticket = ticket_of(response.json()["url"])
            assert ticket not in logged

    async def test_the_start_up_banner_is_printed_not_logged(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
    ) -> None:
        settings = Settings(database_url="sqlite:///:memory:", data_dir=tmp_path, master_key=TEST_MASTER_KEY)
        application = create_app(settings)
        with caplog.at_level(logging.DEBUG):
            async with application.router.lifespan_context(application):
                pass
        printed = capsys.readouterr().err
        secret_key = next(line for line in printed.splitlines() if line.startswith("CLERK_SECRET_KEY="))
        assert secret_key.removeprefix("CLERK_SECRET_KEY=").startswith("sk_test_")
        assert secret_key.partition("=")[2] not in logged_text(caplog)
