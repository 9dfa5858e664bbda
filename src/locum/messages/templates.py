"""An instance's template for a slug: its override if it has one, else Clerk's system template;
and the variables every message gets from its instance (`app.*`, `theme.*`)."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import Instance, Template
from locum.messages.catalogue import DEFAULT_FROM_EMAIL_NAME, SYSTEM_TEMPLATES, SystemTemplate, TemplateType

# locum has no application name setting; Clerk fills `app.name` from the dashboard.
APP_NAME = "locum"
# Clerk's default theme, as its `email.created` example shows it.
DEFAULT_THEME = {"primary_color": "#335bf1", "button_text_color": "#ffffff", "show_clerk_branding": True}


@dataclass(frozen=True)
class EffectiveTemplate:
    system: SystemTemplate
    override: Template | None

    @property
    def template_type(self) -> TemplateType:
        return self.system.template_type

    @property
    def slug(self) -> str:
        return self.system.slug

    @property
    def name(self) -> str:
        return self.override.name if self.override else self.system.name

    @property
    def subject(self) -> str | None:
        return self.override.subject if self.override else self.system.subject

    @property
    def markup(self) -> str:
        return self.override.markup if self.override else ""

    @property
    def body(self) -> str:
        return self.override.body if self.override else self.system.body

    @property
    def from_email_name(self) -> str:
        """The local part of an email's From address (meaningless for SMS)."""
        return (self.override.from_email_name if self.override else None) or DEFAULT_FROM_EMAIL_NAME

    @property
    def reply_to_email_name(self) -> str | None:
        return self.override.reply_to_email_name if self.override else None

    @property
    def delivered_by_clerk(self) -> bool:
        return self.override.delivered_by_clerk if self.override else True

    @property
    def enabled(self) -> bool:
        return self.override.enabled if self.override else True


async def get_override(session: AsyncSession, *, instance_id: str, template_type: str, slug: str) -> Template | None:
    return await session.scalar(
        select(Template).where(
            Template.instance_id == instance_id, Template.template_type == template_type, Template.slug == slug
        )
    )


async def effective_template(
    session: AsyncSession, *, instance_id: str, template_type: TemplateType, slug: str
) -> EffectiveTemplate:
    """The template a message of `slug` is rendered from; the slug must be a system template's."""
    override = await get_override(session, instance_id=instance_id, template_type=template_type, slug=slug)
    return EffectiveTemplate(SYSTEM_TEMPLATES[template_type, slug], override)


def app_variables(instance: Instance) -> dict[str, Any]:
    return {
        "app": {
            "name": APP_NAME,
            "url": f"https://{instance.frontend_api_host}",
            "domain_name": instance.frontend_api_host,
            "logo_image_url": None,
            "logo_url": None,
        },
        "theme": dict(DEFAULT_THEME),
    }


def from_email_address(instance: Instance, local_part: str) -> str:
    return f"{local_part}@{instance.frontend_api_host}"
