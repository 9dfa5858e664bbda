"""Organization domains as Clerk renders them (the spec's OrganizationDomain)."""

from locum.db.models import Organization, OrganizationDomain
from locum.kit.json_types import JSON, columns
from locum.resources.organizations.serializers import public_organization_data

# The affiliation of a domain locum stores was set through the Backend API, not by an emailed code.
AFFILIATION_STRATEGY = "admin"
OWNERSHIP_OVERRIDE_STRATEGY = "manual_override"


def _affiliation_verification(domain: OrganizationDomain) -> JSON | None:
    if domain.affiliation_verification_status is None:
        return None
    return {
        "status": domain.affiliation_verification_status,
        "strategy": AFFILIATION_STRATEGY,
        "attempts": 0,
        "expire_at": None,
        # Only ownership records when it was verified (the spec says so for verified_at).
        "verified_at": None,
    }


def _ownership_verification(domain: OrganizationDomain) -> JSON | None:
    if domain.ownership_verification_status is None:
        return None
    return {
        "status": domain.ownership_verification_status,
        "strategy": domain.ownership_verification_strategy,
        "attempts": 0,
        "expire_at": None,
        "verified_at": domain.ownership_verified_at,
    }


def organization_domain_json(domain: OrganizationDomain, *, organization: Organization, origin: str) -> JSON:
    affiliation = _affiliation_verification(domain)
    return {
        "object": "organization_domain",
        **columns(domain, "id", "organization_id", "name", "enrollment_mode", "affiliation_email_address"),
        "affiliation_verification": affiliation,
        "ownership_verification": _ownership_verification(domain),
        # Deprecated alias of affiliation_verification, still sent on this API version.
        "verification": affiliation,
        # locum creates no invitations or suggestions from domains (that happens at sign-up, in FAPI).
        "total_pending_invitations": 0,
        "total_pending_suggestions": 0,
        "public_organization_data": public_organization_data(organization, origin=origin),
        "created_at": domain.created_at,
        "updated_at": domain.updated_at,
    }


def deleted_organization_domain_json(domain_id: str) -> JSON:
    return {"object": "organization_domain", "id": domain_id, "deleted": True}
