"""An instance's template overrides (the system templates live in code, messages/catalogue.py)."""

from sqlalchemy import select

from locum.db.locking import locked
from locum.db.models import Instance, Template
from locum.db.repository import InstanceRepository
from locum.messages.catalogue import TemplateType
from locum.resources.templates.errors import template_not_found


class TemplateRepository(InstanceRepository[Template]):
    model = Template
    id_kind = "template"

    def not_found(self, id: str) -> Exception:
        return template_not_found()

    async def overrides(self, template_type: TemplateType) -> dict[str, Template]:
        """The instance's overrides of one type, by slug."""
        rows = await self.session.scalars(self.select().where(Template.template_type == template_type))
        return {row.slug: row for row in rows}

    async def lock_instance(self) -> None:
        """Lock the instance's row: changes of its templates (creating, changing or deleting its
        override) run one at a time, so two first writes of one template can't both insert."""
        await self.session.execute(locked(select(Instance.id).where(Instance.id == self.instance_id)))

    async def instance(self) -> Instance:
        """The instance's row, whose name and sender domain rendered templates show."""
        return await self.session.get_one(Instance, self.instance_id)
