"""Process settings, read once from LOCUM_* environment variables (or given explicitly)."""

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700
DEFAULT_DATA_DIR = Path(".locum")
MEMORY_SQLITE_URL = "sqlite:///:memory:"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOCUM_", extra="ignore")

    host: str = DEFAULT_HOST
    port: int = Field(DEFAULT_PORT, ge=1, le=65535)
    workers: int = Field(1, ge=1)
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    secret_key: str | None = None
    master_key: str | None = None
    public_url: str | None = None
    prepare_database: bool = True
    log_level: str = "info"

    @field_validator("database_url")
    @classmethod
    def _check_scheme(cls, url: str) -> str:
        if url and not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("expected sqlite:///PATH, sqlite:///:memory: or postgresql://…")
        return url

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
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def master_key_file(self) -> Path:
        return self.data_dir / "master.key"
