"""Request bodies of the Users operations, named after Clerk's shapes.

Bodies forbid unknown fields (Clerk answers form_param_unknown). PATCH bodies tell "not given"
from "null" through `model_fields_set`.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from locum.api.bodies import ClerkBody, Int32, LongText, Metadata
from locum.api.pagination import PageQuery

IdentificationStatus = Literal["verified", "reserved"]
LOCALE_MAX_LENGTH = 32


class _UserFields(ClerkBody):
    """The fields CreateUser and UpdateUser share."""

    external_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    locale: Annotated[str, Field(max_length=LOCALE_MAX_LENGTH)] | None = None
    username: str | None = None
    password: LongText | None = None
    password_digest: LongText | None = None
    password_hasher: str | None = None
    skip_password_checks: bool | None = None
    totp_secret: str | None = None
    backup_codes: list[str] | None = None
    public_metadata: Metadata | None = None
    private_metadata: Metadata | None = None
    unsafe_metadata: Metadata | None = None
    delete_self_enabled: bool | None = None
    legal_accepted_at: str | None = None
    skip_legal_checks: bool | None = None
    create_organization_enabled: bool | None = None
    create_organizations_limit: Int32 | None = None
    created_at: str | None = None
    bypass_client_trust: bool | None = None


class CreateUserBody(_UserFields):
    email_address: list[str] | None = None
    email_address_identification_status: list[IdentificationStatus] | None = None
    phone_number: list[str] | None = None
    phone_number_identification_status: list[IdentificationStatus] | None = None
    web3_wallet: list[str] | None = None
    skip_password_requirement: bool | None = None
    skip_user_requirement: bool | None = None
    banned: bool | None = None
    locked: bool | None = None


class UpdateUserBody(_UserFields):
    primary_email_address_id: str | None = None
    notify_primary_email_address_changed: bool | None = None
    primary_phone_number_id: str | None = None
    primary_web3_wallet_id: str | None = None
    profile_image_id: str | None = None
    sign_out_of_other_sessions: bool | None = None


class MetadataBody(ClerkBody):
    public_metadata: Metadata | None = None
    private_metadata: Metadata | None = None
    unsafe_metadata: Metadata | None = None


class UserIdsBody(ClerkBody):
    user_ids: list[str] | None = None


class VerifyPasswordBody(ClerkBody):
    password: LongText | None = None


class VerifyTOTPBody(ClerkBody):
    code: str | None = None


class RemovePasswordBody(ClerkBody):
    sign_out_of_other_sessions: bool | None = None


class SetPasswordCompromisedBody(ClerkBody):
    revoke_all_sessions: bool | None = None


class UserFilters(BaseModel):
    """The filters GET /users and GET /users/count share (array filters take repeated keys)."""

    model_config = ConfigDict(frozen=True)

    email_address: list[str] = []
    phone_number: list[str] = []
    external_id: list[str] = []
    username: list[str] = []
    web3_wallet: list[str] = []
    user_id: list[str] = []
    organization_id: list[str] = []
    query: str | None = None
    email_address_query: str | None = None
    phone_number_query: str | None = None
    username_query: str | None = None
    name_query: str | None = None
    banned: bool | None = None
    last_active_at_before: int | None = None
    last_active_at_after: int | None = None
    # Declared so that the query string's value reaches `_deprecated_since`, which moves it to
    # last_active_at_after: it stays None.
    last_active_at_since: int | None = None
    created_at_before: int | None = None
    created_at_after: int | None = None
    last_sign_in_at_before: int | None = None
    last_sign_in_at_after: int | None = None
    provider: str | None = None
    provider_user_id: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _deprecated_since(cls, data: Any) -> Any:
        # `last_active_at_since` is the deprecated name of `last_active_at_after`.
        if isinstance(data, dict) and "last_active_at_since" in data:
            data = dict(data)
            since = data.pop("last_active_at_since")
            data.setdefault("last_active_at_after", since)
        return data


class UserListParams(UserFilters, PageQuery):
    # Only the first order_by counts, as Clerk documents.
    order_by: list[str] = []
    starting_after: str | None = None
