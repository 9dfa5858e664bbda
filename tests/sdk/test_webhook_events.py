"""Every event type locum produces reaches a real receiver on loopback after the API call that causes
it, signed so that Svix's own library verifies it, with the envelope and `data` the webhooks spec gives.

One `locum serve` delivers to LOCUM_WEBHOOK_URL (the one-endpoint set-up a dev machine or CI job
uses), with a fixed LOCUM_WEBHOOK_SECRET, as an app's receiver would be configured.
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from locum.outbox.signing import new_endpoint_secret
from tests.contract.webhook_spec import validate_event_payload
from tests.sdk.conftest import LocumServer, start_server, stop_server
from tests.webhook_delivery import WebhookReceiver

# What locum's features produce today (billing and waitlist events come with those features).
PRODUCED_EVENT_TYPES = {
    "user.created", "user.updated", "user.deleted",
    "session.created", "session.revoked", "session.removed",
    "email.created", "sms.created",
    "organization.created", "organization.updated", "organization.deleted",
    "organizationMembership.created", "organizationMembership.updated", "organizationMembership.deleted",
    "organizationInvitation.created", "organizationInvitation.accepted", "organizationInvitation.revoked",
    "organizationDomain.created", "organizationDomain.updated", "organizationDomain.deleted",
    "role.created", "role.updated", "role.deleted",
    "permission.created", "permission.updated", "permission.deleted",
}  # fmt: skip
WAIT_S = 20.0


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


@pytest.fixture(scope="module")
def secret() -> str:
    return new_endpoint_secret()


@pytest.fixture(scope="module")
def delivering_server(
    tmp_path_factory: pytest.TempPathFactory, receiver: WebhookReceiver, secret: str
) -> Iterator[LocumServer]:
    data_dir: Path = tmp_path_factory.mktemp("webhook-events")
    running = start_server(data_dir, extra_env={"LOCUM_WEBHOOK_URL": receiver.url, "LOCUM_WEBHOOK_SECRET": secret})
    yield running
    stop_server(running)


def call(api: httpx.Client, method: str, path: str, body: dict[str, object] | None = None) -> dict[str, object]:
    response = api.request(method, path, json=body)
    assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
    return response.json() if response.content else {}


def produce_every_event_type(api: httpx.Client) -> None:
    owner = call(api, "POST", "/v1/users", {"email_address": ["owner@example.com"], "phone_number": ["+14155552671"]})
    member = call(api, "POST", "/v1/users", {"email_address": ["member@example.com"]})
    call(api, "PATCH", f"/v1/users/{owner['id']}", {"first_name": "Ada"})
    call(api, "POST", f"/v1/email_addresses/{owner['primary_email_address_id']}/prepare_verification",
         {"strategy": "email_code"})  # fmt: skip
    call(api, "POST", f"/v1/phone_numbers/{owner['primary_phone_number_id']}/prepare_verification",
         {"strategy": "phone_code"})  # fmt: skip
    session = call(api, "POST", "/v1/sessions", {"user_id": owner["id"]})
    call(api, "POST", f"/v1/sessions/{session['id']}/revoke")
    permission = call(api, "POST", "/v1/organization_permissions",
                      {"name": "Read invoices", "key": "org:invoices:read", "description": ""})  # fmt: skip
    call(api, "PATCH", f"/v1/organization_permissions/{permission['id']}", {"name": "Read all invoices"})
    auditor = {"name": "Auditor", "key": "org:auditor", "description": "", "permissions": [permission["id"]]}
    role = call(api, "POST", "/v1/organization_roles", auditor)
    call(api, "PATCH", f"/v1/organization_roles/{role['id']}", {"name": "Senior auditor"})
    call(api, "DELETE", f"/v1/organization_roles/{role['id']}")
    call(api, "DELETE", f"/v1/organization_permissions/{permission['id']}")
    organization = call(api, "POST", "/v1/organizations", {"name": "Acme", "created_by": owner["id"]})
    org = f"/v1/organizations/{organization['id']}"
    call(api, "PATCH", org, {"name": "Acme Corp"})
    call(api, "POST", f"{org}/memberships", {"user_id": member["id"], "role": "org:member"})
    call(api, "PATCH", f"{org}/memberships/{member['id']}", {"role": "org:admin"})
    call(api, "DELETE", f"{org}/memberships/{member['id']}")
    revoked = call(api, "POST", f"{org}/invitations", {"email_address": "someone@example.com", "role": "org:member"})
    call(api, "POST", f"{org}/invitations/{revoked['id']}/revoke", {})
    accepted = call(api, "POST", f"{org}/invitations", {"email_address": "member@example.com", "role": "org:member"})
    call(api, "POST", f"/locum/organization_invitations/{accepted['id']}/accept", {"user_id": member["id"]})
    call(api, "PATCH", "/v1/instance/organization_settings", {"domains_enabled": True})
    domain = call(api, "POST", f"{org}/domains", {"name": "acme-corp.com"})
    call(api, "PATCH", f"{org}/domains/{domain['id']}", {"enrollment_mode": "manual_invitation"})
    call(api, "DELETE", f"{org}/domains/{domain['id']}")
    call(api, "DELETE", org)
    call(api, "POST", "/v1/sessions", {"user_id": member["id"]})
    call(api, "DELETE", f"/v1/users/{member['id']}")


def test_every_produced_event_type_is_delivered_signed_and_as_the_spec_gives_it(
    delivering_server: LocumServer, receiver: WebhookReceiver, secret: str
) -> None:
    headers = {"Authorization": f"Bearer {delivering_server.secret_key}"}
    with httpx.Client(base_url=delivering_server.origin, headers=headers) as api:
        produce_every_event_type(api)
        recorded = call(api, "GET", "/locum/webhooks/messages", None)
    expected = int(recorded["total_count"])  # type: ignore[call-overload]
    delivered = receiver.wait_for(expected, timeout=WAIT_S)
    payloads = [request.verified(secret) for request in delivered]
    assert {payload["type"] for payload in payloads} == PRODUCED_EVENT_TYPES
    assert len({request.svix_id for request in delivered}) == len(delivered) == expected
    problems = [problem for payload in payloads for problem in validate_event_payload(payload)]
    assert not problems, "\n".join(problems)
    for payload in payloads:
        assert payload["object"] == "event" and payload["instance_id"].startswith("ins_")
        assert payload["event_attributes"]["http_request"]["user_agent"].startswith("python-httpx/")
