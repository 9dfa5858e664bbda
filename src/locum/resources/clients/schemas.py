"""The VerifyClient body (Clerk's shape)."""

from locum.api.bodies import ClerkBody, LongText


class VerifyClientBody(ClerkBody):
    token: LongText
