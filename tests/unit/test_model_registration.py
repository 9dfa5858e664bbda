"""What `locum serve` imports to start. Only the core models are registered (db/models/__init__.py):
they must reference no table outside the core, and every other model must come in before mappers
configure. Neither the webhook HTTP client, the mailer nor (unless on) the rate limiter is imported."""

import subprocess
import sys
import textwrap

import pytest


def run_python(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize("entry", ["locum.app", "locum.cli.serve"])
def test_start_registers_only_the_core(entry: str) -> None:
    loaded = run_python(
        f"""
        import sys
        import {entry}
        from locum.app import create_app
        from locum.settings import Settings

        create_app(Settings(database_url="sqlite:///:memory:"))
        print(sorted(name for name in sys.modules if name.startswith("locum.db.models.")))
        """
    )
    assert loaded == str(
        sorted(f"locum.db.models.{module}" for module in ("events", "instances", "messages", "webhooks"))
    )


def test_core_tables_reference_only_core_tables() -> None:
    unresolved = run_python(
        """
        import importlib

        from sqlalchemy.exc import NoReferencedTableError

        from locum.db.base import Base
        from locum.db.models import CORE_MODULES

        for module in CORE_MODULES:
            importlib.import_module(f"locum.db.models.{module}")
        missing = []
        for table in Base.metadata.tables.values():
            for foreign_key in table.foreign_keys:
                try:
                    foreign_key.column
                except NoReferencedTableError:
                    missing.append(f"{table.name}.{foreign_key.parent.name}")
        print(missing)
        """
    )
    assert unresolved == "[]"


def test_a_model_outside_the_core_brings_every_model_before_mappers_configure() -> None:
    counts = run_python(
        """
        from sqlalchemy.orm import configure_mappers

        import locum.db.models.sessions
        from locum.db.base import Base

        before = len(Base.metadata.tables)
        configure_mappers()
        print(before < len(Base.metadata.tables))
        """
    )
    assert counts == "True"


def test_start_imports_neither_the_http_client_nor_the_mailer() -> None:
    """Imported when first used (a delivery, an endpoint URL, LOCUM_SMTP_URL): a start uses neither."""
    loaded = run_python(
        """
        import sys
        import locum.cli.serve
        from locum.app import create_app
        from locum.settings import Settings

        create_app(Settings(database_url="sqlite:///:memory:"))
        print(sorted(name for name in ("httpx", "locum.messages", "aiosmtplib") if name in sys.modules))
        """
    )
    assert loaded == "[]"


def test_a_sqlite_start_without_metrics_imports_nothing_of_postgresql_nor_prometheus_client() -> None:
    """asyncpg and SQLAlchemy's dialect are PostgreSQL's (db/postgres_reads.py, db/types.py),
    prometheus_client is for LOCUM_METRICS alone."""
    loaded = run_python(
        """
        import sys
        import locum.cli.serve
        from locum.app import create_app
        from locum.outbox import worker
        from locum.settings import Settings

        create_app(Settings(database_url="sqlite:///:memory:"))
        postgresql = ("asyncpg", "sqlalchemy.dialects.postgresql")
        print(sorted(name for name in (*postgresql, "prometheus_client") if name in sys.modules))
        """
    )
    assert loaded == "[]"


def test_metrics_list_the_delivery_failures_from_the_start() -> None:
    """The failure counter is made at the first failure: with metrics on, /metrics shows it at 0 before."""
    failures = run_python(
        """
        from prometheus_client import REGISTRY

        from locum.app import create_app
        from locum.settings import Settings

        create_app(Settings(database_url="sqlite:///:memory:", metrics=True))
        print(REGISTRY.get_sample_value("locum_webhook_delivery_failures_total"))
        """
    )
    assert failures == "0.0"


def test_a_postgresql_start_imports_nothing_of_sqlite() -> None:
    """aiosqlite and the SQLite driver are imported where a SQLite engine or reader is made."""
    loaded = run_python(
        """
        import sys
        import locum.cli.serve
        from locum.app import create_app
        from locum.db.engine import create_engine
        from locum.settings import Settings

        settings = Settings(database_url="postgresql://locum@127.0.0.1:1/locum")
        create_app(settings)
        create_engine(settings)
        print(sorted(name for name in ("aiosqlite", "locum.db.sqlite_driver") if name in sys.modules))
        """
    )
    assert loaded == "[]"


def test_the_rate_limiter_is_imported_only_when_rate_limits_are_on() -> None:
    """api/rate_limits.py (its rules' patterns) comes in where LOCUM_RATE_LIMITS=clerk turns it on."""
    loaded = run_python(
        """
        import sys
        import locum.cli.serve
        from locum.app import create_app
        from locum.settings import Settings

        create_app(Settings(database_url="sqlite:///:memory:")).build_middleware_stack()
        off = "locum.api.rate_limits" in sys.modules
        create_app(Settings(database_url="sqlite:///:memory:", rate_limits="clerk")).build_middleware_stack()
        print(off, "locum.api.rate_limits" in sys.modules)
        """
    )
    assert loaded == "False True"
