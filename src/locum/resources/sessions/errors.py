"""The Sessions group's Clerk errors."""

from locum.api.errors import ClerkError

REFRESH_REFUSALS = {
    "expired_session_token_invalid": "The expired session token is not a valid session token of this instance.",
    "expired_session_token_missing_sid": "The expired session token has no session id.",
    "refresh_sid_mismatch": "The expired session token belongs to another session.",
    "refresh_request_origin_azp_mismatch": "The request origin does not match the token's authorized party.",
    "session_refresh_session_not_found": "No session was found with this id.",
    "refresh_token_not_found": "The refresh token does not belong to this session.",
    "session_refresh_inactive_session": "The session is no longer active.",
}


def user_banned() -> ClerkError:
    return ClerkError(403, "user_banned", "User is banned", "This user is banned and cannot sign in.")


def session_not_active(session_id: str) -> ClerkError:
    return ClerkError(
        404,
        "resource_not_found",
        "not found",
        "No active session was found with this id; tokens are only issued for active sessions.",
        {"session_id": session_id},
    )


def refresh_refused(code: str) -> ClerkError:
    """Every refusal of a refresh is a 401, so that Clerk's SDKs fall back to their handshake flow."""
    return ClerkError(401, code, "Session refresh failed", REFRESH_REFUSALS[code])
