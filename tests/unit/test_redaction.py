"""db/redaction.py: database errors keep no values, asyncpg's included (it is imported on PostgreSQL only)."""

import asyncpg

from locum.db.redaction import VALUE_HIDDEN, redact


def test_an_asyncpg_error_loses_its_detail_and_the_value_in_its_message() -> None:
    error = asyncpg.UniqueViolationError('invalid input syntax for type integer: "secret@example.com"')
    error.detail = "Key (email)=(secret@example.com) already exists."
    raised = RuntimeError("the statement failed")
    raised.__cause__ = error

    redact(raised)

    assert error.detail is None
    assert error.args == (f"invalid input syntax for type integer: {VALUE_HIDDEN}",)
    assert "secret" not in str(error)


def test_an_error_of_another_driver_loses_the_value_in_its_message() -> None:
    error = ValueError('value "99999999999" is out of range for type integer')

    redact(error)

    assert error.args == (f"value {VALUE_HIDDEN} is out of range for type integer",)
