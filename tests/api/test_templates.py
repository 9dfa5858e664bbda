"""Email & SMS Templates operations: list, get, upsert, revert, preview and toggle delivery, over
Clerk's system templates and an instance's overrides (every response is checked against the spec)."""

from typing import Any

import httpx
import pytest

from locum.messages.catalogue import SYSTEM_TEMPLATES_TIMESTAMP
from tests.builders import error_code
from tests.verification_codes import frozen_clock

T0 = 1_800_000_000_000
EMAIL_SLUGS = [
    "verification_code",
    "reset_password_code",
    "magic_link_sign_in",
    "invitation",
    "organization_invitation",
    "waitlist_confirmation",
    "waitlist_invitation",
]
SMS_SLUGS = ["verification_code", "reset_password_code"]


async def get(client: httpx.AsyncClient, template_type: str, slug: str) -> dict[str, Any]:
    response = await client.get(f"/v1/templates/{template_type}/{slug}")
    assert response.status_code == 200, response.text
    template: dict[str, Any] = response.json()
    return template


async def upsert(client: httpx.AsyncClient, template_type: str, slug: str, **body: Any) -> httpx.Response:
    return await client.put(f"/v1/templates/{template_type}/{slug}", json=body)


class TestGetTemplateList:
    async def test_system_templates_by_position(self, client: httpx.AsyncClient) -> None:
        emails = (await client.get("/v1/templates/email")).json()
        assert [t["slug"] for t in emails] == EMAIL_SLUGS
        assert [t["position"] for t in emails] == list(range(len(EMAIL_SLUGS)))
        assert {t["template_type"] for t in emails} == {"email"} and {t["resource_type"] for t in emails} == {"system"}
        sms = (await client.get("/v1/templates/sms")).json()
        assert [t["slug"] for t in sms] == SMS_SLUGS

    async def test_pages_and_paginated_envelope(self, client: httpx.AsyncClient) -> None:
        page = (await client.get("/v1/templates/email", params={"limit": 2, "offset": 1})).json()
        assert [t["slug"] for t in page] == EMAIL_SLUGS[1:3]
        paginated = (await client.get("/v1/templates/email", params={"paginated": "true", "limit": 1})).json()
        assert paginated["total_count"] == len(EMAIL_SLUGS)
        assert [t["slug"] for t in paginated["data"]] == EMAIL_SLUGS[:1]

    async def test_overrides_are_listed_in_place(self, client: httpx.AsyncClient) -> None:
        assert (await upsert(client, "email", "invitation", name="Welcome")).status_code == 200
        listed = (await client.get("/v1/templates/email")).json()
        assert [(t["slug"], t["resource_type"]) for t in listed][2:4] == [
            ("magic_link_sign_in", "system"),
            ("invitation", "user"),
        ]
        assert listed[3]["name"] == "Welcome"

    @pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}])
    async def test_invalid_pages_are_422(self, client: httpx.AsyncClient, params: dict[str, int]) -> None:
        response = await client.get("/v1/templates/email", params=params)
        assert (response.status_code, error_code(response)) == (422, "form_param_value_invalid")

    async def test_unknown_type_is_400(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/templates/fax")
        assert (response.status_code, error_code(response)) == (400, "form_param_value_invalid")
        assert response.json()["errors"][0]["meta"] == {"param_name": "template_type"}


class TestGetTemplate:
    async def test_a_system_email_template(self, client: httpx.AsyncClient) -> None:
        template = await get(client, "email", "verification_code")
        body = template.pop("body")
        assert template == {
            "object": "template",
            "id": "tmpl_S0TjdB1mjEhVNSd1lSbpV6TlVtC",
            "instance_id": None,
            "resource_type": "system",
            "template_type": "email",
            "name": "Verification code",
            "slug": "verification_code",
            "position": 0,
            "can_revert": False,
            "can_delete": False,
            "can_edit_body": True,
            "can_toggle": False,
            "subject": "{{otp_code}} is your verification code",
            "markup": "",
            "available_variables": [
                "app.name",
                "app.url",
                "app.domain_name",
                "app.logo_image_url",
                "app.logo_url",
                "theme.primary_color",
                "theme.button_text_color",
                "theme.show_clerk_branding",
                "otp_code",
                "requested_at",
                "requested_by",
            ],
            "required_variables": ["otp_code"],
            "from_email_name": "notifications",
            "reply_to_email_name": "",
            "delivered_by_clerk": True,
            "enabled": True,
            "flagged_as_suspicious": False,
            "created_at": SYSTEM_TEMPLATES_TIMESTAMP,
            "updated_at": SYSTEM_TEMPLATES_TIMESTAMP,
        }
        assert body.startswith("<!DOCTYPE html>") and "{{otp_code}}" in body

    async def test_a_system_sms_template_has_no_email_fields(self, client: httpx.AsyncClient) -> None:
        template = await get(client, "sms", "verification_code")
        assert (template["subject"], template["body"]) == (None, "Your verification code is {{otp_code}}")
        assert "from_email_name" not in template and "reply_to_email_name" not in template

    @pytest.mark.parametrize(("path", "status"), [("email/welcome", 404), ("fax/verification_code", 400)])
    async def test_unknown_slug_or_type(self, client: httpx.AsyncClient, path: str, status: int) -> None:
        response = await client.get(f"/v1/templates/{path}")
        assert response.status_code == status
        assert error_code(response) == ("resource_not_found" if status == 404 else "form_param_value_invalid")


class TestUpsertTemplate:
    async def test_creates_then_updates_the_instance_override(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        with frozen_clock(T0):
            created = await upsert(
                client,
                "email",
                "verification_code",
                name="Code",
                subject="Code: {{otp_code}}",
                body="<p>{{otp_code}}</p>",
                markup="<mj-text>{{otp_code}}</mj-text>",
                from_email_name="auth",
                reply_to_email_name="support",
            )
        assert created.status_code == 200, created.text
        template = created.json()
        assert template["id"].startswith("tmpl_") and template["id"] != "tmpl_S0TjdB1mjEhVNSd1lSbpV6TlVtC"
        expected = {
            "resource_type": "user",
            "can_revert": True,
            "name": "Code",
            "subject": "Code: {{otp_code}}",
            "body": "<p>{{otp_code}}</p>",
            "markup": "<mj-text>{{otp_code}}</mj-text>",
            "from_email_name": "auth",
            "reply_to_email_name": "support",
            "delivered_by_clerk": True,
            "position": 0,
            "created_at": T0,
            "updated_at": T0,
        }
        assert {key: template[key] for key in expected} == expected
        assert template["instance_id"] and template["instance_id"].startswith("ins_")
        assert await get(client, "email", "verification_code") == template

        with frozen_clock(T0 + 1000):
            updated = (await upsert(client, "email", "verification_code", body="<b>{{{otp_code}}}</b>")).json()
        assert updated == template | {"body": "<b>{{{otp_code}}}</b>", "markup": "", "updated_at": T0 + 1000}
        cleared = (await upsert(client, "email", "verification_code", reply_to_email_name="")).json()
        assert cleared["reply_to_email_name"] == ""
        # Other instances keep Clerk's template.
        assert (await get(other_client, "email", "verification_code"))["resource_type"] == "system"

    async def test_an_sms_body(self, client: httpx.AsyncClient) -> None:
        response = await upsert(client, "sms", "verification_code", body="{{otp_code}} is your code", name="Code")
        assert response.status_code == 200, response.text
        assert (response.json()["body"], response.json()["subject"]) == ("{{otp_code}} is your code", None)

    @pytest.mark.parametrize(
        ("template_type", "body", "param"),
        [
            pytest.param("email", {"body": "<p>no code here</p>"}, "body", id="required-variable-missing"),
            pytest.param("email", {"body": "{{#if otp_code}}{{otp_code}}"}, "body", id="unclosed-block"),
            pytest.param("email", {"body": "{{otp_code}}{{#each x}}{{/each}}"}, "body", id="unsupported-helper"),
            pytest.param("email", {"subject": "{{#if a}}"}, "subject", id="subject-syntax"),
            pytest.param("sms", {"body": "Your code"}, "body", id="sms-required-variable"),
            pytest.param("sms", {"subject": "Hi"}, "subject", id="sms-subject"),
            pytest.param("sms", {"from_email_name": "auth"}, "from_email_name", id="sms-from"),
        ],
    )
    async def test_invalid_templates_are_422(
        self, client: httpx.AsyncClient, template_type: str, body: dict[str, str], param: str
    ) -> None:
        response = await upsert(client, template_type, "verification_code", **body)
        assert (response.status_code, error_code(response)) == (422, "form_param_value_invalid")
        assert response.json()["errors"][0]["meta"] == {"param_name": param}
        assert (await get(client, template_type, "verification_code"))["resource_type"] == "system"

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({"from_email_name": "no spaces"}, "form_param_format_invalid"),
            ({"reply_to_email_name": "a@b.com"}, "form_param_format_invalid"),
            ({"from_email_name": ""}, "form_param_format_invalid"),
            ({"name": ""}, "form_param_min_length_exceeded"),
            ({"from_email_name": "x" * 65}, "form_param_max_length_exceeded"),
            ({"delivered_by_clerk": "sometimes"}, "form_param_type_invalid"),
            ({"colour": "blue"}, "form_param_unknown"),
        ],
    )
    async def test_invalid_fields_are_422(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        response = await upsert(client, "email", "invitation", **body)
        assert (response.status_code, error_code(response)) == (422, code)

    async def test_unknown_slug_or_type(self, client: httpx.AsyncClient) -> None:
        unknown = await upsert(client, "email", "welcome", body="hi")
        assert (unknown.status_code, error_code(unknown)) == (404, "resource_not_found")
        bad_type = await upsert(client, "fax", "verification_code", body="{{otp_code}}")
        assert (bad_type.status_code, error_code(bad_type)) == (400, "form_param_value_invalid")


class TestRevertTemplate:
    async def test_back_to_the_system_template(self, client: httpx.AsyncClient) -> None:
        system = await get(client, "email", "invitation")
        assert (await upsert(client, "email", "invitation", name="Welcome", body="{{action_url}}")).status_code == 200
        reverted = await client.post("/v1/templates/email/invitation/revert")
        assert reverted.status_code == 200 and reverted.json() == system
        assert await get(client, "email", "invitation") == system

    async def test_a_template_without_override_is_already_reverted(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/templates/sms/verification_code/revert")
        assert response.status_code == 200 and response.json() == await get(client, "sms", "verification_code")

    @pytest.mark.parametrize(("path", "status"), [("email/welcome", 404), ("fax/invitation", 400)])
    async def test_unknown_slug_or_type(self, client: httpx.AsyncClient, path: str, status: int) -> None:
        assert (await client.post(f"/v1/templates/{path}/revert")).status_code == status


class TestPreviewTemplate:
    async def test_renders_the_current_template_with_sample_values(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/templates/email/verification_code/preview", json={})
        assert response.status_code == 200, response.text
        preview = response.json()
        assert set(preview) == {"subject", "body", "from_email_address"}
        assert preview["subject"] == "123456 is your verification code"
        assert "123456" in preview["body"] and "{{" not in preview["body"]
        assert preview["from_email_address"].startswith("notifications@")

    async def test_renders_proposed_changes_without_saving_them(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/templates/email/organization_invitation/preview",
            json={
                "subject": "Join {{org.name}}",
                "body": "<p>{{inviter_name}} &rarr; {{org.name}}: {{{action_url}}}</p>",
                "from_email_name": "team",
                "reply_to_email_name": "help",
            },
        )
        assert response.json() == {
            "subject": "Join Acme Inc",
            "body": "<p>Jane Doe &rarr; Acme Inc: https://example.com/accept?__clerk_ticket=sample</p>",
            "from_email_address": response.json()["from_email_address"],
            "reply_to_email_address": response.json()["from_email_address"].replace("team@", "help@"),
        }
        assert response.json()["from_email_address"].startswith("team@")
        assert (await get(client, "email", "organization_invitation"))["resource_type"] == "system"

    async def test_an_sms(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/templates/sms/verification_code/preview", json={"body": "Code {{otp_code}}"})
        assert response.json() == {"body": "Code 123456"}

    @pytest.mark.parametrize(
        ("path", "body", "status"),
        [
            ("email/verification_code", {"body": "{{#if}}"}, 422),
            ("sms/verification_code", {"subject": "Hi"}, 422),
            ("email/welcome", {}, 404),
            ("fax/verification_code", {}, 400),
        ],
    )
    async def test_refusals(self, client: httpx.AsyncClient, path: str, body: dict[str, str], status: int) -> None:
        assert (await client.post(f"/v1/templates/{path}/preview", json=body)).status_code == status


class TestToggleTemplateDelivery:
    async def test_off_and_on(self, client: httpx.AsyncClient) -> None:
        off = await client.post(
            "/v1/templates/sms/verification_code/toggle_delivery", json={"delivered_by_clerk": False}
        )
        assert off.status_code == 200, off.text
        assert off.json() | {"delivered_by_clerk": False, "resource_type": "user", "can_revert": True} == off.json()
        assert (await get(client, "sms", "verification_code"))["delivered_by_clerk"] is False
        on = await client.post("/v1/templates/sms/verification_code/toggle_delivery", json={"delivered_by_clerk": True})
        assert on.json()["delivered_by_clerk"] is True
        reverted = (await client.post("/v1/templates/sms/verification_code/revert")).json()
        assert (reverted["resource_type"], reverted["delivered_by_clerk"]) == ("system", True)

    async def test_keeps_an_override(self, client: httpx.AsyncClient) -> None:
        assert (await upsert(client, "email", "invitation", name="Welcome")).status_code == 200
        toggled = await client.post(
            "/v1/templates/email/invitation/toggle_delivery", json={"delivered_by_clerk": False}
        )
        assert (toggled.json()["name"], toggled.json()["delivered_by_clerk"]) == ("Welcome", False)

    @pytest.mark.parametrize(
        ("path", "body", "status", "code"),
        [
            ("email/invitation", {}, 400, "form_param_missing"),
            ("email/invitation", {"delivered_by_clerk": [False]}, 400, "form_param_type_invalid"),
            ("email/welcome", {"delivered_by_clerk": False}, 404, "resource_not_found"),
            ("fax/invitation", {"delivered_by_clerk": False}, 400, "form_param_value_invalid"),
        ],
    )
    async def test_refusals(
        self, client: httpx.AsyncClient, path: str, body: dict[str, Any], status: int, code: str
    ) -> None:
        response = await client.post(f"/v1/templates/{path}/toggle_delivery", json=body)
        assert (response.status_code, error_code(response)) == (status, code)
