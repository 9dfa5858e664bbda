"""Every Email & SMS Templates operation through Clerk's official Python SDK against `locum serve`.

The server's instance is shared with the other SDK tests: every template changed here is reverted.
"""

from collections.abc import Iterator

import pytest
from clerk_backend_api import Clerk, models


@pytest.fixture
def reverted(clerk: Clerk) -> Iterator[list[tuple[str, str]]]:
    """(type, slug) of templates to revert after the test."""
    touched: list[tuple[str, str]] = []
    yield touched
    for template_type, slug in touched:
        clerk.email_sms_templates.revert(template_type=template_type, slug=slug)


def test_list_and_get(clerk: Clerk) -> None:
    emails = clerk.email_sms_templates.list(template_type="email")
    assert all(isinstance(t, models.Template) for t in emails)
    assert [t.slug for t in emails][:2] == ["verification_code", "reset_password_code"]
    assert [t.position for t in emails] == sorted(t.position for t in emails)
    sms = clerk.email_sms_templates.list(template_type="sms", limit=1, offset=0)
    assert [t.slug for t in sms] == ["verification_code"]

    template = clerk.email_sms_templates.get(template_type="email", slug="verification_code")
    assert template == emails[0]
    assert (template.resource_type, template.can_revert, template.required_variables) == ("system", False, ["otp_code"])
    assert template.object == models.TemplateObject.TEMPLATE and template.from_email_name == "notifications"


def test_upsert_toggle_and_revert(clerk: Clerk, reverted: list[tuple[str, str]]) -> None:
    reverted.append(("email", "invitation"))
    upserted = clerk.email_and_sms_templates.upsert(
        template_type="email",
        slug="invitation",
        name="Welcome aboard",
        subject="Join {{app.name}}",
        body='<p><a href="{{action_url}}">Join</a></p>',
        from_email_name="welcome",
    )
    assert isinstance(upserted, models.Template)
    assert (upserted.resource_type, upserted.name, upserted.from_email_name) == ("user", "Welcome aboard", "welcome")
    assert upserted.can_revert and upserted.instance_id

    toggled = clerk.email_sms_templates.toggle_template_delivery(
        template_type="email", slug="invitation", delivered_by_clerk=False
    )
    assert toggled.delivered_by_clerk is False and toggled.name == "Welcome aboard"

    system = clerk.email_sms_templates.revert(template_type="email", slug="invitation")
    assert (system.resource_type, system.delivered_by_clerk, system.name) == ("system", True, "Invitation")


def test_preview(clerk: Clerk) -> None:
    preview = clerk.templates.preview(
        template_type="email", slug="verification_code", subject="{{otp_code}}!", body="<p>{{otp_code}}</p>"
    )
    # The SDK's model for this response declares no fields.
    assert isinstance(preview, models.PreviewTemplateResponseBody)


def test_errors_are_typed(clerk: Clerk) -> None:
    with pytest.raises(models.ClerkErrors) as missing:
        clerk.email_sms_templates.get(template_type="email", slug="no_such_template")
    assert missing.value.data.errors[0].code == "resource_not_found"
    with pytest.raises(models.ClerkErrors) as invalid:
        clerk.email_and_sms_templates.upsert(template_type="sms", slug="verification_code", body="no code")
    assert invalid.value.data.errors[0].code == "form_param_value_invalid"
