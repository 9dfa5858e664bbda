"""Process settings, read once from LOCUM_* environment variables (or given explicitly).

The variables are read here rather than by pydantic-settings, whose import costs a start ~20 ms for
what locum uses of it: one variable a field, named LOCUM_ and the field's name in any case, its text
validated as the field's type; a value given explicitly takes precedence.
"""

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from locum.kit.keys import is_secret_key_format

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700
DEFAULT_DATA_DIR = Path(".locum")
MEMORY_SQLITE_URL = "sqlite:///:memory:"
DATABASE_URL_FORMS = "sqlite:///PATH, sqlite:///:memory: or postgresql://USER@HOST:PORT/NAME"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
# Hosts that mean "every interface": clients reach such a server on the loopback address.
ANY_INTERFACE_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
# Svix's retry schedule, in seconds after the previous attempt (the first attempt is immediate).
SVIX_RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
# A request's headers must all arrive within this time of its first byte (of the connection's opening).
DEFAULT_HEADER_TIMEOUT_SECONDS = 10.0
# A connection idle this long after a response is closed (uvicorn's own default).
DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS = 5.0
# uvicorn kills a `--workers` process that does not answer its health check in time (5 s by default):
# a worker importing the app on a busy machine can take longer, so it gets a minute.
DEFAULT_WORKER_HEALTHCHECK_TIMEOUT_SECONDS = 60
# LOCUM_RATE_LIMITS=clerk: Clerk's Backend API rate limits (locum.api.rate_limits); off by default.
RATE_LIMITS_CLERK = "clerk"
ENVIRONMENT_PREFIX = "locum_"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_default=True)

    host: str = DEFAULT_HOST
    # 0: any free port (`locum serve --port 0` binds one and reports it; settings then hold the real one)
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535)
    workers: int = Field(default=1, ge=1)
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    secret_key: str | None = None
    master_key: str | None = None
    public_url: str | None = None
    prepare_database: bool = True
    log_level: str = "info"
    # "json": one JSON object per log line (locum.logs), for log collectors; "text" for people.
    log_format: Literal["text", "json"] = "text"
    # Serve Prometheus metrics at /metrics on the API's port (off: /metrics is a 404 like any unknown path).
    metrics: bool = False
    header_timeout_seconds: float = Field(default=DEFAULT_HEADER_TIMEOUT_SECONDS, gt=0)
    keep_alive_timeout_seconds: float = Field(default=DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS, gt=0)
    # Seconds a `--workers` process (uvicorn's, not `locum worker`) has to answer the parent's health check.
    worker_healthcheck_timeout_seconds: int = Field(default=DEFAULT_WORKER_HEALTHCHECK_TIMEOUT_SECONDS, ge=1)
    # "clerk": Clerk's Backend API rate limits, answered with 429 (locum.api.rate_limits).
    rate_limits: Literal["off", "clerk"] = "off"
    # The one-endpoint case: every event is delivered here, signed with this `whsec_…` secret if given.
    webhook_url: str | None = None
    webhook_secret: str | None = None
    # Seconds between delivery attempts; shorter schedules make tests and local loops fast.
    webhook_retry_schedule: tuple[int, ...] = SVIX_RETRY_SCHEDULE
    # How often an idle delivery worker looks for work it was not woken for (another process's events).
    worker_poll_seconds: float = Field(default=0.05, gt=0)
    # Run the delivery worker inside `locum serve` (off when separate `locum worker` processes do it).
    deliver_in_serve: bool = True
    # smtp://user:password@host:port or smtps://…: emails are sent there as well as recorded.
    smtp_url: str | None = None
    # A seed file (locum.seeds) `locum serve` applies to the default instance before serving.
    seed_file: Path | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, given: Any) -> Any:
        """The LOCUM_* variables (names in any case), under the values given explicitly."""
        if not isinstance(given, dict):
            return given
        variables = {name.lower(): value for name, value in os.environ.items()}
        read = {
            field: variables[ENVIRONMENT_PREFIX + field]
            for field in cls.model_fields
            if ENVIRONMENT_PREFIX + field in variables
        }
        return {**read, **given}

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _parse_schedule(cls, value: object) -> object:
        """LOCUM_WEBHOOK_RETRY_SCHEDULE=5,300,1800: seconds, comma-separated."""
        if isinstance(value, str):
            return tuple(int(part) for part in value.split(",") if part.strip())
        return value

    @field_validator("database_url")
    @classmethod
    def _check_scheme(cls, url: str) -> str:
        scheme = url.split("://", 1)[0] if "://" in url else url
        if url and scheme.startswith(("postgresql+", "postgres+", "sqlite+")):
            base = scheme.split("+", 1)[0]
            raise ValueError(f"write {base}://… without a driver ({scheme}): locum picks its own")
        if url and not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(f"{scheme or url!r} is not a database locum can use: give {DATABASE_URL_FORMS}")
        return url

    @field_validator("secret_key")
    @classmethod
    def _check_secret_key(cls, key: str | None) -> str | None:
        # The key itself is never repeated in the message: it is a secret.
        if key is not None and not is_secret_key_format(key):
            raise ValueError("not a Clerk secret key: give sk_test_… or sk_live_… (or leave it unset for a new one)")
        return key

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, level: str) -> str:
        if level.lower() not in LOG_LEVELS:
            raise ValueError(f"{level!r} is not a log level: give one of {', '.join(LOG_LEVELS)}")
        return level.lower()

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'locum.db').resolve()}"

    @property
    def async_database_url(self) -> str:
        """The URL with the async driver locum uses for its scheme."""
        url = self.effective_database_url
        if url.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
        return "postgresql+asyncpg://" + url.split("://", 1)[1]

    @property
    def is_memory_database(self) -> bool:
        return self.effective_database_url == MEMORY_SQLITE_URL

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite:")

    @property
    def origin(self) -> str:
        """Where clients reach this server (no /v1): CLERK_API_URL and image URLs use it."""
        return self.public_url.rstrip("/") if self.public_url else self.local_origin

    @property
    def local_origin(self) -> str:
        """Where this machine reaches the server: loopback when it listens on every interface."""
        host = ANY_INTERFACE_HOSTS.get(self.host, self.host)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def master_key_file(self) -> Path:
        return self.data_dir / "master.key"
