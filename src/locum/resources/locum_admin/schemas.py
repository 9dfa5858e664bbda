"""Bodies of locum's own endpoints: what Clerk's Frontend API would attach to a user."""

from typing import Literal

from pydantic import Field

from locum.api.bodies import ClerkBody, LongText, Metadata

NAME_LENGTH = 255


class ExternalAccountBody(ClerkBody):
    provider: str
    provider_user_id: str = Field(min_length=1, max_length=NAME_LENGTH)
    email_address: str | None = None
    first_name: str | None = Field(default=None, max_length=NAME_LENGTH)
    last_name: str | None = Field(default=None, max_length=NAME_LENGTH)
    avatar_url: LongText | None = None
    username: str | None = Field(default=None, max_length=NAME_LENGTH)
    # Space-separated, as Clerk renders `approved_scopes`.
    approved_scopes: LongText | None = None
    access_token: LongText | None = None
    # Returned as given by GetOAuthAccessToken's `expires_at`.
    access_token_expires_at: int | None = None
    id_token: LongText | None = None
    public_metadata: Metadata | None = None
    label: str | None = Field(default=None, max_length=NAME_LENGTH)


class PasskeyBody(ClerkBody):
    name: str = Field(min_length=1, max_length=NAME_LENGTH)


class Web3WalletBody(ClerkBody):
    web3_wallet: str


class TrustedDeviceBody(ClerkBody):
    platform: Literal["ios", "android"]
    app_identifier: str = Field(min_length=1, max_length=NAME_LENGTH)
    name: str | None = Field(default=None, max_length=NAME_LENGTH)
