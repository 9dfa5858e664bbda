"""Clerk's error envelope, and the one place errors become responses.

    ClerkError(status, code, message, long_message, meta)
      raised anywhere; rendered as
      {"errors": [{"message", "long_message", "code", "meta"}], "clerk_trace_id": "…"}

Named constructors below cover the conditions Clerk names; FastAPI's request validation errors,
malformed JSON and unknown routes are translated here too, so no FastAPI-shaped body ever leaves.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from locum.api.responses import ClerkJSONResponse
from locum.api.tracing import trace_id
from locum.db.constraints import IdentifierTaken
from locum.db.failures import is_lock_conflict

# Pydantic error types raised by api/bodies.py's validators.
ARRAY_TOO_LONG = "array_too_long"
METADATA_TOO_LARGE = "metadata_too_large"


class ClerkError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        long_message: str | None = None,
        meta: dict[str, Any] | None = None,
        *,
        extra_errors: Sequence["ClerkError"] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.long_message = long_message or message
        self.meta = meta
        self.extra_errors = tuple(extra_errors)
        self.headers = headers

    def item(self) -> dict[str, Any]:
        item: dict[str, Any] = {"message": self.message, "long_message": self.long_message, "code": self.code}
        if self.meta is not None:
            item["meta"] = self.meta
        return item

    def body(self) -> dict[str, Any]:
        return {"errors": [self.item(), *(e.item() for e in self.extra_errors)], "clerk_trace_id": trace_id()}

    def response(self) -> ClerkJSONResponse:
        return ClerkJSONResponse(self.body(), status_code=self.status, headers=self.headers)

    def with_status(self, status: int) -> "ClerkError":
        """The same error answered with `status` (operations declare different statuses for bad input)."""
        return ClerkError(
            status,
            self.code,
            self.message,
            self.long_message,
            self.meta,
            extra_errors=self.extra_errors,
            headers=self.headers,
        )


class RequestRefused(StarletteHTTPException):
    """A ClerkError raised while the request body is read: FastAPI re-raises HTTPExceptions from body
    parsing and turns every other exception into a bare 400."""

    def __init__(self, error: ClerkError) -> None:
        super().__init__(error.status, error.message)
        self.error = error


def _param(name: str) -> dict[str, Any]:
    return {"param_name": name}


def clerk_key_invalid() -> ClerkError:
    return ClerkError(
        401,
        "clerk_key_invalid",
        "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
    )


def machine_secret_key_invalid() -> ClerkError:
    return ClerkError(
        401,
        "machine_secret_key_invalid",
        "The provided Machine Secret Key is invalid. Make sure that your Machine Secret Key is correct.",
    )


def token_revoked(kind: str) -> ClerkError:
    """Verifying a revoked machine-auth token: 404 like an unknown one, which Clerk's SDKs (any answer
    but 200 is an invalid token) refuse alike."""
    return ClerkError(404, "token_revoked", "token revoked", f"This {kind} has been revoked.")


def token_expired(kind: str) -> ClerkError:
    return ClerkError(404, "token_expired", "token expired", f"This {kind} has expired.")


def authorization_header_format_invalid() -> ClerkError:
    return ClerkError(
        401,
        "authorization_header_format_invalid",
        "Invalid Authorization header format",
        'The Authorization header must be of the form "Bearer <secret key>".',
    )


def api_version_invalid(detail: str) -> ClerkError:
    return ClerkError(400, "api_version_invalid", "Invalid API version", detail)


def not_found(resource: str = "resource") -> ClerkError:
    return ClerkError(404, "resource_not_found", "not found", f"The requested {resource} could not be found.")


ROUTE_NOT_FOUND_MESSAGE = "No such endpoint: locum does not serve this path (or this Clerk operation) yet."


def request_invalid_for_environment(detail: str) -> ClerkError:
    """An operation this instance's environment (development or production) does not offer."""
    return ClerkError(400, "request_invalid_for_environment", "Request not valid for this environment", detail)


def route_not_found() -> ClerkError:
    return ClerkError(404, "resource_not_found", "not found", ROUTE_NOT_FOUND_MESSAGE)


def method_not_allowed(allowed_methods: str | None = None) -> ClerkError:
    """`allowed_methods`: the Allow header's value (RFC 9110 requires one on a 405), as the router gives it."""
    return ClerkError(
        405,
        "method_not_allowed",
        "method not allowed",
        "This method is not allowed here.",
        headers={"Allow": allowed_methods} if allowed_methods else None,
    )


def request_body_invalid(detail: str = "The request body is invalid.") -> ClerkError:
    return ClerkError(400, "request_body_invalid", "Request body invalid", detail)


def request_body_too_large(limit_bytes: int) -> ClerkError:
    # The rest of the body is never read: closing tells the client to stop sending it.
    return ClerkError(
        413,
        "request_body_too_large",
        "Request body too large",
        f"The request body exceeds {limit_bytes} bytes.",
        headers={"Connection": "close"},
    )


def too_many_requests(retry_after_seconds: int) -> ClerkError:
    return ClerkError(
        429,
        "too_many_requests",
        "Too many requests",
        "Too many requests, retry later",
        headers={"Retry-After": str(retry_after_seconds)},
    )


def request_body_timeout(limit_seconds: float) -> ClerkError:
    return ClerkError(
        408,
        "request_timeout",
        "Request timeout",
        f"The request body did not arrive within {limit_seconds} seconds.",
        headers={"Connection": "close"},
    )


def image_too_large(limit_bytes: int) -> ClerkError:
    return ClerkError(
        413, "image_too_large", "Image too large", f"The image must not be larger than {limit_bytes} bytes."
    )


def malformed_request_parameters(detail: str) -> ClerkError:
    return ClerkError(400, "malformed_request_parameters", "Malformed request parameters", detail)


def form_param_missing(name: str, status: int = 422) -> ClerkError:
    return ClerkError(
        status, "form_param_missing", f"{name} must be included", f"{name} must be included.", _param(name)
    )


def form_param_unknown(name: str) -> ClerkError:
    return ClerkError(
        422, "form_param_unknown", "is unknown", f"{name} is not a valid parameter for this request.", _param(name)
    )


def form_param_format_invalid(name: str, detail: str | None = None) -> ClerkError:
    return ClerkError(422, "form_param_format_invalid", "is invalid", detail or f"{name} is invalid.", _param(name))


def form_param_value_invalid(name: str, detail: str | None = None, status: int = 422) -> ClerkError:
    return ClerkError(status, "form_param_value_invalid", "is invalid", detail or f"{name} is invalid.", _param(name))


def form_param_type_invalid(name: str, detail: str | None = None) -> ClerkError:
    return ClerkError(
        422, "form_param_type_invalid", "is of the wrong type", detail or f"{name} has the wrong type.", _param(name)
    )


def form_param_max_length_exceeded(name: str, limit: int) -> ClerkError:
    return ClerkError(
        422,
        "form_param_max_length_exceeded",
        "is too long",
        f"{name} must not be longer than {limit} characters.",
        _param(name),
    )


def too_many_filter_values(name: str, limit: int) -> ClerkError:
    detail = f"{name} accepts at most {limit} values."
    return ClerkError(422, "form_param_array_size_exceeded", "too many values", detail, _param(name))


def form_param_array_size_exceeded(name: str, limit: int) -> ClerkError:
    return ClerkError(
        422,
        "form_param_array_size_exceeded",
        "too many items",
        f"{name} must not have more than {limit} items.",
        _param(name),
    )


def form_param_exceeds_allowed_size(name: str, detail: str) -> ClerkError:
    return ClerkError(422, "form_param_exceeds_allowed_size", "exceeds the allowed size", detail, _param(name))


def form_param_min_length_exceeded(name: str, limit: int) -> ClerkError:
    return ClerkError(
        422,
        "form_param_min_length_exceeded",
        "is too short",
        f"{name} must be at least {limit} characters long.",
        _param(name),
    )


def form_identifier_exists(name: str) -> ClerkError:
    return ClerkError(
        422,
        "form_identifier_exists",
        "That identifier is taken. Please try another.",
        f"That {name.replace('_', ' ')} is taken. Please try another.",
        _param(name),
    )


def bulk_size_exceeded(name: str, limit: int) -> ClerkError:
    return ClerkError(
        400,
        "bulk_size_exceeded",
        "bulk size exceeded",
        f"{name} must not have more than {limit} entries.",
        _param(name),
    )


def no_password_set() -> ClerkError:
    return ClerkError(400, "no_password_set", "no password set", "The user does not have a password set.")


def incorrect_password() -> ClerkError:
    return ClerkError(
        422,
        "incorrect_password",
        "Password is incorrect",
        "The provided password is incorrect.",
        _param("password"),
    )


def user_locked(expires_in_seconds: int | None, status: int = 403) -> ClerkError:
    """The user is locked out; `expires_in_seconds` is None for a lock that lasts until unlocked."""
    if expires_in_seconds is None:
        return ClerkError(status, "user_locked", "Account locked", "This account is locked until unlocked.")
    return ClerkError(
        status,
        "user_locked",
        "Account locked",
        f"This account is locked. Try again in {expires_in_seconds} seconds.",
        {"lockout_expires_in_seconds": expires_in_seconds},
    )


def totp_disabled() -> ClerkError:
    return ClerkError(400, "totp_disabled", "TOTP is not enabled", "The user has neither TOTP nor backup codes set up.")


def totp_incorrect_code() -> ClerkError:
    return ClerkError(
        422, "totp_incorrect_code", "Incorrect code", "The TOTP or backup code is incorrect.", _param("code")
    )


def totp_invalid_length(digits: int) -> ClerkError:
    return ClerkError(
        422,
        "totp_invalid_length",
        "Invalid length",
        f"A TOTP code must be {digits} digits long.",
        _param("code"),
    )


def identification_deletion_failed() -> ClerkError:
    return ClerkError(
        400, "identification_deletion_failed", "Deletion failed", "You cannot delete your last identification."
    )


def delete_linked_identification_disallowed() -> ClerkError:
    return ClerkError(
        400,
        "delete_linked_identification_disallowed",
        "Deletion not allowed",
        "This identification is linked to a connected account. Remove the connected account first.",
    )


def breaks_instance_invariant(description: str) -> ClerkError:
    return ClerkError(
        400,
        "breaks_instance_invariant",
        "Breaks instance invariant",
        f"{description} - This invariant is determined by your user settings",
    )


def identification_create_second_factor_unverified() -> ClerkError:
    return ClerkError(
        400,
        "identification_create_second_factor_unverified",
        "Create failed",
        "Unverified identifications cannot be a second factor",
    )


def identification_update_second_factor_unverified() -> ClerkError:
    return ClerkError(
        400,
        "identification_update_second_factor_unverified",
        "Update failed",
        "Cannot update second factor attributes for unverified identification",
    )


def identification_update_failed() -> ClerkError:
    return ClerkError(
        400,
        "identification_update_failed",
        "Update failed",
        "You cannot set your last identification as second factor.",
    )


def verification_already_verified() -> ClerkError:
    return ClerkError(
        400,
        "verification_already_verified",
        "This verification has already been verified.",
        "You need to send a new code.",
    )


def conflict() -> ClerkError:
    return ClerkError(
        409,
        "conflict",
        "Conflict",
        "The request collided with a concurrent request for the same data and was not applied; try it again.",
    )


def unhandled_error() -> ClerkError:
    return ClerkError(
        500, "internal_clerk_error", "Oops, an unexpected error occurred", "An unexpected error occurred."
    )


def _validation_error(error: Mapping[str, Any]) -> ClerkError:
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "header")]
    name = ".".join(location) or "body"
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "json_invalid":
        return request_body_invalid("The request body is not valid JSON.")
    if kind == "missing":
        return form_param_missing(name)
    if kind == "extra_forbidden":
        return form_param_unknown(name)
    if kind == ARRAY_TOO_LONG:
        return form_param_array_size_exceeded(name, int(context.get("max_length", 0)))
    if kind == METADATA_TOO_LARGE:
        return form_param_exceeds_allowed_size(name, f"{name} must not be larger than {context.get('limit')} bytes.")
    if kind in ("string_too_long", "too_long"):
        return form_param_max_length_exceeded(name, int(context.get("max_length", 0)))
    if kind in ("string_too_short", "too_short"):
        return form_param_min_length_exceeded(name, int(context.get("min_length", 0)))
    if kind.endswith("_type") or kind.endswith("_parsing") or kind in ("model_attributes_type", "dict_type"):
        return form_param_type_invalid(name, f"{name} {error.get('msg', 'has the wrong type').lower()}.")
    return form_param_value_invalid(name, f"{name}: {error.get('msg', 'is invalid')}.")


def validation_errors(errors: Sequence[Mapping[str, Any]]) -> ClerkError:
    """One ClerkError for pydantic's errors."""
    items = [_validation_error(error) for error in errors]
    body_level = [item for item in items if item.status == 400]
    first, rest = (body_level[0], []) if body_level else (items[0], items[1:])
    return ClerkError(first.status, first.code, first.message, first.long_message, first.meta, extra_errors=rest)


def install_error_handlers(app: FastAPI) -> None:
    async def on_clerk_error(_request: Request, exc: Exception) -> ClerkJSONResponse:
        assert isinstance(exc, ClerkError)
        return exc.response()

    async def on_validation_error(_request: Request, exc: Exception) -> ClerkJSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_errors(exc.errors()).response()

    async def on_http_error(_request: Request, exc: Exception) -> ClerkJSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if isinstance(exc, RequestRefused):
            return exc.error.response()
        if exc.status_code == 404:
            return route_not_found().response()
        if exc.status_code == 405:
            return method_not_allowed((exc.headers or {}).get("Allow")).response()
        return ClerkError(exc.status_code, "request_invalid", str(exc.detail)).response()

    async def on_identifier_taken(_request: Request, exc: Exception) -> ClerkJSONResponse:
        assert isinstance(exc, IdentifierTaken)
        return form_identifier_exists(exc.param).response()

    async def on_database_error(_request: Request, exc: Exception) -> ClerkJSONResponse:
        assert isinstance(exc, DBAPIError)
        if not is_lock_conflict(exc):
            raise exc  # a bug: answered as one, further out
        # The transaction was rolled back whole: nothing of it was applied.
        return conflict().response()

    app.add_exception_handler(ClerkError, on_clerk_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(IdentifierTaken, on_identifier_taken)
    app.add_exception_handler(DBAPIError, on_database_error)
