"""Enabling a connection takes its domains over from organizations' automatic enrollment.

A verified organization domain with an automatic enrollment mode (invitation or suggestion) would
enroll the same people the connection signs in; Clerk removes such domains when a connection is
enabled. UpdateEnterpriseConnection does so outright; UpdateSAMLConnection only with
`consent_verified_domains_deletion: true`, and otherwise refuses. Each removal is reported as the
organization domain's own deletion would be (`organizationDomain.deleted`).

The domains are locked after the connection and after the users holding accounts on it, as
db/locking.py orders them (memberships, invitations and domains come last).
"""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.locking import locked_for_delete
from locum.db.models import OrganizationDomain
from locum.instances.context import RequestContext
from locum.outbox.events import record
from locum.resources.enterprise_connections.errors import verified_domains_in_use
from locum.resources.organization_domains.serializers import deleted_organization_domain_json

AUTOMATIC_ENROLLMENT_MODES = ("automatic_invitation", "automatic_suggestion")
VERIFIED = "verified"


async def release_verified_domains(
    session: AsyncSession, ctx: RequestContext, names: list[str], *, consent: bool
) -> None:
    statement = (
        select(OrganizationDomain)
        .where(
            OrganizationDomain.instance_id == ctx.instance_id,
            OrganizationDomain.name.in_(names),
            OrganizationDomain.enrollment_mode.in_(AUTOMATIC_ENROLLMENT_MODES),
            OrganizationDomain.affiliation_verification_status == VERIFIED,
        )
        .order_by(OrganizationDomain.id)
    )
    domains = list(await session.scalars(locked_for_delete(statement)))
    if domains and not consent:
        raise verified_domains_in_use(sorted(domain.name for domain in domains))
    for domain in domains:
        await session.delete(domain)
        record(session, ctx, "organizationDomain.deleted", deleted_organization_domain_json(domain.id))
    await session.flush()
