"""Clerk's errors of the SCIM Directories and Directories operations."""

from locum.api.errors import ClerkError, form_param_value_invalid, not_found


def directory_not_found() -> ClerkError:
    return not_found("directory")


def enterprise_connection_not_found() -> ClerkError:
    # CreateSCIMDirectory / CreateDirectory declare no 404: a connection named in the body that the
    # instance does not have is a form error.
    return ClerkError(
        422,
        "form_resource_not_found",
        "not found",
        "No enterprise connection was found with this enterprise_connection_id.",
        {"param_name": "enterprise_connection_id"},
    )


def connection_has_directory() -> ClerkError:
    return ClerkError(
        400,
        "duplicate_record",
        "directory already exists",
        "This enterprise connection already has a directory.",
        {"param_name": "enterprise_connection_id"},
    )


def role_not_found(param: str) -> ClerkError:
    return ClerkError(
        422,
        "form_resource_not_found",
        "not found",
        "No organization role was found with this role_id.",
        {"param_name": param},
    )


def group_mapped_twice(param: str) -> ClerkError:
    return form_param_value_invalid(param, "Each group can be mapped to a role only once in a directory.")


def precedence_used_twice(param: str) -> ClerkError:
    return form_param_value_invalid(param, "Each precedence can be used only once in a directory.")


def names_disagree(param: str, legacy_name: str) -> ClerkError:
    return form_param_value_invalid(
        param, f"{param} and its legacy name {legacy_name} were both given with different values."
    )


def too_many_attributes(limit: int) -> ClerkError:
    return ClerkError(
        422,
        "form_param_exceeds_allowed_size",
        "exceeds the allowed size",
        f"A directory's attribute_mapping can map at most {limit} attributes.",
        {"param_name": "attribute_mapping"},
    )
