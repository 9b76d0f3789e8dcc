"""two-factor sign-in: operators' TOTP secrets and recovery codes, the organization setting
that requires it of owners and admins, and sessions between the password and the code

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy: users and organizations are referenced by most
    # tables, and copying either fails on SQLite with foreign keys on (or clears what points
    # at it).
    op.add_column("users", sa.Column("totp_secret", sa.String(length=64), nullable=True))
    op.add_column("users", sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.add_column("users", sa.Column("recovery_codes", JSON, nullable=True))
    op.add_column(
        "organizations",
        sa.Column("require_two_factor", sa.Boolean(), server_default=sa.false(), nullable=False),
    )

    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_user_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_web_sessions_pending_user_id_users"),
            "users",
            ["pending_user_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            batch_op.f("ix_web_sessions_pending_user_id"), ["pending_user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_pending_user_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_web_sessions_pending_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("pending_user_id")

    # organizations and users are referenced by most tables: a batch copy of either would fail
    # (SQLite, foreign keys on) or clear what points at it. SQLite 3.35 drops plain columns in
    # place.
    dropped = {
        "organizations": ["require_two_factor"],
        "users": ["recovery_codes", "totp_last_step", "totp_enabled_at", "totp_secret"],
    }
    for table, columns in dropped.items():
        for column in columns:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
