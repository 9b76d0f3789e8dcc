from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, UniqueConstraint

from kilowatt.domain.tokens import IdTokenType, TokenStatus
from kilowatt.persistence.models.base import BigId, UTCDateTime, enum_of, metadata

id_tokens = Table(
    "id_tokens",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "organization_id",
        BigInteger,
        ForeignKey("organizations.id", ondelete="RESTRICT"),
        nullable=False,
    ),
    Column("value", String(255), nullable=False),
    Column("type", enum_of(IdTokenType), nullable=False),
    Column("status", enum_of(TokenStatus), nullable=False),
    Column("expires_at", UTCDateTime),
    Column("group_id", String(255)),
    Column("label", String(200), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("organization_id", "value", "type"),
    Index("ix_id_tokens_value", "value"),
)
