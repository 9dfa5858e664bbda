"""Organization domains: the feature gates, name rules, uniqueness, the per-organization quota,
and the two lists (one organization's domains, and every domain of the instance)."""

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import ClerkError, form_param_format_invalid, not_found
from locum.api.ordering import parse_order_by
from locum.db.locking import locked
from locum.db.models import Organization, OrganizationDomain, OrganizationSettings
from locum.db.text_search import contains
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.outbox.events import EventType, record_for
from locum.resources.organization_domains.schemas import (
    AllOrganizationDomainsListParams,
    CreateOrganizationDomainBody,
    DomainFilters,
    OrganizationDomainListParams,
    UpdateOrganizationDomainBody,
)
from locum.resources.organization_domains.serializers import (
    OWNERSHIP_OVERRIDE_STRATEGY,
    deleted_organization_domain_json,
    organization_domain_json,
)
from locum.resources.organizations.lookup import get_organization_or_raise, require_enabled
from locum.resources.organizations.serializers import JSON

MAX_NAME_LENGTH = 253
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_TOP_LEVEL = r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})"
DOMAIN_NAME = re.compile(rf"(?:{_LABEL}\.)+{_TOP_LEVEL}")
# Public email providers: a domain anyone can have an address at says nothing about affiliation.
COMMON_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "ymail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "protonmail.com",
        "proton.me",
        "gmx.com",
        "mail.com",
        "yandex.com",
        "zoho.com",
    }
)
# Modes the instance settings must switch on (domains_enrollment_modes) before a domain may use them.
GATED_ENROLLMENT_MODES = frozenset({"automatic_invitation", "automatic_suggestion"})
ORDER_COLUMNS = {"name": OrganizationDomain.name, "created_at": OrganizationDomain.created_at}
DEFAULT_ORDER = "-created_at"


def domains_not_enabled() -> ClerkError:
    return ClerkError(
        403,
        "organization_domains_not_enabled",
        "Organization domains are not enabled",
        "Verified domains are not enabled for this instance. Enable them in the organization settings.",
    )


def enrollment_mode_not_enabled(mode: str) -> ClerkError:
    return ClerkError(
        403,
        "organization_domain_enrollment_mode_not_enabled",
        "Enrollment mode not enabled",
        f"The {mode} enrollment mode is not enabled for this instance.",
        {"param_name": "enrollment_mode"},
    )


def domain_quota_exceeded(limit: int) -> ClerkError:
    return ClerkError(
        403,
        "organization_domain_quota_exceeded",
        "Domain quota exceeded",
        f"The organization has reached its limit of {limit} domains.",
    )


def domain_common(name: str) -> ClerkError:
    return ClerkError(
        422,
        "organization_domain_common",
        "Common email provider",
        f"{name} is a common email provider domain and cannot be added to an organization.",
        {"param_name": "name"},
    )


def domain_already_exists(*, same_organization: bool) -> ClerkError:
    if same_organization:
        return ClerkError(
            422,
            "organization_domain_already_exists_same_organization",
            "Domain already exists",
            "This domain has already been added to the organization.",
            {"param_name": "name"},
        )
    return ClerkError(
        422,
        "organization_domain_already_exists",
        "Domain already exists",
        "This domain is already used by another organization.",
        {"param_name": "name"},
    )


def _require_domains_enabled(settings: OrganizationSettings) -> None:
    # Checked after the organization is found, so another instance's ids are a 404 either way.
    if not settings.domains_enabled:
        raise domains_not_enabled()


def _check_enrollment_mode(settings: OrganizationSettings, mode: str) -> None:
    if mode in GATED_ENROLLMENT_MODES and mode not in settings.domains_enrollment_modes:
        raise enrollment_mode_not_enabled(mode)


def normalize_domain_name(raw: str) -> str:
    name = raw.strip().lower()
    if len(name) > MAX_NAME_LENGTH or not DOMAIN_NAME.fullmatch(name):
        raise form_param_format_invalid("name", f"{raw!r} is not a valid domain name, such as example.com.")
    if name in COMMON_EMAIL_DOMAINS:
        raise domain_common(name)
    return name


def _affiliation_status(verified: bool) -> str:
    return "verified" if verified else "unverified"


def _record(
    session: AsyncSession, domain: OrganizationDomain, organization: Organization, *, type: EventType, origin: str
) -> JSON:
    data = organization_domain_json(domain, organization=organization, origin=origin)
    record_for(session, instance_id=domain.instance_id, type=type, data=data)
    return data


async def _domains_count(session: AsyncSession, *, organization_id: str) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(OrganizationDomain)
        .where(OrganizationDomain.organization_id == organization_id)
    )
    return int(count or 0)


async def create_domain(
    session: AsyncSession, *, instance_id: str, organization_id: str, body: CreateOrganizationDomainBody, origin: str
) -> JSON:
    settings = await require_enabled(session, instance_id=instance_id)
    organization = await get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=organization_id, for_update=True
    )
    _require_domains_enabled(settings)
    name = normalize_domain_name(body.name)
    _check_enrollment_mode(settings, body.enrollment_mode)
    existing = await session.scalar(
        select(OrganizationDomain.organization_id).where(
            OrganizationDomain.instance_id == instance_id, OrganizationDomain.name == name
        )
    )
    if existing is not None:
        raise domain_already_exists(same_organization=existing == organization.id)
    # 0 means no limit, as for max_allowed_memberships.
    limit = settings.max_allowed_domains
    if limit > 0 and await _domains_count(session, organization_id=organization.id) >= limit:
        raise domain_quota_exceeded(limit)
    at_ms = now_ms()
    domain = OrganizationDomain(
        id=new_id("organization_domain"),
        instance_id=instance_id,
        organization_id=organization.id,
        name=name,
        enrollment_mode=body.enrollment_mode,
        affiliation_verification_status=_affiliation_status(body.verified is not False),
        created_at=at_ms,
        updated_at=at_ms,
    )
    session.add(domain)
    try:
        await session.flush()
    except IntegrityError as exc:
        # Another request added the same name between the check above and this insert.
        raise domain_already_exists(same_organization=False) from exc
    return _record(session, domain, organization, type="organizationDomain.created", origin=origin)


async def _locked_domain_or_raise(
    session: AsyncSession, *, instance_id: str, organization_id: str, domain_id: str
) -> tuple[Organization, OrganizationDomain]:
    """The domain locked for a change, and its organization."""
    organization = await get_organization_or_raise(session, instance_id=instance_id, id_or_slug=organization_id)
    domain = await session.scalar(
        locked(
            select(OrganizationDomain).where(
                OrganizationDomain.instance_id == instance_id,
                OrganizationDomain.organization_id == organization.id,
                OrganizationDomain.id == domain_id,
            )
        )
    )
    if domain is None:
        raise not_found("organization domain")
    return organization, domain


async def update_domain(
    session: AsyncSession,
    *,
    instance_id: str,
    organization_id: str,
    domain_id: str,
    body: UpdateOrganizationDomainBody,
    origin: str,
) -> JSON:
    settings = await require_enabled(session, instance_id=instance_id)
    organization, domain = await _locked_domain_or_raise(
        session, instance_id=instance_id, organization_id=organization_id, domain_id=domain_id
    )
    _require_domains_enabled(settings)
    if body.enrollment_mode is not None:
        _check_enrollment_mode(settings, body.enrollment_mode)
        domain.enrollment_mode = body.enrollment_mode
    if body.verified is not None:
        domain.affiliation_verification_status = _affiliation_status(body.verified)
    domain.updated_at = now_ms()
    await session.flush()
    return _record(session, domain, organization, type="organizationDomain.updated", origin=origin)


async def delete_domain(session: AsyncSession, *, instance_id: str, organization_id: str, domain_id: str) -> JSON:
    settings = await require_enabled(session, instance_id=instance_id)
    _organization, domain = await _locked_domain_or_raise(
        session, instance_id=instance_id, organization_id=organization_id, domain_id=domain_id
    )
    _require_domains_enabled(settings)
    await session.delete(domain)
    await session.flush()
    deleted = deleted_organization_domain_json(domain.id)
    record_for(session, instance_id=instance_id, type="organizationDomain.deleted", data=deleted)
    return deleted


async def verify_ownership(
    session: AsyncSession, *, instance_id: str, organization_id: str, domain_id: str, origin: str
) -> JSON:
    """Marks ownership verified by manual override; on an already verified domain, a no-op."""
    settings = await require_enabled(session, instance_id=instance_id)
    organization, domain = await _locked_domain_or_raise(
        session, instance_id=instance_id, organization_id=organization_id, domain_id=domain_id
    )
    _require_domains_enabled(settings)
    if domain.ownership_verification_status == "verified":
        return organization_domain_json(domain, organization=organization, origin=origin)
    at_ms = now_ms()
    domain.ownership_verification_status = "verified"
    domain.ownership_verification_strategy = OWNERSHIP_OVERRIDE_STRATEGY
    domain.ownership_verified_at = at_ms
    domain.updated_at = at_ms
    await session.flush()
    return _record(session, domain, organization, type="organizationDomain.updated", origin=origin)


def _mode_conditions(modes: Sequence[str]) -> list[ColumnElement[bool]]:
    """Included modes are alternatives; each excluded mode is another condition (all AND-combined)."""
    included = [mode for mode in modes if not mode.startswith("-")]
    excluded = [mode[1:] for mode in modes if mode.startswith("-")]
    conditions: list[ColumnElement[bool]] = []
    if included:
        conditions.append(OrganizationDomain.enrollment_mode.in_(included))
    if excluded:
        conditions.append(OrganizationDomain.enrollment_mode.not_in(excluded))
    return conditions


def _filter_conditions(filters: DomainFilters) -> list[ColumnElement[bool]]:
    conditions = _mode_conditions(filters.enrollment_mode)
    if filters.verified == "true":
        conditions.append(OrganizationDomain.affiliation_verification_status == "verified")
    elif filters.verified == "false":
        conditions.append(
            or_(
                OrganizationDomain.affiliation_verification_status.is_(None),
                OrganizationDomain.affiliation_verification_status != "verified",
            )
        )
    return conditions


async def _page(
    session: AsyncSession,
    *,
    conditions: list[ColumnElement[bool]],
    order: Sequence[Any],
    limit: int,
    offset: int,
    origin: str,
) -> JSON:
    base = (
        select(OrganizationDomain, Organization)
        .join(Organization, Organization.id == OrganizationDomain.organization_id)
        .where(*conditions)
    )
    total = await session.scalar(select(func.count()).select_from(base.subquery()))
    rows = await session.execute(base.order_by(*order).limit(limit).offset(offset))
    data = [organization_domain_json(domain, organization=organization, origin=origin) for domain, organization in rows]
    return {"data": data, "total_count": int(total or 0)}


async def list_organization_domains(
    session: AsyncSession, *, instance_id: str, organization_id: str, params: OrganizationDomainListParams, origin: str
) -> JSON:
    """One organization's domains, newest first. An unknown organization has none: Clerk declares
    no 404 for this operation."""
    await require_enabled(session, instance_id=instance_id)
    organization_ids = select(Organization.id).where(
        Organization.instance_id == instance_id,
        or_(Organization.id == organization_id, Organization.slug == organization_id),
    )
    conditions = [
        OrganizationDomain.instance_id == instance_id,
        OrganizationDomain.organization_id.in_(organization_ids),
        *_filter_conditions(params),
    ]
    order = (OrganizationDomain.created_at.desc(), OrganizationDomain.id.desc())
    return await _page(
        session, conditions=conditions, order=order, limit=params.limit, offset=params.offset, origin=origin
    )


async def list_all_organization_domains(
    session: AsyncSession, *, instance_id: str, params: AllOrganizationDomainsListParams, origin: str
) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    ordering = parse_order_by(params.order_by, ORDER_COLUMNS, DEFAULT_ORDER)
    conditions = [OrganizationDomain.instance_id == instance_id, *_filter_conditions(params)]
    if params.organization_id is not None:
        conditions.append(OrganizationDomain.organization_id == params.organization_id)
    if params.domains:
        conditions.append(OrganizationDomain.name.in_([name.strip().lower() for name in params.domains]))
    if params.query is not None:
        query = params.query.strip()
        if query.startswith("org_"):
            conditions.append(OrganizationDomain.organization_id == query)
        else:
            conditions.append(contains(OrganizationDomain.name, query))
    column = ORDER_COLUMNS[ordering.field]
    tiebreak = OrganizationDomain.id.desc() if ordering.descending else OrganizationDomain.id.asc()
    return await _page(
        session,
        conditions=conditions,
        order=(ordering.apply(column), tiebreak),
        limit=params.limit,
        offset=params.offset,
        origin=origin,
    )
