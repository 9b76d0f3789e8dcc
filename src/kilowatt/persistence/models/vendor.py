from sqlalchemy import BigInteger, Column, ForeignKey, String, Table, UniqueConstraint

from kilowatt.persistence.models.base import BigId, JsonType, UTCDateTime, metadata

vendor_templates = Table(
    "vendor_templates",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "organization_id",
        BigInteger,
        ForeignKey("organizations.id", ondelete="RESTRICT"),
        nullable=False,
    ),
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
