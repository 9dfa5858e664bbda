"""Organization domains: the feature gates, name rules, uniqueness, the per-organization quota,
and the two lists (one organization's domains, and every domain of the instance)."""

import re
from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_format_invalid
from locum.api.ordering import NEWEST_FIRST, Ordering, parse_order_by
from locum.api.pagination import PageQuery, list_body
from locum.db.models import Organization, OrganizationDomain, OrganizationSettings
from locum.db.text_search import contains
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.outbox.events import EventType, record
from locum.resources.organization_domains.errors import (
    domain_already_exists,
    domain_common,
    domain_quota_exceeded,
    domains_not_enabled,
    enrollment_mode_not_enabled,
)
from locum.resources.organization_domains.repository import DEFAULT_ORDER, ORDER_COLUMNS, DomainRepository
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
from locum.resources.organizations.repository import OrganizationRepository

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
    session: AsyncSession, ctx: RequestContext, domain: OrganizationDomain, organization: Organization, type: EventType
) -> JSON:
    data = organization_domain_json(domain, organization=organization, origin=ctx.origin)
    record(session, ctx, type, data)
    return data


async def create_domain(
    session: AsyncSession, ctx: RequestContext, *, organization_id: str, body: CreateOrganizationDomainBody
) -> JSON:
    settings = await require_enabled(session, instance_id=ctx.instance_id)
    organization = await get_organization_or_raise(
        session, instance_id=ctx.instance_id, id_or_slug=organization_id, for_update=True
    )
    _require_domains_enabled(settings)
    name = normalize_domain_name(body.name)
    _check_enrollment_mode(settings, body.enrollment_mode)
    domains = DomainRepository(session, ctx.instance_id)
    owner = await domains.owner_of(name)
    if owner is not None:
        raise domain_already_exists(same_organization=owner == organization.id)
    # 0 means no limit, as for max_allowed_memberships.
    limit = settings.max_allowed_domains
    if limit > 0 and await domains.count(organization_id=organization.id) >= limit:
        raise domain_quota_exceeded(limit)
    domain = domains.add(
        organization_id=organization.id,
        name=name,
        enrollment_mode=body.enrollment_mode,
        affiliation_verification_status=_affiliation_status(body.verified is not False),
    )
    try:
        await session.flush()
    except IntegrityError as exc:
        # Another request added the same name between the check above and this insert.
        raise domain_already_exists(same_organization=False) from exc
    return _record(session, ctx, domain, organization, "organizationDomain.created")


async def _locked_domain_or_raise(
    session: AsyncSession, ctx: RequestContext, organization_id: str, domain_id: str
) -> tuple[OrganizationSettings, Organization, OrganizationDomain]:
    """The settings (domains enabled), the domain locked for a change, and its organization."""
    settings = await require_enabled(session, instance_id=ctx.instance_id)
    organization = await get_organization_or_raise(session, instance_id=ctx.instance_id, id_or_slug=organization_id)
    domains = DomainRepository(session, ctx.instance_id)
    domain = await domains.locked_in_organization_or_raise(domain_id, organization_id=organization.id)
    _require_domains_enabled(settings)
    return settings, organization, domain


async def update_domain(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    organization_id: str,
    domain_id: str,
    body: UpdateOrganizationDomainBody,
) -> JSON:
    settings, organization, domain = await _locked_domain_or_raise(session, ctx, organization_id, domain_id)
    if body.enrollment_mode is not None:
        _check_enrollment_mode(settings, body.enrollment_mode)
        domain.enrollment_mode = body.enrollment_mode
    if body.verified is not None:
        domain.affiliation_verification_status = _affiliation_status(body.verified)
    domain.updated_at = now_ms()
    await session.flush()
    return _record(session, ctx, domain, organization, "organizationDomain.updated")


async def delete_domain(session: AsyncSession, ctx: RequestContext, *, organization_id: str, domain_id: str) -> JSON:
    _settings, _organization, domain = await _locked_domain_or_raise(session, ctx, organization_id, domain_id)
    await session.delete(domain)
    await session.flush()
    deleted = deleted_organization_domain_json(domain.id)
    record(session, ctx, "organizationDomain.deleted", deleted)
    return deleted


async def verify_ownership(session: AsyncSession, ctx: RequestContext, *, organization_id: str, domain_id: str) -> JSON:
    """Marks ownership verified by manual override; on an already verified domain, a no-op."""
    _settings, organization, domain = await _locked_domain_or_raise(session, ctx, organization_id, domain_id)
    if domain.ownership_verification_status == "verified":
        return organization_domain_json(domain, organization=organization, origin=ctx.origin)
    at_ms = now_ms()
    domain.ownership_verification_status = "verified"
    domain.ownership_verification_strategy = OWNERSHIP_OVERRIDE_STRATEGY
    domain.ownership_verified_at = at_ms
    domain.updated_at = at_ms
    await session.flush()
    return _record(session, ctx, domain, organization, "organizationDomain.updated")


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


async def _list(
    session: AsyncSession,
    ctx: RequestContext,
    conditions: list[ColumnElement[bool]],
    *,
    ordering: Ordering,
    page: PageQuery,
) -> JSON:
    found = await DomainRepository(session, ctx.instance_id).page(conditions, ordering=ordering, page=page)
    data = [
        organization_domain_json(domain, organization=organization, origin=ctx.origin)
        for domain, organization in found.items
    ]
    return list_body(data, found.total_count)


async def list_organization_domains(
    session: AsyncSession, ctx: RequestContext, *, organization_id: str, params: OrganizationDomainListParams
) -> JSON:
    """One organization's domains, newest first. An unknown organization has none: Clerk declares
    no 404 for this operation."""
    await require_enabled(session, instance_id=ctx.instance_id)
    organization_ids = OrganizationRepository(session, ctx.instance_id).matching(organization_id)
    conditions = [
        OrganizationDomain.organization_id.in_(organization_ids.with_only_columns(Organization.id)),
        *_filter_conditions(params),
    ]
    return await _list(session, ctx, conditions, ordering=NEWEST_FIRST, page=params)


async def list_all_organization_domains(
    session: AsyncSession, ctx: RequestContext, *, params: AllOrganizationDomainsListParams
) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id)
    ordering = parse_order_by(params.order_by, ORDER_COLUMNS, DEFAULT_ORDER)
    conditions = _filter_conditions(params)
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
    return await _list(session, ctx, conditions, ordering=ordering, page=params)
