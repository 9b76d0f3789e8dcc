from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from kilowatt.domain.tokens import GroupKind, IdTokenType, TokenStatus
from kilowatt.persistence.models.base import (
    UTCDateTime,
    enum_of,
    id_column,
    metadata,
    organization_column,
)

token_groups = Table(
    "token_groups",
    metadata,
    id_column(),
    organization_column(),
    Column("name", String(200), nullable=False),
    Column("kind", enum_of(GroupKind), nullable=False),
    Column("description", String(500), nullable=False, default=""),
    Column("parent_id_tag", String(255)),
    Column("load_priority", Integer, nullable=False, default=0, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # One group per parent id tag: the tag names the group (several NULLs are allowed).
    UniqueConstraint("organization_id", "parent_id_tag"),
)

id_tokens = Table(
    "id_tokens",
    metadata,
    id_column(),
    organization_column(),
    Column("value", String(255), nullable=False),
    Column("type", enum_of(IdTokenType), nullable=False),
    Column("status", enum_of(TokenStatus), nullable=False),
    Column("expires_at", UTCDateTime),
    Column(
        "group_id",
        BigInteger,
        ForeignKey("token_groups.id", ondelete="SET NULL"),
        index=True,
    ),
    Column("driver_id", BigInteger, ForeignKey("drivers.id", ondelete="SET NULL"), index=True),
    Column("label", String(200), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # A prepaid token's wallet (no foreign key: added in place, see migration 0016).
    Column("wallet_id", BigInteger, index=True),
    UniqueConstraint("organization_id", "value", "type"),
    Index("ix_id_tokens_value", "value"),
)
