"""Request bodies of the Allow-list / Block-list operations (the allow-list's list takes a
PaginatedQuery; the block-list's takes no parameters)."""

from locum.api.bodies import ClerkBody, LongText


class CreateAllowlistIdentifierBody(ClerkBody):
    identifier: LongText
    # Clerk sends an invitation to the identifier when set (email addresses and phone numbers only).
    notify: bool = False


class CreateBlocklistIdentifierBody(ClerkBody):
    identifier: LongText
