"""Sign-in tokens: creation and revocation. Consuming one is the Frontend API's part, served by
resources/frontend; the life cycle is drawn in resources/frontend/tickets.py."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.constraints import flush
from locum.db.models import OrganizationMembership, SignInToken
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.kit.keys import secret_digest
from locum.resources.frontend import tickets
from locum.resources.frontend.tickets import PENDING, new_secret
from locum.resources.organization_invitations.errors import not_a_member
from locum.resources.organizations import lookup
from locum.resources.sign_in_tokens.schemas import DEFAULT_EXPIRES_IN_SECONDS, CreateSignInTokenBody
from locum.resources.users.repository import UserRepository


async def _organization_to_activate(db: AsyncSession, *, instance_id: str, user_id: str, org_id: str) -> str:
    """The organization's id, once organizations are enabled and the user is one of its members."""
    await lookup.require_enabled(db, instance_id=instance_id)
    organization = await lookup.get_organization_or_raise(db, instance_id=instance_id, id_or_slug=org_id)
    membership = await db.scalar(
        select(OrganizationMembership.id).where(
            OrganizationMembership.instance_id == instance_id,
            OrganizationMembership.organization_id == organization.id,
            OrganizationMembership.user_id == user_id,
        )
    )
    if membership is None:
        raise not_a_member()
    return organization.id


async def create_sign_in_token(
    db: AsyncSession, *, instance_id: str, body: CreateSignInTokenBody
) -> tuple[SignInToken, str]:
    """The new token and its secret, which only this response shows."""
    await UserRepository(db, instance_id).keep_or_raise(body.user_id)
    organization_id = (
        await _organization_to_activate(db, instance_id=instance_id, user_id=body.user_id, org_id=body.org_id)
        if body.org_id is not None
        else None
    )
    now = now_ms()
    expires_in_seconds = body.expires_in_seconds or DEFAULT_EXPIRES_IN_SECONDS
    secret = new_secret()
    sign_in_token = SignInToken(
        id=new_id("sign_in_token"),
        instance_id=instance_id,
        user_id=body.user_id,
        organization_id=organization_id,
        token_digest=secret_digest(secret),
        status=PENDING,
        expires_at=now + expires_in_seconds * 1000,
        created_at=now,
        updated_at=now,
    )
    db.add(sign_in_token)
    await flush(db)
    return sign_in_token, secret


async def revoke_sign_in_token(db: AsyncSession, *, instance_id: str, sign_in_token_id: str) -> SignInToken:
    return await tickets.revoke(
        db,
        SignInToken,
        instance_id=instance_id,
        ticket_id=sign_in_token_id,
        kind="sign-in token",
        code="sign_in_token_cannot_be_revoked_code",
    )
