from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, UniqueConstraint

from kilowatt.persistence.models.base import BigId, UTCDateTime, metadata

fault_codes = Table(
    "fault_codes",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "organization_id",
        BigInteger,
        ForeignKey("organizations.id", ondelete="RESTRICT"),
        nullable=False,
    ),
    Column("vendor", String(50), nullable=False, default=""),
    Column("code", String(50), nullable=False),
    Column("description", String(500), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("organization_id", "vendor", "code"),
    Index("ix_fault_codes_org_code", "organization_id", "code"),
)

faults = Table(
    "faults",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "organization_id",
        BigInteger,
        ForeignKey("organizations.id", ondelete="RESTRICT"),
        nullable=False,
    ),
    Column("station_id", BigInteger, ForeignKey("stations.id", ondelete="CASCADE"), nullable=False),
    Column("evse_id", BigInteger, nullable=False),
    Column("connector_id", BigInteger, nullable=False),
    Column("error_code", String(50), nullable=False),
    Column("vendor_error_code", String(50), nullable=False, default=""),
    Column("info", String(500), nullable=False, default=""),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Index("ix_faults_station_connector", "station_id", "evse_id", "connector_id", "ended_at"),
    Index("ix_faults_org_ended", "organization_id", "ended_at"),
)
