"""A site's electrical tree: its panels and circuits (each row's parent another row of the same
site, or none: the grid connection), which circuit each station hangs on, and the grid
connection's limit per phase. Read and written with Core statements
(persistence/repositories/electrical_tree.py); the tree is replaced as a whole."""

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from kilowatt.domain.electrical_tree import CircuitKind
from kilowatt.persistence.models.base import UTCDateTime, enum_of, id_column, metadata

site_circuits = Table(
    "site_circuits",
    metadata,
    id_column(),
    Column("site_id", BigInteger, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column(
        "parent_id",
        BigInteger,
        ForeignKey("site_circuits.id", ondelete="CASCADE"),
        index=True,
    ),
    Column("key", String(40), nullable=False),
    Column("name", String(100), nullable=False),
    Column("kind", enum_of(CircuitKind, 8), nullable=False),
    Column("max_current_a", Float),
    Column("max_power_w", BigInteger),
    Column("position", Integer, nullable=False),
    UniqueConstraint("site_id", "key"),
)

circuit_stations = Table(
    "circuit_stations",
    metadata,
    Column(
        "station_id",
        BigInteger,
        ForeignKey("stations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "circuit_id",
        BigInteger,
        ForeignKey("site_circuits.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

site_grid_connections = Table(
    "site_grid_connections",
    metadata,
    Column(
        "site_id",
        BigInteger,
        ForeignKey("sites.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("max_current_a", Float),
    Column("updated_at", UTCDateTime, nullable=False),
)
