from sqlalchemy import BigInteger, Boolean, Column, Float, String, Table, false

from kilowatt.domain.access import AccessMode
from kilowatt.persistence.models.base import (
    UTCDateTime,
    enum_of,
    id_column,
    metadata,
    organization_column,
)

organizations = Table(
    "organizations",
    metadata,
    id_column(),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("require_two_factor", Boolean, nullable=False, default=False, server_default=false()),
)

sites = Table(
    "sites",
    metadata,
    id_column(),
    organization_column(index=True),
    Column("name", String(200), nullable=False),
    Column("address", String(300), nullable=False, default=""),
    Column("city", String(120), nullable=False, default=""),
    Column("postal_code", String(20), nullable=False, default=""),
    Column("country", String(2), nullable=False, default=""),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("timezone", String(64), nullable=False),
    Column("grid_capacity_w", BigInteger, nullable=True),
    Column(
        "access",
        enum_of(AccessMode, 10),
        nullable=False,
        default=AccessMode.PUBLIC,
        server_default=AccessMode.PUBLIC.value,
    ),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
