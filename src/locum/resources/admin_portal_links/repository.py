"""Admin portal link tokens of one instance, and the organizations they may be scoped to."""

from typing import Any

from sqlalchemy import select

from locum.api.errors import not_found
from locum.db.locking import kept
from locum.db.models import AdminPortalLinkToken, Organization
from locum.db.repository import InstanceRepository
from locum.kit.ids import new_hex_id


class AdminPortalLinkTokenRepository(InstanceRepository[AdminPortalLinkToken]):
    model = AdminPortalLinkToken
    id_kind = "admin_portal_link_token"

    def not_found(self, id: str) -> Exception:
        return not_found("admin portal link token")

    def insert(self, **values: Any) -> AdminPortalLinkToken:
        """A new token of this instance; its id is `aplt_` and 32 hex digits, as Clerk's are."""
        token = AdminPortalLinkToken(id=new_hex_id(self.id_kind), instance_id=self.instance_id, **values)
        self.session.add(token)
        return token

    async def keep_organization(self, organization_id: str) -> bool:
        """Whether the instance has the organization, kept from deletion until commit (db/locking.py):
        the token about to reference it must not outlive it."""
        statement = select(Organization.id).where(self.scope(Organization), Organization.id == organization_id)
        return await self.session.scalar(kept(statement)) is not None
