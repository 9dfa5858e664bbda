"""The shared test helpers: builders of test data (through the API, or as rows where a test is not
about the API that makes them) and readers of Clerk's error envelope."""

import datetime
import io
import itertools
import logging
import secrets
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import (
    BillingPayer,
    BillingPlan,
    BillingPrice,
    BillingSubscription,
    BillingSubscriptionItem,
    EmailAddress,
    InstanceConfiguration,
    Organization,
    OrganizationMembership,
    OrganizationSettings,
    PhoneNumber,
    Role,
    User,
    Web3Wallet,
)
from locum.db.scoping import ACROSS_INSTANCES_INFO
from locum.instances.configuration import RESTRICTIONS
from locum.kit.ids import new_id
from locum.logs import TEXT_FORMAT, JsonFormatter
from tests.conftest import RecordedEvents

_sequence = itertools.count(1)


def inspection_session(app: FastAPI) -> AsyncSession:
    """A session for a test's own look at (or set-up of) the database: unlike locum's, its statements
    need not be filtered on one instance (db/scoping.py)."""
    session: AsyncSession = app.state.sessionmaker(info=dict(ACROSS_INSTANCES_INFO))
    return session


# users' column holding its primary's value (migration 0020) -> that value, looked up
PRIMARY_VALUES = (
    (
        User.primary_email_address_normalized,
        select(EmailAddress.email_address_normalized).where(EmailAddress.id == User.primary_email_address_id),
    ),
    (User.primary_phone_number, select(PhoneNumber.phone_number).where(PhoneNumber.id == User.primary_phone_number_id)),
    (
        User.primary_web3_wallet_normalized,
        select(Web3Wallet.web3_wallet_normalized).where(Web3Wallet.id == User.primary_web3_wallet_id),
    ),
)


async def primary_values_out_of_step(app: FastAPI, instance_id: str) -> list[tuple[str, str]]:
    """(user id, column) of the instance's users whose stored primary value is not their primary's."""
    out_of_step = []
    async with inspection_session(app) as session:
        for stored, looked_up in PRIMARY_VALUES:
            differing = select(User.id).where(
                User.instance_id == instance_id, stored.is_distinct_from(looked_up.scalar_subquery())
            )
            out_of_step += [(user_id, stored.key) for user_id in await session.scalars(differing)]
    return out_of_step


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as each log format would write it: message, arguments, `extra` fields, traceback."""
    formatters = (logging.Formatter(TEXT_FORMAT), JsonFormatter())
    return "\n".join(formatter.format(record) for record in caplog.records for formatter in formatters)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}{next(_sequence)}@example.com"


async def make_user(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"email_address": [unique_email()]}
    body.update(overrides)
    response = await client.post("/v1/users", json=body)
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()
    return user


async def make_organization(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/organizations", json={"name": "Acme", **body})
    assert response.status_code == 200, response.text
    organization: dict[str, Any] = response.json()
    return organization


def image_bytes(fmt: str, size: tuple[int, int] = (3, 2), color: tuple[int, int, int] = (200, 30, 90)) -> bytes:
    """A small valid image in Pillow's format `fmt` ("PNG", "GIF", …), for upload tests."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def png_bytes(color: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    """A small valid PNG image, for upload tests."""
    return image_bytes("PNG", (4, 3), color)


async def make_session(client: httpx.AsyncClient, user_id: str, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/sessions", json={"user_id": user_id, **overrides})
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return session


async def sign_in_token(client: httpx.AsyncClient, user_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/sign_in_tokens", json={"user_id": user_id, **body})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


async def make_member_with_permissions(
    client: httpx.AsyncClient, permission_keys: list[str], role_key: str = "org:billing_admin"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A user who is a member of a new organization through a role holding `permission_keys`;
    returns (user, organization)."""
    permission_ids = []
    for key in permission_keys:
        created = await client.post("/v1/organization_permissions", json={"name": key, "key": key, "description": ""})
        assert created.status_code == 200, created.text
        permission_ids.append(created.json()["id"])
    role = await client.post(
        "/v1/organization_roles",
        json={"name": "Billing admin", "key": role_key, "description": "", "permissions": permission_ids},
    )
    assert role.status_code == 200, role.text
    user = await make_user(client)
    organization = await client.post("/v1/organizations", json={"name": "Acme"})
    assert organization.status_code == 200, organization.text
    membership = await client.post(
        f"/v1/organizations/{organization.json()['id']}/memberships", json={"user_id": user["id"], "role": role_key}
    )
    assert membership.status_code == 200, membership.text
    return user, organization.json()


async def insert_organization(
    app: FastAPI,
    instance_id: str,
    *,
    name: str = "Acme",
    max_allowed_memberships: int = 0,
    members: dict[str, str] | None = None,
) -> dict[str, str]:
    """An organization row (and memberships: user id -> role key) inserted directly, for tests that
    are not about CreateOrganization; returns its id, name and slug."""
    organization_id = new_id("organization")
    slug = f"org-{organization_id[-10:].lower()}"
    async with inspection_session(app) as session:
        session.add(
            Organization(
                id=organization_id,
                instance_id=instance_id,
                name=name,
                slug=slug,
                max_allowed_memberships=max_allowed_memberships,
            )
        )
        for user_id, role_key in (members or {}).items():
            role_id = await session.scalar(select(Role.id).where(Role.instance_id == instance_id, Role.key == role_key))
            assert role_id is not None
            session.add(
                OrganizationMembership(
                    id=new_id("organization_membership"),
                    instance_id=instance_id,
                    organization_id=organization_id,
                    user_id=user_id,
                    role_id=role_id,
                )
            )
        await session.commit()
    return {"id": organization_id, "name": name, "slug": slug}


async def set_organization_settings(app: FastAPI, instance_id: str, **values: Any) -> None:
    """Writes the instance's organization settings row directly."""
    async with inspection_session(app) as session:
        await session.execute(
            update(OrganizationSettings).where(OrganizationSettings.instance_id == instance_id).values(**values)
        )
        await session.commit()


async def event_types(recorded_events: RecordedEvents) -> list[str]:
    """The types of the events recorded for the test's instance, oldest first."""
    return [kind for kind, _ in await recorded_events()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], what: str, *, within_s: float) -> None:
    """Polls `condition` until it holds; fails the test with `what` after `within_s` seconds."""
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {within_s}s: {what}")
        time.sleep(0.05)


def error_code(response: httpx.Response) -> str:
    """The code of the first error in a Clerk error envelope."""
    code: str = response.json()["errors"][0]["code"]
    return code


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The first error of a Clerk error envelope."""
    error: dict[str, Any] = response.json()["errors"][0]
    return error


def clerk_error(response: httpx.Response) -> tuple[int, str, str | None]:
    """(status, code, meta.param_name) of the first error in a Clerk error envelope."""
    error = response.json()["errors"][0]
    return response.status_code, error["code"], (error.get("meta") or {}).get("param_name")


async def make_oauth_application(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """An OAuth application (with its client_secret, shown only now)."""
    response = await client.post("/v1/oauth_applications", json={"name": "Acme OAuth", **body})
    assert response.status_code == 200, response.text
    application: dict[str, Any] = response.json()
    return application


async def issue_oauth_access_token(
    client: httpx.AsyncClient, application_id: str, user_id: str, **body: Any
) -> dict[str, Any]:
    """An OAuth access token the user granted the application, from locum's issuing endpoint."""
    response = await client.post(
        f"/locum/oauth_applications/{application_id}/access_tokens", json={"user_id": user_id, **body}
    )
    assert response.status_code == 200, response.text
    issued: dict[str, Any] = response.json()
    return issued


async def make_api_key(client: httpx.AsyncClient, subject: str, **body: Any) -> dict[str, Any]:
    """An API key for `subject` (with its `secret`), made through POST /v1/api_keys."""
    response = await client.post("/v1/api_keys", json={"name": f"key {next(_sequence)}", "subject": subject, **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# -- machines and M2M tokens ---------------------------------------------------------------------


async def make_machine(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """A machine made through CreateMachine: its JSON, with its `secret_key`."""
    response = await client.post("/v1/machines", json={"name": "worker", **body})
    assert response.status_code == 200, response.text
    machine: dict[str, Any] = response.json()
    return machine


async def make_m2m_token(machine_client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """A token minted by the machine whose secret key `machine_client` sends."""
    response = await machine_client.post("/v1/m2m_tokens", json=body)
    assert response.status_code == 201, response.text
    token: dict[str, Any] = response.json()
    return token


async def set_restrictions(app: FastAPI, instance_id: str, **values: bool) -> None:
    """Sets the instance's `restrictions` settings (instances/configuration.py) directly."""
    async with inspection_session(app) as session:
        configuration = select(InstanceConfiguration).where(InstanceConfiguration.instance_id == instance_id)
        row = await session.scalar(configuration)
        assert row is not None
        row.values = {**row.values, RESTRICTIONS: {**row.values.get(RESTRICTIONS, {}), **values}}
        await session.commit()


async def make_redirect_url(client: httpx.AsyncClient, url: str = "https://app.example.com/callback") -> dict[str, Any]:
    response = await client.post("/v1/redirect_urls", json={"url": url})
    assert response.status_code == 200, response.text
    redirect_url: dict[str, Any] = response.json()
    return redirect_url


async def make_satellite_domain(
    client: httpx.AsyncClient, name: str = "satellite.example.com", **body: Any
) -> dict[str, Any]:
    response = await client.post("/v1/domains", json={"name": name, "is_satellite": True, **body})
    assert response.status_code == 200, response.text
    domain: dict[str, Any] = response.json()
    return domain


def idp_certificate_pem(
    common_name: str = "idp.example.com",
    *,
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
) -> str:
    """A self-signed X.509 certificate, as an IdP signs its SAML assertions with (valid for a year
    from an hour ago unless told)."""
    now = datetime.datetime.now(datetime.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - datetime.timedelta(hours=1))
        .not_valid_after(not_after or now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def certificate_body(pem: str) -> str:
    """The base64 DER inside a PEM certificate, on one line (as SAML metadata carries it)."""
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


def idp_metadata_xml(
    *,
    entity_id: str = "https://idp.example.com/metadata",
    sso_url: str = "https://idp.example.com/sso",
    certificate_pem: str | None = None,
    binding: str = "HTTP-Redirect",
) -> str:
    """SAML 2.0 IdP metadata: an EntityDescriptor with a signing key and a single sign-on service."""
    certificate = certificate_body(certificate_pem or idp_certificate_pem())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:{binding}" Location="{sso_url}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


async def make_enterprise_connection(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """A SAML (saml_custom) enterprise connection on a unique domain unless `body` says otherwise."""
    payload = {"name": "Acme SSO", "provider": "saml_custom", "domains": [f"{secrets.token_hex(4)}.example.com"]}
    response = await client.post("/v1/enterprise_connections", json=payload | body)
    assert response.status_code == 201, response.text
    connection: dict[str, Any] = response.json()
    return connection


async def make_saml_connection(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    payload = {"name": "Acme SAML", "provider": "saml_custom", "domains": [f"{secrets.token_hex(4)}.example.com"]}
    response = await client.post("/v1/saml_connections", json=payload | body)
    assert response.status_code == 200, response.text
    connection: dict[str, Any] = response.json()
    return connection


async def make_directory(
    client: httpx.AsyncClient, enterprise_connection_id: str, *, path: str = "/v1/scim_directories", **body: Any
) -> dict[str, Any]:
    """A directory made through CreateSCIMDirectory (or CreateDirectory with `path`), with its api_key."""
    response = await client.post(
        path, json={"enterprise_connection_id": enterprise_connection_id, "provider": "okta", **body}
    )
    assert response.status_code == 200, response.text
    directory: dict[str, Any] = response.json()
    return directory


async def make_plan(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """A billing plan made through /locum/billing/plans (Clerk's dashboard); $10/month by default."""
    defaults: dict[str, Any] = {"name": "Pro", "slug": f"pro_{secrets.token_hex(3)}", "monthly_fee": 1000}
    response = await client.post("/locum/billing/plans", json=defaults | body)
    assert response.status_code == 200, response.text
    plan: dict[str, Any] = response.json()
    return plan


async def subscribe(client: httpx.AsyncClient, payer: str, plan_id: str, **body: Any) -> dict[str, Any]:
    """Checkout: `payer` (a user or organization id) subscribes to `plan_id`; the payer's subscription."""
    response = await client.post("/locum/billing/subscriptions", json={"payer": payer, "plan_id": plan_id, **body})
    assert response.status_code == 200, response.text
    subscription: dict[str, Any] = response.json()
    return subscription


async def adjust_credits(
    client: httpx.AsyncClient,
    owner_path: str,
    amount: int,
    *,
    action: str = "increase",
    idempotency_key: str | None = None,
    **body: Any,
) -> dict[str, Any]:
    """A credit adjustment of `owner_path` (`/v1/users/{id}` or `/v1/organizations/{id}`): its ledger entry."""
    key = idempotency_key or f"adjustment-{next(_sequence)}"
    response = await client.post(
        f"{owner_path}/billing/credits",
        json={"amount": amount, "action": action, "idempotency_key": key, **body},
    )
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = response.json()
    return entry


async def insert_subscription_item(
    app: FastAPI,
    instance_id: str,
    *,
    user_id: str,
    amount: int = 2000,
    annual_monthly_amount: int = 1600,
    plan_period: str = "month",
    status: str = "active",
) -> str:
    """A paid plan's subscription item for the user, inserted directly (plan, price, payer,
    subscription and item rows) in any status, for tests that are not about subscribing (billing's
    checkout, /locum/billing/subscriptions, makes them as an app would); returns the item's id."""
    async with inspection_session(app) as session:
        plan_id, price_id = new_id("billing_plan"), new_id("billing_price")
        subscription_id, item_id = new_id("billing_subscription"), new_id("billing_subscription_item")
        payer_id = await session.scalar(
            select(BillingPayer.id).where(BillingPayer.instance_id == instance_id, BillingPayer.user_id == user_id)
        )
        if payer_id is None:
            payer_id = new_id("billing_payer")
            session.add(BillingPayer(id=payer_id, instance_id=instance_id, user_id=user_id))
        session.add(
            BillingPlan(
                id=plan_id,
                instance_id=instance_id,
                name="Pro",
                slug=f"pro-{plan_id[-8:].lower()}",
                payer_type="user",
                product_id=new_id("billing_product"),
            )
        )
        session.add(
            BillingPrice(
                id=price_id,
                instance_id=instance_id,
                plan_id=plan_id,
                amount=amount,
                annual_monthly_amount=annual_monthly_amount,
                is_default=True,
            )
        )
        live = status not in ("ended", "abandoned")
        session.add(
            BillingSubscription(
                id=subscription_id, instance_id=instance_id, payer_id=payer_id, status="active" if live else "ended"
            )
        )
        session.add(
            BillingSubscriptionItem(
                id=item_id,
                instance_id=instance_id,
                subscription_id=subscription_id,
                payer_id=payer_id,
                plan_id=plan_id,
                price_id=price_id,
                plan_period=plan_period,
                status=status,
                period_start=0,
            )
        )
        await session.commit()
    return item_id


async def make_discount(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """A discount defined through /locum/billing/discounts (20% off forever unless `body` says otherwise)."""
    response = await client.post(
        "/locum/billing/discounts", json={"name": "Launch", "effect": "percentage", "percent_off": 20, **body}
    )
    assert response.status_code == 200, response.text
    discount: dict[str, Any] = response.json()
    return discount
