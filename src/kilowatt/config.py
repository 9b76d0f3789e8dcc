"""Settings, read from ``KILOWATT_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.jobs import parse_time_of_day, time_zone
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
    ocpp_max_message_bytes: int = Field(default=4_194_304, ge=1024)
    """A frame, after decompression. Real answers run to half a megabyte (GetConfiguration of
    a large 1.6 station, a 2.0.1 NotifyReport); 4 MiB leaves room and bounds the memory a
    compressed bomb can claim before it is refused."""
    ocpp_call_timeout: float = Field(default=30.0, gt=0)
    remote_start_window: float = Field(
        default=120.0,
        gt=0,
        le=3600,
        description="Seconds a remote start waits for its session once the station accepted.",
    )
    # Station security (docs/operations.md, "Station security") -------------------------------
    tls_cert_file: str = Field(
        default="",
        description="PEM certificate (chain) Kilowatt serves TLS with (wss://, https://); "
        "empty: no TLS.",
    )
    tls_key_file: str = Field(default="", description="The private key of tls_cert_file.")
    tls_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Port for TLS while `port` stays plain; 0: `port` itself serves TLS.",
    )
    tls_client_ca_file: str = Field(
        default="",
        description="CA certificates that station client certificates (profile 3) must chain "
        "to; empty: Kilowatt's own CA.",
    )
    ca_cert_file: str = Field(
        default="",
        description="Certificate of the CA that signs station certificates; empty: one is "
        "created in <data dir>/ca/.",
    )
    ca_key_file: str = Field(default="", description="The private key of ca_cert_file.")
    station_certificate_days: int = Field(
        default=365, ge=1, le=3650, description="Validity of the station certificates signed."
    )
    ocpp_auth_max_failures: int = Field(
        default=5, ge=1, description="Failed handshakes of one station before it is throttled."
    )
    ocpp_auth_max_failures_per_source: int = Field(
        default=20,
        ge=1,
        description="Failed handshakes from one address before it is throttled.",
    )
    ocpp_auth_failure_window: float = Field(
        default=60.0, gt=0, description="Seconds over which failed handshakes are counted."
    )
    ocpp_auth_block_seconds: float = Field(
        default=30.0, gt=0, description="First block after too many failures; doubles after."
    )
    ocpp_auth_max_block_seconds: float = Field(
        default=900.0, gt=0, description="Longest block after repeated failures."
    )
    ocpp_max_connects: int = Field(
        default=10,
        ge=1,
        description="Connections one station may open within ocpp_connect_window; the next "
        "ones are refused (429) for a while.",
    )
    ocpp_connect_window: float = Field(
        default=60.0, gt=0, description="Seconds over which a station's connections are counted."
    )
    ocpp_connect_block_seconds: float = Field(
        default=30.0, gt=0, description="First block of a station that connects too often."
    )
    ocpp_connect_max_block_seconds: float = Field(
        default=600.0, gt=0, description="Longest block of a station that connects too often."
    )
    ocpp_max_handshakes: int = Field(
        default=200, ge=1, description="Handshakes checked at once; more wait in a queue."
    )
    ocpp_handshake_queue: int = Field(
        default=20_000,
        ge=0,
        description="Handshakes that may wait for a place (first come, first served); "
        "more are answered 503.",
    )
    ocpp_handshake_queue_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a handshake may wait in that queue (then 503)."
    )
    ocpp_handshake_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a handshake may take to be checked."
    )
    ocpp_password_workers: int = Field(
        default=4, ge=1, le=64, description="Threads that check station passwords (argon2)."
    )
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
    mqtt_url: str = Field(
        default="",
        description="mqtt://[user:password@]host[:port] of the broker site meters publish to; "
        "empty: no MQTT meters.",
    )
    mqtt_topics: str = Field(
        default="kilowatt/meters/#",
        min_length=1,
        description="The topic filter Kilowatt subscribes to; each site names its meter's topic.",
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
    billing_currency: str = Field(
        default="EUR",
        description="The ISO 4217 currency of wallets and of sessions no tariff prices.",
    )
    cost_updated_every: float = Field(
        default=60.0,
        ge=1,
        description="Seconds between two CostUpdated messages to a 2.0.1 station that shows "
        "running cost (TariffCostCtrlr.Enabled[Cost]), sent while the session's cost changes.",
    )
    billing_interval: float = Field(
        default=300.0,
        gt=0,
        description="Seconds between runs of the job that bills sessions left unbilled "
        "(a node stopped between a session's end and its bill).",
    )
    site_load_watch_interval: float = Field(
        default=30.0,
        ge=1,
        description="Seconds between runs of the job that raises an alert when a site's meter "
        "goes silent (no reading fresher than the site's reading_max_age_s) and clears it, "
        "and applies a site's time-of-use cap when its window opens or closes.",
    )
    firmware_campaign_interval: float = Field(
        default=10.0,
        ge=0.5,
        description="Seconds between steps of the firmware-campaigns job, which sends running "
        "campaigns' updates to the stations due for them.",
    )
    firmware_campaign_step: int = Field(
        default=100, ge=1, description="Stations one step sends a campaign's update to, at most."
    )
    firmware_campaign_offline_grace: float = Field(
        default=300.0,
        ge=0,
        description="Seconds a campaign waits for a station that went offline lately before "
        "its update fails as offline (one never seen fails at once).",
    )

    # Jobs (docs/operations.md, "Jobs") -------------------------------------------------------
    jobs_enabled: bool = Field(
        default=True,
        description="Run scheduled jobs on this node; false: other nodes run them (a run asked "
        "for through this node's API still runs here).",
    )
    jobs_lease_ttl: float = Field(
        default=60.0,
        ge=5,
        description="Seconds a job's lease lasts unless its node renews it: how long a run whose "
        "node died takes to be recorded as failed.",
    )
    jobs_time_zone: str = Field(default="UTC", description="The clock of the daily jobs' times.")
    message_log_retention_days: int = Field(
        default=30, ge=0, description="Days the raw OCPP message log is kept; 0: forever."
    )
    meter_values_retention_days: int = Field(
        default=0,
        ge=0,
        description="Days meter readings are kept after their session ended (and readings of "
        "no session after their timestamp); 0: forever.",
    )
    retention_at: str = Field(
        default="03:30", description="When the retention jobs run each day (HH:MM, jobs_time_zone)."
    )
    retention_batch: int = Field(
        default=5_000, ge=1, le=100_000, description="Rows one retention statement removes."
    )

    # Outbound email (invitations) ------------------------------------------------------------
    smtp_host: str = Field(
        default="", description="Mail server for outbound email; empty: emails go to the log."
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="The mail server's port.")
    smtp_from: str = Field(
        default="kilowatt@localhost", description="The sender address of outbound email."
    )
    smtp_username: str = Field(default="", description="SMTP login; empty: none.")
    smtp_password: str = Field(default="", description="The SMTP login's password.")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection to TLS.")

    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For / X-Forwarded-Proto are believed; empty: none (the peer's address is "
        "the client's).",
    )
    session_idle_timeout: int = Field(
        default=3_600, ge=60, description="Seconds of inactivity that end a dashboard session."
    )
    session_max_age: int = Field(
        default=43_200, ge=60, description="Seconds after sign-in that end a session regardless."
    )
    session_cookie_secure: bool = Field(
        default=False,
        description="Mark the session cookie Secure on every response (it always is on HTTPS "
        "requests, including those a trusted proxy says were HTTPS, and whenever public_url "
        "is https).",
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins of one account from one address before that address is "
        "throttled for that account.",
    )
    login_max_failures_per_address: int = Field(
        default=20, ge=1, description="Failed sign-ins from one address before it is throttled."
    )
    login_max_failures_per_account: int = Field(
        default=50,
        ge=1,
        description="Failed sign-ins of one account from every address together before the "
        "account is throttled, except from addresses it recently signed in from.",
    )
    login_known_address_days: int = Field(
        default=30,
        ge=1,
        description="Days an address the account signed in from stays exempt from the "
        "per-account throttle.",
    )
    login_throttle_window: int = Field(
        default=900, ge=1, description="Seconds over which failed sign-ins are counted."
    )
    map_tile_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Map tiles for the dashboard's site map ({z}/{x}/{y} template); empty for a "
        "plain background (no outside requests).",
    )
    map_attribution: str = Field(
        default="© OpenStreetMap contributors",
        description="The credit the tile provider asks to be shown on the map.",
    )
    assets_dir: str = Field(
        default="",
        description="Where `npm ci` put the dashboard's front-end libraries (node_modules); "
        "empty: the node_modules beside the source tree or in the working directory.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ip_network(part.strip(), strict=False)  # ValueError names the bad entry
        return value

    @property
    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        return [
            ip_network(part.strip(), strict=False)
            for part in self.trusted_proxies.split(",")
            if part.strip()
        ]

    @field_validator("jobs_time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            time_zone(value)
        except InvalidInput as error:
            raise ValueError(error.message) from error
        return value

    @field_validator("retention_at")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        try:
            parse_time_of_day(value)
        except InvalidInput as error:
            raise ValueError(error.message) from error
        return value.strip()

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
    def tls_on_main_port(self) -> bool:
        return bool(self.tls_cert_file) and not self.tls_port

    @property
    def public_https(self) -> bool:
        """Browsers reach Kilowatt over HTTPS (public_url says so): cookies are Secure."""
        return self.effective_public_url.lower().startswith("https://")

    @property
    def effective_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"{'https' if self.tls_on_main_port else 'http'}://{host}:{self.port}"
