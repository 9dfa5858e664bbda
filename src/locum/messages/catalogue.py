"""Clerk's system (default) email and SMS templates: those locum sends, and the common ones.

An instance sees these until it overrides one (UpsertTemplate, ToggleTemplateDelivery); the
override is a `Template` row, and reverting deletes it. Slugs and variable names are Clerk's: the
variables are those of Clerk's `email.created` example (`app.*`, `theme.*`, `otp_code`,
`requested_at`, `requested_by`) plus the link and inviter variables of the invitation templates.
The wording is locum's own.

System templates have a stable id derived from their type and slug, no instance, and fixed
timestamps, so they read the same in every instance and every run.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from locum.kit.ids import stable_id

TemplateType = Literal["email", "sms"]
TEMPLATE_TYPES: tuple[TemplateType, ...] = ("email", "sms")
# 2025-04-15T00:00:00Z, the date of the webhooks spec these templates follow.
SYSTEM_TEMPLATES_TIMESTAMP = 1_744_675_200_000
DEFAULT_FROM_EMAIL_NAME = "notifications"

APP_VARIABLES = (
    "app.name",
    "app.url",
    "app.domain_name",
    "app.logo_image_url",
    "app.logo_url",
    "theme.primary_color",
    "theme.button_text_color",
    "theme.show_clerk_branding",
)
REQUEST_VARIABLES = ("requested_at", "requested_by")


@dataclass(frozen=True)
class SystemTemplate:
    template_type: TemplateType
    slug: str
    name: str
    subject: str | None  # emails only
    body: str
    required_variables: tuple[str, ...]
    own_variables: tuple[str, ...]
    # Values for PreviewTemplate, beside the instance's app variables.
    sample: Mapping[str, Any] = field(default_factory=dict)

    @property
    def available_variables(self) -> tuple[str, ...]:
        return (*APP_VARIABLES, *self.own_variables)

    @property
    def id(self) -> str:
        return stable_id("template", f"{self.template_type}/{self.slug}")


def _email_body(title: str, content: str) -> str:
    """A complete HTML email around `content`: one centred card, inline styles (what email clients keep)."""
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f5;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',\
Helvetica,Arial,sans-serif;color:#18181b;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background-color:#f4f4f5;">
<tr><td align="center" style="padding:32px 16px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" \
style="max-width:480px;background-color:#ffffff;border-radius:8px;">
<tr><td style="padding:32px;font-size:15px;line-height:1.5;">
<p style="margin:0 0 24px;font-size:18px;font-weight:600;">{{{{app.name}}}}</p>
{content}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"""


def _button(url_variable: str, label: str) -> str:
    return (
        f'<p style="margin:24px 0;"><a href="{{{{{url_variable}}}}}" style="display:inline-block;padding:12px 20px;'
        "border-radius:6px;background-color:{{theme.primary_color}};color:{{theme.button_text_color}};"
        f'text-decoration:none;font-weight:600;">{label}</a></p>'
    )


_REQUESTED = (
    '<p style="margin:24px 0 0;color:#71717a;font-size:13px;">This was requested at {{requested_at}}'
    "{{#if requested_by}} from {{requested_by}}{{/if}}. If you did not request it, you can ignore this email.</p>"
)


def _code_email(slug: str, name: str, subject: str, heading: str, purpose: str) -> SystemTemplate:
    content = f"""<h1 style="margin:0 0 16px;font-size:22px;">{heading}</h1>
<p style="margin:0 0 16px;">{purpose}</p>
<p style="margin:0 0 16px;font-size:32px;font-weight:700;letter-spacing:6px;">{{{{otp_code}}}}</p>
<p style="margin:0;">To protect your account, do not share this code.</p>
{_REQUESTED}"""
    return SystemTemplate(
        template_type="email",
        slug=slug,
        name=name,
        subject=subject,
        body=_email_body(subject, content),
        required_variables=("otp_code",),
        own_variables=("otp_code", *REQUEST_VARIABLES),
        sample={"otp_code": "123456", "requested_by": "Chrome, macOS"},
    )


EMAIL_TEMPLATES = (
    _code_email(
        "verification_code",
        "Verification code",
        "{{otp_code}} is your verification code",
        "Verification code",
        "Enter the following verification code when prompted:",
    ),
    _code_email(
        "reset_password_code",
        "Reset password code",
        "{{otp_code}} is your password reset code",
        "Password reset code",
        "Enter the following code to reset your password:",
    ),
    SystemTemplate(
        template_type="email",
        slug="magic_link_sign_in",
        name="Magic link sign in",
        subject="Sign in to {{app.name}}",
        body=_email_body(
            "Sign in to {{app.name}}",
            '<h1 style="margin:0 0 16px;font-size:22px;">Sign in to {{app.name}}</h1>\n'
            '<p style="margin:0;">Use the link below to sign in. It can be used once and expires soon.</p>\n'
            f"{_button('magic_link', 'Sign in')}\n{_REQUESTED}",
        ),
        required_variables=("magic_link",),
        own_variables=("magic_link", *REQUEST_VARIABLES),
        sample={"magic_link": "https://example.com/v1/verify?token=sample", "requested_by": "Chrome, macOS"},
    ),
    SystemTemplate(
        template_type="email",
        slug="invitation",
        name="Invitation",
        subject="You're invited to join {{app.name}}",
        body=_email_body(
            "You're invited to join {{app.name}}",
            '<h1 style="margin:0 0 16px;font-size:22px;">You\'re invited to join {{app.name}}</h1>\n'
            '<p style="margin:0;">Accept the invitation to create your account.</p>\n'
            f"{_button('action_url', 'Accept invitation')}",
        ),
        required_variables=("action_url",),
        own_variables=("action_url",),
        sample={"action_url": "https://example.com/sign-up?__clerk_ticket=sample"},
    ),
    SystemTemplate(
        template_type="email",
        slug="organization_invitation",
        name="Organization invitation",
        subject="{{#if inviter_name}}{{inviter_name}} invited you{{else}}You're invited{{/if}} to join {{org.name}}",
        body=_email_body(
            "Join {{org.name}} on {{app.name}}",
            '<h1 style="margin:0 0 16px;font-size:22px;">Join {{org.name}} on {{app.name}}</h1>\n'
            '<p style="margin:0;">{{#if inviter_name}}{{inviter_name}} has invited you{{else}}You have been '
            "invited{{/if}} to join {{org.name}}.</p>\n"
            f"{_button('action_url', 'Accept invitation')}",
        ),
        required_variables=("action_url",),
        own_variables=("action_url", "inviter_name", "org.name", "org.image_url"),
        sample={
            "action_url": "https://example.com/accept?__clerk_ticket=sample",
            "inviter_name": "Jane Doe",
            "org": {"name": "Acme Inc", "image_url": ""},
        },
    ),
    SystemTemplate(
        template_type="email",
        slug="waitlist_confirmation",
        name="Waitlist confirmation",
        subject="You're on the {{app.name}} waitlist",
        body=_email_body(
            "You're on the {{app.name}} waitlist",
            '<h1 style="margin:0 0 16px;font-size:22px;">You\'re on the waitlist</h1>\n'
            '<p style="margin:0;">Thanks for joining the {{app.name}} waitlist. We will email you an invitation '
            "as soon as a place opens up.</p>",
        ),
        required_variables=(),
        own_variables=(),
    ),
    SystemTemplate(
        template_type="email",
        slug="waitlist_invitation",
        name="Waitlist invitation",
        subject="Your place on {{app.name}} is ready",
        body=_email_body(
            "Your place on {{app.name}} is ready",
            '<h1 style="margin:0 0 16px;font-size:22px;">Your place on {{app.name}} is ready</h1>\n'
            '<p style="margin:0;">You joined the waitlist, and now you are in. Accept the invitation to create '
            "your account.</p>\n"
            f"{_button('action_url', 'Accept invitation')}",
        ),
        required_variables=("action_url",),
        own_variables=("action_url",),
        sample={"action_url": "https://example.com/sign-up?__clerk_ticket=sample"},
    ),
)


def _code_sms(slug: str, name: str, body: str) -> SystemTemplate:
    return SystemTemplate(
        template_type="sms",
        slug=slug,
        name=name,
        subject=None,
        body=body,
        required_variables=("otp_code",),
        own_variables=("otp_code",),
        sample={"otp_code": "123456"},
    )


SMS_TEMPLATES = (
    _code_sms("verification_code", "Verification code", "Your verification code is {{otp_code}}"),
    _code_sms("reset_password_code", "Reset password code", "Your password reset code is {{otp_code}}"),
)

SYSTEM_TEMPLATES: dict[tuple[str, str], SystemTemplate] = {
    (template.template_type, template.slug): template for template in (*EMAIL_TEMPLATES, *SMS_TEMPLATES)
}


def system_templates(template_type: TemplateType) -> list[SystemTemplate]:
    """The type's templates in Clerk's listing order (their `position`)."""
    return list(EMAIL_TEMPLATES if template_type == "email" else SMS_TEMPLATES)


def position(template: SystemTemplate) -> int:
    return system_templates(template.template_type).index(template)
