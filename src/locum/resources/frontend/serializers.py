"""What the create responses of tickets (actor tokens, sign-in tokens) add: the secret and its URL."""

from urllib.parse import urlencode

from locum.kit.json_types import JSON


def consume_url(origin: str, collection: str, secret: str) -> str:
    """The URL Clerk would mail or hand out. locum has no browser-facing sign-in page: the ticket is
    redeemed by POSTing {"token"} to this path with the secret key (a GET of the URL is refused)."""
    return f"{origin}/locum/{collection}/consume?{urlencode({'token': secret})}"


def created_ticket_json(document: JSON, secret: str, *, origin: str, collection: str) -> JSON:
    """Only the create response carries the secret, and the URL that contains it."""
    return {**document, "token": secret, "url": consume_url(origin, collection, secret)}
