from sqlalchemy import Column, String, Table, UniqueConstraint

from kilowatt.persistence.models.base import (
    JsonType,
    UTCDateTime,
    id_column,
    metadata,
    organization_column,
)

vendor_templates = Table(
    "vendor_templates",
    metadata,
    id_column(),
    organization_column(),
    Column("name", String(100), nullable=False),
    Column("vendor_id", String(255), nullable=False),
    Column("message_id", String(50), nullable=False, default=""),
    Column("data", JsonType),
    Column("station_vendor", String(50), nullable=False, default=""),
    Column("station_model", String(50), nullable=False, default=""),
    Column("description", String(500), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("organization_id", "name"),
)
