"""The Clerk errors only the Users operations answer (the shared ones are in api/errors.py)."""

from locum.api.errors import ClerkError


def _form_error(code: str, param: str, message: str) -> ClerkError:
    return ClerkError(422, code, message, message, {"param_name": param})


def provider_filter_incomplete(missing: str) -> ClerkError:
    return ClerkError(
        422,
        "form_conditional_param_missing",
        "provider and provider_user_id go together",
        "provider and provider_user_id must be given together.",
        {"param_name": missing},
    )


def password_too_short(min_length: int) -> ClerkError:
    return _form_error(
        "form_password_length_too_short", "password", f"Passwords must be {min_length} characters or more."
    )


def password_too_large(max_bytes: int) -> ClerkError:
    return _form_error(
        "form_password_size_in_bytes_exceeded", "password", f"Passwords must be at most {max_bytes} bytes long."
    )


def password_param_missing(missing: str, given: str) -> ClerkError:
    """password_digest and password_hasher come together: `missing` was left out, `given` was sent."""
    return _form_error("form_param_missing", missing, f"{missing} must be included with {given}.")


def password_digest_invalid(hasher: str) -> ClerkError:
    return _form_error(
        "form_password_digest_invalid_code",
        "password_digest",
        f"The password digest is not valid for the {hasher} hasher.",
    )


def time_invalid(param: str) -> ClerkError:
    return _form_error("form_param_invalid_time", param, f"{param} must be a valid RFC3339 date-time.")


def username_not_allowed(username: str, problem: str) -> ClerkError:
    return _form_error(problem, "username", f"The username {username!r} is not allowed ({problem}).")


def totp_secret_invalid() -> ClerkError:
    return _form_error("invalid_totp_secret_code", "totp_secret", "The TOTP secret must be base32.")


def statuses_length_mismatch(param: str) -> ClerkError:
    return _form_error(
        "form_param_array_length_mismatch",
        f"{param}_identification_status",
        f"{param}_identification_status must have as many entries as {param}.",
    )


def primary_not_verified(param: str) -> ClerkError:
    return ClerkError(
        422,
        "form_param_value_invalid",
        "is not verified",
        "Only a verified identification can be made primary.",
        {"param_name": param},
    )
