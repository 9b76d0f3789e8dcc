from sqlalchemy import (
    Boolean,
    Column,
    Index,
    String,
    Table,
    UniqueConstraint,
)

from kilowatt.persistence.models.base import UTCDateTime, id_column, metadata, organization_column

drivers = Table(
    "drivers",
    metadata,
    id_column(),
    organization_column(),
    Column("email", String(254), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("phone", String(40), nullable=False, default=""),
    Column("password_hash", String(200)),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("organization_id", "email"),
    Index("ix_drivers_org_created", "organization_id", "created_at"),
)
