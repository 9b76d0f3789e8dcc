from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table

from kilowatt.domain.diagnostics import UploadStatus
from kilowatt.persistence.models.base import (
    UTCDateTime,
    enum_of,
    id_column,
    metadata,
    organization_column,
    station_column,
)

diagnostics_uploads = Table(
    "diagnostics_uploads",
    metadata,
    id_column(),
    organization_column(),
    station_column(),
    Column("command_id", BigInteger, ForeignKey("commands.id", ondelete="SET NULL")),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("status", enum_of(UploadStatus, 12), nullable=False),
    Column("log_type", String(30), nullable=False, default="DiagnosticsLog"),
    Column("station_status", String(40), nullable=False, default=""),
    Column("file_name", String(100), nullable=False, default=""),
    Column("content_type", String(100), nullable=False, default=""),
    Column("size", BigInteger),
    Column("sha256", String(64), nullable=False, default=""),
    Column("storage_key", String(200), nullable=False, default=""),
    Column("error", String(500), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("uploaded_at", UTCDateTime),
    Index("ix_diagnostics_uploads_station", "station_id", "id"),
)
