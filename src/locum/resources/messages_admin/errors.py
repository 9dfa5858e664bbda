from locum.api.errors import ClerkError, not_found


def message_not_found() -> ClerkError:
    return not_found("message")
