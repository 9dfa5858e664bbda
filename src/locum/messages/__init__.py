"""Emails and SMS messages: Clerk's templates, rendering, recording, test mode and the SMTP sender."""

from locum.messages.service import request_variables, send_message
from locum.messages.smtp import run_email_sender, send_queued_emails
from locum.messages.test_mode import TEST_MODE_CODE, is_test_recipient

__all__ = [
    "TEST_MODE_CODE",
    "is_test_recipient",
    "request_variables",
    "run_email_sender",
    "send_message",
    "send_queued_emails",
]
