"""Settings read from LOCUM_* variables (settings.py), under the values given explicitly."""

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from locum.settings import SVIX_RETRY_SCHEDULE, Settings


def test_each_field_reads_its_variable_as_its_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCUM_PORT", "9001")
    monkeypatch.setenv("LOCUM_DATA_DIR", "/tmp/elsewhere")
    monkeypatch.setenv("LOCUM_METRICS", "true")
    monkeypatch.setenv("LOCUM_WORKER_POLL_SECONDS", "0.5")
    monkeypatch.setenv("LOCUM_WEBHOOK_RETRY_SCHEDULE", "1, 2,3")
    monkeypatch.setenv("LOCUM_PUBLIC_URL", "")

    settings = Settings()

    assert (settings.port, settings.data_dir, settings.metrics) == (9001, Path("/tmp/elsewhere"), True)
    assert (settings.worker_poll_seconds, settings.webhook_retry_schedule) == (0.5, (1, 2, 3))
    assert settings.public_url == ""


def test_variable_names_are_read_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("locum_Log_Level", "DEBUG")

    assert Settings().log_level == "debug"


def test_a_value_given_explicitly_takes_precedence_over_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCUM_PORT", "9001")
    monkeypatch.setenv("LOCUM_PUBLIC_URL", "https://example.test")

    settings = Settings(port=9002, public_url=None)

    assert (settings.port, settings.public_url) == (9002, None)


def test_unset_variables_leave_the_defaults_and_unknown_names_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.upper().startswith("LOCUM_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LOCUM_NO_SUCH_SETTING", "1")

    settings = Settings(no_such_argument=1)

    assert (settings.port, settings.webhook_retry_schedule, settings.database_url) == (8700, SVIX_RETRY_SCHEDULE, "")


def test_a_variable_its_field_refuses_is_a_validation_error_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCUM_PORT", "eighty")
    monkeypatch.setenv("LOCUM_DATABASE_URL", "mysql://somewhere")

    with pytest.raises(ValidationError) as raised:
        Settings()

    assert sorted(str(error["loc"][0]) for error in raised.value.errors()) == ["database_url", "port"]
