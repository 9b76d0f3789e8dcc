"""Settings, read from ``KILOWATT_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kilowatt.domain.stations import UnknownStationPolicy


class LogFormat(StrEnum):
    CONSOLE = "console"
    JSON = "json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KILOWATT_", extra="ignore")

    data_dir: Path = Field(default=Path("./var"), description="Where embedded data lives.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy async URL; empty means an SQLite file in the data dir.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8180, ge=0, le=65535)
    public_url: str = Field(
        default="",
        description="Base URL stations and browsers use to reach this server; derived if empty.",
    )
    unknown_station_policy: UnknownStationPolicy = UnknownStationPolicy.REJECT
    log_format: LogFormat = LogFormat.CONSOLE
    log_level: str = "info"
    heartbeat_interval: int = Field(default=300, ge=10, le=86400)
    pending_retry_interval: int = Field(default=60, ge=5, le=86400)
    ocpp_max_message_bytes: int = Field(default=262_144, ge=1024)
    ocpp_call_timeout: float = Field(default=30.0, gt=0)
    ocpp_validate_outgoing: bool = Field(
        default=True, description="Check every frame we send against the official schema."
    )
    message_log_enabled: bool = True
    message_log_batch: int = Field(default=500, ge=1)
    db_pool_size: int = Field(
        default=20, ge=1, description="PostgreSQL connections of this process (a fixed pool)."
    )
    redis_url: str = Field(
        default="",
        description="redis://host:port/db: several nodes share one database; empty: one node.",
    )
    redis_prefix: str = Field(
        default="kilowatt",
        min_length=1,
        pattern=r"^[^\s]+$",
        description="Prefix of this installation's Redis keys and channels.",
    )
    cluster_node_ttl: float = Field(
        default=15.0, ge=1, description="Seconds a node counts as alive after its last heartbeat."
    )
    cluster_sweep_interval: float = Field(
        default=10.0,
        ge=0.5,
        description="Seconds between checks for stations left online by a node that died.",
    )
    gc_tuning: bool = Field(
        default=True, description="gc.freeze() after start-up and rarer collections."
    )
    secret_key: str = Field(
        default="",
        description="Signs the file links given to stations; every node must have the same. "
        "Empty: one is generated and kept in <data dir>/secret_key.",
    )
    files_dir: str = Field(
        default="", description="Firmware and diagnostics files; empty: <data dir>/files."
    )
    firmware_max_bytes: int = Field(default=512 * 1024 * 1024, ge=1)
    diagnostics_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1)
    firmware_url_ttl: int = Field(
        default=86_400, ge=60, description="Seconds a firmware link lasts after retrieve time."
    )
    diagnostics_upload_ttl: int = Field(
        default=3_600, ge=1, description="Seconds a diagnostics upload token stays usable."
    )

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        allowed = {"debug", "info", "warning", "error"}
        if value.lower() not in allowed:
            raise ValueError(f"log level must be one of {sorted(allowed)}")
        return value.lower()

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'kilowatt.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def effective_files_dir(self) -> Path:
        return Path(self.files_dir) if self.files_dir else self.data_dir / "files"

    @property
    def effective_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"
