from sqlalchemy import BigInteger, Column, Index, String, Table, UniqueConstraint

from kilowatt.persistence.models.base import (
    UTCDateTime,
    id_column,
    metadata,
    organization_column,
    station_column,
)

fault_codes = Table(
    "fault_codes",
    metadata,
    id_column(),
    organization_column(),
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
    id_column(),
    organization_column(),
    station_column(),
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
