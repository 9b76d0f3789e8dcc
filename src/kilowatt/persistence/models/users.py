from sqlalchemy import BigInteger, Boolean, Column, String, Table

from kilowatt.domain.users import Role
from kilowatt.persistence.models.base import (
    JsonType,
    UTCDateTime,
    enum_of,
    id_column,
    metadata,
    organization_column,
)

users = Table(
    "users",
    metadata,
    id_column(),
    organization_column(),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", enum_of(Role, 16), nullable=False),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
    Column("name", String(200), nullable=False, default="", server_default=""),
    # None: every site of the organization; a list: only those sites.
    Column("site_ids", JsonType, nullable=True),
    Column("updated_at", UTCDateTime),
    Column("totp_secret", String(64), nullable=True),
    Column("totp_enabled_at", UTCDateTime, nullable=True),
    Column("totp_last_step", BigInteger, nullable=True),
    Column("recovery_codes", JsonType, nullable=True),
)

api_keys = Table(
    "api_keys",
    metadata,
    id_column(),
    organization_column(),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False),
    Column("role", enum_of(Role, 16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Column("site_ids", JsonType, nullable=True),
    Column("created_by", String(254), nullable=False, default="", server_default=""),
)
