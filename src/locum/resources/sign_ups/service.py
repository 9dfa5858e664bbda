"""Sign-ups: the record Clerk keeps of each one (GetSignUp, UpdateSignUp), and the sign-up with an
invitation's ticket that makes them, as Clerk's Frontend API would (served under /locum).

A ticket sign-up, in one transaction: the invitation is claimed (row-locked, so of two concurrent
sign-ups with one ticket one succeeds and the other gets ticket_invalid), the user is created as
POST /users creates users (password rules, unique identifiers, user.created) with the invitation's
address (verified) and public metadata, the invitation is accepted, the waitlist entry it was sent
for (if any) is completed, and a session is started like a sign-in with a ticket.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.constraints import flush
from locum.db.locking import locked
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.sealing import Sealer
from locum.resources.frontend.service import sign_in
from locum.resources.invitations import service as invitations
from locum.resources.sign_ups.repository import SignUpRepository
from locum.resources.sign_ups.schemas import SignUpWithTicketBody, UpdateSignUpBody
from locum.resources.sign_ups.serializers import sign_up_json
from locum.resources.users.schemas import CreateUserBody
from locum.resources.users.service import create_user
from locum.resources.waitlist_entries.service import complete_for_invitation

COMPLETE = "complete"
# Clerk abandons an unfinished sign-up after a day; a completed one keeps the date it would have.
ABANDON_AFTER_MS = 24 * 60 * 60 * 1000


async def get_sign_up(session: AsyncSession, ctx: RequestContext, *, sign_up_id: str) -> JSON:
    return sign_up_json(await SignUpRepository(session, ctx.instance_id).get_or_raise(sign_up_id))


async def update_sign_up(
    session: AsyncSession, ctx: RequestContext, *, sign_up_id: str, body: UpdateSignUpBody
) -> JSON:
    """Omitted fields stay as they are; a null external_id clears it, a null custom_action is false."""
    sign_up = await SignUpRepository(session, ctx.instance_id).get_or_raise(sign_up_id, lock=locked)
    given = body.model_fields_set
    if "external_id" in given:
        sign_up.external_id = body.external_id
    if "custom_action" in given:
        sign_up.custom_action = bool(body.custom_action)
    sign_up.updated_at = now_ms()
    await flush(session)
    return sign_up_json(sign_up)


async def sign_up_with_invitation(
    session: AsyncSession, ctx: RequestContext, sealer: Sealer, body: SignUpWithTicketBody
) -> JSON:
    """The sign-up record and the new session's credentials (as resources/frontend's sign-ins answer)."""
    at_ms = now_ms()
    invitation = await invitations.claim_invitation(session, ctx, ticket=body.ticket, at_ms=at_ms)
    user = await create_user(
        session,
        ctx,
        CreateUserBody(
            email_address=[invitation.email_address],
            password=body.password,
            first_name=body.first_name,
            last_name=body.last_name,
            username=body.username,
            public_metadata=invitation.public_metadata,
        ),
        sealer=sealer,
    )
    invitations.mark_accepted(invitation, user_id=user["id"], at_ms=at_ms)
    await complete_for_invitation(session, ctx, invitation_id=invitation.id)
    credentials = await sign_in(session, ctx, sealer, browser_origin=body.origin, user_id=user["id"])
    sign_up = SignUpRepository(session, ctx.instance_id).add(
        status=COMPLETE,
        email_address=invitation.email_address,
        username=body.username,
        first_name=body.first_name,
        last_name=body.last_name,
        password_enabled=body.password is not None,
        public_metadata=invitation.public_metadata,
        unsafe_metadata={},
        custom_action=False,
        external_id=None,
        invitation_id=invitation.id,
        created_user_id=user["id"],
        created_session_id=credentials["session"]["id"],
        abandon_at=at_ms + ABANDON_AFTER_MS,
        created_at=at_ms,
        updated_at=at_ms,
    )
    await flush(session)
    return {**credentials, "object": "locum_sign_up", "sign_up": sign_up_json(sign_up)}
