"""Clerk's errors of the Machines operations."""

from locum.api.errors import ClerkError, not_found


def machine_not_found() -> ClerkError:
    return not_found("machine")


def scoped_machine_not_found(machine_id: str) -> ClerkError:
    # CreateMachine declares no 404: a machine named in the body that does not exist is a form error.
    return ClerkError(
        422,
        "form_resource_not_found",
        "not found",
        f"No machine was found with id {machine_id}.",
        {"param_name": "scoped_machines"},
    )


def machine_scope_to_itself() -> ClerkError:
    return ClerkError(
        422,
        "form_param_value_invalid",
        "is invalid",
        "A machine cannot be scoped to itself.",
        {"param_name": "to_machine_id"},
    )


def too_many_machine_scopes(limit: int) -> ClerkError:
    return ClerkError(
        422,
        "form_param_array_size_exceeded",
        "too many scopes",
        f"A machine can have at most {limit} scopes.",
        {"param_name": "to_machine_id"},
    )


def machine_scope_exists() -> ClerkError:
    return ClerkError(
        409,
        "duplicate_record",
        "machine scope already exists",
        "This machine already has access to the given machine.",
    )
