"""Clerk's errors of the waitlist entry operations: a change the entry's status no longer allows (409)."""

from locum.api.errors import ClerkError

_ALREADY = {
    "invited": ("waitlist_entry_already_invited", "The waitlist entry has already been invited."),
    "completed": ("waitlist_entry_already_completed", "The waitlist entry has already signed up."),
    "rejected": ("waitlist_entry_already_rejected", "The waitlist entry has already been rejected."),
}


def waitlist_entry_already(status: str) -> ClerkError:
    code, detail = _ALREADY[status]
    return ClerkError(409, code, code.replace("_", " "), detail)


def email_address_duplicate() -> ClerkError:
    return ClerkError(
        422,
        "form_param_duplicate",
        "duplicate email address",
        "Each email address may appear only once in a request.",
        {"param_name": "email_address"},
    )
