"""The bodies of the Beta Features operations. In UpdateInstanceAuthConfig a field left out or null
keeps its value; the domain changes take the new home URL (required) and whether it is a secondary app's."""

from locum.api.bodies import ClerkBody


class UpdateInstanceAuthConfigBody(ClerkBody):
    restricted_to_allowlist: bool | None = None
    from_email_address: str | None = None
    progressive_sign_up: bool | None = None
    test_mode: bool | None = None


class ChangeDomainBody(ClerkBody):
    home_url: str
    is_secondary: bool = False
