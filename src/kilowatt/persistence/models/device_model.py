from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kilowatt.persistence.models.base import UTCDateTime, id_column, metadata, station_column

# evse_id / connector_id are 0 when the component is not on an EVSE / connector (2.0.1 ids start
# at 1), so that the unique key holds: NULLs never collide.
device_variables = Table(
    "device_variables",
    metadata,
    id_column(),
    station_column(),
    Column("component", String(50), nullable=False),
    Column("component_instance", String(50), nullable=False, default=""),
    Column("evse_id", BigInteger, nullable=False, default=0),
    Column("connector_id", BigInteger, nullable=False, default=0),
    Column("variable", String(50), nullable=False),
    Column("variable_instance", String(50), nullable=False, default=""),
    Column("attribute_type", String(8), nullable=False, default="Actual"),
    Column("value", Text),
    Column("mutability", String(10)),
    Column("persistent", Boolean),
    Column("constant", Boolean),
    Column("unit", String(16)),
    Column("data_type", String(16)),
    Column("min_limit", Float),
    Column("max_limit", Float),
    Column("values_list", Text),
    Column("supports_monitoring", Boolean),
    Column("report_request_id", BigInteger),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint(
        "station_id",
        "component",
        "component_instance",
        "evse_id",
        "connector_id",
        "variable",
        "variable_instance",
        "attribute_type",
        name="uq_device_variables_key",
    ),
    Index("ix_device_variables_station_component", "station_id", "component", "variable"),
)
