"""Load management at the stations: per station, the failsafe default profile it accepted and
whether it refuses profiles (domain/load_failsafe.py). Read and written with Core statements
(persistence/repositories/load_failsafe.py)."""

from sqlalchemy import BigInteger, Column, Float, ForeignKey, String, Table

from kilowatt.persistence.models.base import UTCDateTime, metadata

station_load_profiles = Table(
    "station_load_profiles",
    metadata,
    Column(
        "station_id",
        BigInteger,
        ForeignKey("stations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("default_limit_a", Float),
    Column("default_at", UTCDateTime),
    Column("refused_at", UTCDateTime),
    Column("refused_answer", String(100), nullable=False, server_default=""),
    Column("retry_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
)
