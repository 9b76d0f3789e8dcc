from sqlalchemy import BigInteger, Column, Index, String, Table

from kilowatt.domain.users import ActorKind
from kilowatt.persistence.models.base import (
    JsonType,
    UTCDateTime,
    enum_of,
    id_column,
    metadata,
)

# Append-only: the repository has no way to change a row, and triggers (migration 0006)
# refuse UPDATE and DELETE in the database itself.
audit_log = Table(
    "audit_log",
    metadata,
    id_column(),
    Column("organization_id", BigInteger, nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Column("action", String(64), nullable=False),
    Column("actor_type", enum_of(ActorKind, 16), nullable=False),
    Column("actor_id", BigInteger, nullable=True),
    Column("actor_name", String(254), nullable=False),
    Column("object_type", String(64), nullable=False),
    Column("object_id", String(254), nullable=False),
    Column("changes", JsonType, nullable=False),
    Column("client_address", String(64), nullable=True),
    Index("ix_audit_log_org_id", "organization_id", "id"),
    Index("ix_audit_log_action_object", "action", "object_id", "at"),
    Index("ix_audit_log_action_address", "action", "client_address", "at"),
)
