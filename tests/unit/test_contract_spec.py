"""tests.contract.spec: reading Clerk's OpenAPI document and validating responses against it."""

import copy

import pytest

from tests.contract import deviations, spec

pytestmark = pytest.mark.skipif(
    not spec.spec_available(),
    reason=f"Clerk's OpenAPI spec not found at {spec.SPEC_PATH} (set LOCUM_CLERK_SPEC_DIR to its directory)",
)

# A complete minimal User per components/schemas/User: every required field, nullable ones null.
USER = {
    "id": "user_2abc",
    "object": "user",
    "external_id": None,
    "primary_email_address_id": None,
    "primary_phone_number_id": None,
    "primary_web3_wallet_id": None,
    "username": None,
    "first_name": None,
    "last_name": None,
    "has_image": False,
    "public_metadata": {},
    "email_addresses": [],
    "phone_numbers": [],
    "web3_wallets": [],
    "passkeys": [],
    "password_enabled": False,
    "two_factor_enabled": False,
    "totp_enabled": False,
    "backup_code_enabled": False,
    "mfa_enabled_at": None,
    "mfa_disabled_at": None,
    "external_accounts": [],
    "saml_accounts": [],
    "enterprise_accounts": [],
    "last_sign_in_at": None,
    "banned": False,
    "locked": False,
    "lockout_expires_in_seconds": None,
    "verification_attempts_remaining": None,
    "updated_at": 1700000000000,
    "created_at": 1700000000000,
    "delete_self_enabled": True,
    "create_organization_enabled": True,
    "last_active_at": None,
    "legal_accepted_at": None,
}

EMAIL_ADDRESS = {
    "id": "idn_2abc",
    "object": "email_address",
    "email_address": "ada@example.com",
    "reserved": False,
    "verification": None,
    "linked_to": [],
    "created_at": 1700000000000,
    "updated_at": 1700000000000,
}

# The 200 body the spec gives for createApiKey, which Clerk really sends with 201.
API_KEY = {
    "object": "api_key",
    "id": "ak_" + "0" * 32,
    "type": "api_key",
    "subject": "user_" + "a" * 27,
    "name": "ci",
    "claims": None,
    "scopes": [],
    "secret": "ak_secret",
    "revoked": False,
    "revocation_reason": None,
    "expired": False,
    "expiration": None,
    "created_by": None,
    "last_used_at": None,
    "created_at": 1700000000000,
    "updated_at": 1700000000000,
}


def user(**changes):
    body = copy.deepcopy(USER)
    body.update(changes)
    return body


def test_all_operations_are_found():
    ops = spec.operations()
    assert len(ops) == 239
    assert len({op.operation_id for op in ops}) == 239


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("GET", "/v1/users/count", "GetUsersCount"),
        ("POST", "/v1/users/ban", "UsersBan"),
        ("POST", "/v1/users/user_x/ban", "BanUser"),
        ("GET", "/v1/users/user_x", "GetUser"),
        ("GET", "/users/user_x", "GetUser"),
        ("POST", "/v1/users/user_x/profile_image", "SetUserProfileImage"),
        ("DELETE", "/v1/users/user_x/profile_image", "DeleteUserProfileImage"),
        ("GET", "/v1/jwks", "GetJWKS"),
        (
            "PATCH",
            "/v1/organizations/org_x/memberships/user_y/metadata",
            "UpdateOrganizationMembershipMetadata",
        ),
        ("get", "/v1/users?limit=10", "GetUserList"),
    ],
)
def test_match_operation(method, path, operation_id):
    op = spec.match_operation(method, path)
    assert op is not None and op.operation_id == operation_id


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/no_such_resource"), ("PUT", "/v1/users/user_x"), ("GET", "/v1/users/user_x/extra/deep")],
)
def test_match_operation_unknown(method, path):
    assert spec.match_operation(method, path) is None


def test_valid_user_is_accepted():
    assert spec.validate_response("GET", "/v1/users/user_2abc", 200, user()) == []


def test_user_with_extra_field_is_rejected():
    problems = spec.validate_response("GET", "/v1/users/user_2abc", 200, user(surprise=1))
    assert len(problems) == 1 and "surprise" in problems[0]


def test_user_missing_required_field_is_rejected():
    body = user()
    del body["username"]
    problems = spec.validate_response("GET", "/v1/users/user_2abc", 200, body)
    assert len(problems) == 1 and "'username' is a required property" in problems[0]


def test_user_with_wrong_object_is_rejected():
    problems = spec.validate_response("GET", "/v1/users/user_2abc", 200, user(object="usr"))
    assert len(problems) == 1 and "object: 'usr' is not one of ['user']" in problems[0]


def test_nullable_is_not_a_free_pass():
    problems = spec.validate_response("GET", "/v1/users/user_2abc", 200, user(username=42))
    assert len(problems) == 1 and problems[0].endswith("username: 42 is not of type 'string'")


OTP_VERIFICATION = {
    "object": "verification_otp",
    "status": "verified",
    "strategy": "email_code",
    "attempts": 1,
    "expire_at": None,
}


def test_email_address_verification_may_be_null_or_a_union_member():
    for verification in (None, OTP_VERIFICATION):
        email = dict(EMAIL_ADDRESS, verification=verification)
        assert spec.validate_response("GET", "/v1/users/user_2abc", 200, user(email_addresses=[email])) == []
        assert spec.validate_response("GET", "/v1/email_addresses/idn_2abc", 200, email) == []


def test_email_address_verification_must_match_a_union_member():
    email = dict(EMAIL_ADDRESS, verification=dict(OTP_VERIFICATION, strategy="pigeon"))
    problems = spec.validate_response("GET", "/v1/email_addresses/idn_2abc", 200, email)
    # The error comes from the union member that came closest to matching.
    assert len(problems) == 1 and "verification/strategy: 'pigeon' is not one of" in problems[0]


def test_overlapping_one_of_accepts_a_private_jwk():
    # An Ed25519 private key also matches JWKS.ed25519.PublicKey: strict oneOf would reject it.
    key = {"kid": "k1", "alg": "EdDSA", "use": "sig", "kty": "OKP", "crv": "Ed25519", "x": "pub", "d": "priv"}
    assert spec.validate_response("GET", "/v1/jwks", 200, {"keys": [key]}) == []


def test_clerk_errors_envelope():
    error = {"message": "not found", "long_message": "User not found", "code": "resource_not_found"}
    assert spec.validate_response("GET", "/v1/users/user_x", 404, {"errors": [error]}) == []
    del error["long_message"]
    problems = spec.validate_response("GET", "/v1/users/user_x", 404, {"errors": [error]})
    assert len(problems) == 1 and "'long_message' is a required property" in problems[0]


def test_status_and_operation_problems():
    assert spec.validate_response("GET", "/v1/no_such_resource", 200, {}) == [
        "no operation in the spec for GET /v1/no_such_resource"
    ]
    (problem,) = spec.validate_response("GET", "/v1/users/user_x", 418, {})
    assert "status not declared" in problem


def test_response_without_json_body_expects_none():
    assert spec.validate_response("PATCH", "/v1/instance", 204, None) == []
    assert spec.validate_response("PATCH", "/v1/instance", 204, {}) != []


def test_deviation_replaces_status():
    assert deviations.success_status("createApiKey", 200) == 201
    assert deviations.success_status("GetUser", 200) == 200
    assert spec.validate_response("POST", "/v1/api_keys", 201, API_KEY) == []
    assert spec.validate_response("POST", "/v1/api_keys", 201, dict(API_KEY, extra=True)) != []
    (problem,) = spec.validate_response("POST", "/v1/api_keys", 200, API_KEY)
    assert "Clerk really answers 201" in problem


def test_deviation_replaces_schema(monkeypatch):
    schema = {"type": "object", "additionalProperties": False, "properties": {"ok": {"type": "boolean"}}}
    deviation = deviations.Deviation("GetUser", 200, 200, reason="test", evidence="test", schema=schema)
    monkeypatch.setattr(spec, "DEVIATIONS", [deviation])
    assert spec.validate_response("GET", "/v1/users/user_x", 200, {"ok": True}) == []
    assert spec.validate_response("GET", "/v1/users/user_x", 200, user()) != []


def test_every_deviation_names_a_declared_status():
    by_id = {op.operation_id: op for op in spec.operations()}
    for deviation in deviations.DEVIATIONS:
        assert str(deviation.spec_status) in by_id[deviation.operation_id].statuses
        assert deviation.reason and deviation.evidence


class TestUndeclaredErrors:
    def envelope(self, code: str) -> dict:
        return {"errors": [{"message": "m", "long_message": "l", "code": code}], "clerk_trace_id": "t"}

    def test_a_bad_key_is_accepted_on_any_operation(self) -> None:
        assert spec.validate_response("POST", "/v1/users/user_x/ban", 401, self.envelope("clerk_key_invalid")) == []

    def test_listed_status_with_another_code_is_refused(self) -> None:
        assert spec.validate_response("POST", "/v1/users/user_x/ban", 404, self.envelope("form_param_missing"))

    def test_listed_status_on_an_unlisted_operation_is_refused(self) -> None:
        assert spec.validate_response("DELETE", "/v1/users/user_x/profile_image", 413, self.envelope("image_too_large"))

    def test_listed_status_needs_the_envelope(self) -> None:
        assert spec.validate_response(
            "POST", "/v1/users/user_x/lock", 404, {"errors": [{"code": "resource_not_found"}]}
        )
