"""drivers, token groups (the free-text group id of tokens becomes a group), access modes of
sites and stations, and access rules

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _moment() -> datetime | str:
    # SQLite keeps naive UTC text (see UTCDateTime); PostgreSQL an aware timestamp.
    now = datetime.now(UTC).replace(microsecond=0)
    return now.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" else now


def upgrade() -> None:
    op.create_table(
        "token_groups",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("parent_id_tag", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_token_groups_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_token_groups")),
        sa.UniqueConstraint(
            "organization_id",
            "parent_id_tag",
            name=op.f("uq_token_groups_organization_id_parent_id_tag"),
        ),
    )

    op.create_table(
        "drivers",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_drivers_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drivers")),
        sa.UniqueConstraint(
            "organization_id", "email", name=op.f("uq_drivers_organization_id_email")
        ),
    )
    op.create_index(
        "ix_drivers_org_created", "drivers", ["organization_id", "created_at"], unique=False
    )

    # Every distinct free-text group id of a token becomes a group with that parent id tag.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT DISTINCT organization_id, group_id FROM id_tokens WHERE group_id IS NOT NULL"
        )
    ).all()
    if rows:
        groups = sa.table(
            "token_groups",
            sa.column("organization_id", sa.BigInteger()),
            sa.column("name", sa.String()),
            sa.column("kind", sa.String()),
            sa.column("description", sa.String()),
            sa.column("parent_id_tag", sa.String()),
            sa.column("created_at", sa.DateTime(timezone=True)),
            sa.column("updated_at", sa.DateTime(timezone=True)),
        )
        moment = _moment()
        op.bulk_insert(
            groups,
            [
                {
                    "organization_id": organization_id,
                    "name": str(tag)[:200],
                    "kind": "other",
                    "description": "Made from the tokens' group id by the 0008 upgrade.",
                    "parent_id_tag": tag,
                    "created_at": moment,
                    "updated_at": moment,
                }
                for organization_id, tag in rows
            ],
        )

    # id_tokens is changed in place, never copied: on SQLite (foreign keys on), dropping the
    # old table of a batch copy would set every transaction's id_token_id to NULL.
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        for statement in (
            "ALTER TABLE id_tokens ADD COLUMN token_group_id BIGINT "
            "REFERENCES token_groups (id) ON DELETE SET NULL",
            "ALTER TABLE id_tokens ADD COLUMN driver_id BIGINT "
            "REFERENCES drivers (id) ON DELETE SET NULL",
        ):
            op.execute(statement)
    else:
        op.add_column("id_tokens", sa.Column("token_group_id", sa.BigInteger(), nullable=True))
        op.add_column("id_tokens", sa.Column("driver_id", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE id_tokens SET token_group_id = (SELECT g.id FROM token_groups g "
        "WHERE g.organization_id = id_tokens.organization_id "
        "AND g.parent_id_tag = id_tokens.group_id) WHERE group_id IS NOT NULL"
    )
    op.drop_column("id_tokens", "group_id")
    op.alter_column(
        "id_tokens", "token_group_id", new_column_name="group_id", existing_type=sa.BigInteger()
    )
    if not sqlite:
        op.create_foreign_key(
            op.f("fk_id_tokens_group_id_token_groups"),
            "id_tokens",
            "token_groups",
            ["group_id"],
            ["id"],
            ondelete="SET NULL",
        )
        op.create_foreign_key(
            op.f("fk_id_tokens_driver_id_drivers"),
            "id_tokens",
            "drivers",
            ["driver_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index(op.f("ix_id_tokens_group_id"), "id_tokens", ["group_id"], unique=False)
    op.create_index(op.f("ix_id_tokens_driver_id"), "id_tokens", ["driver_id"], unique=False)

    op.add_column(
        "sites",
        sa.Column("access", sa.String(length=10), server_default="public", nullable=False),
    )
    op.add_column("stations", sa.Column("access", sa.String(length=10), nullable=True))

    op.create_table(
        "access_rules",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=True),
        sa.Column("station_id", sa.BigInteger(), nullable=True),
        sa.Column("windows", JSON, nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(site_id IS NULL AND station_id IS NOT NULL) "
            "OR (site_id IS NOT NULL AND station_id IS NULL)",
            name=op.f("ck_access_rules_one_place"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["token_groups.id"],
            name=op.f("fk_access_rules_group_id_token_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_access_rules_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_access_rules_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_access_rules_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_rules")),
    )
    for column in ("organization_id", "group_id", "site_id", "station_id"):
        op.create_index(op.f(f"ix_access_rules_{column}"), "access_rules", [column], unique=False)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_table("access_rules")
    # Dropped in place: a batch copy of stations or sites would, on SQLite, delete their
    # connectors and everything else that cascades from them.
    op.drop_column("stations", "access")
    op.drop_column("sites", "access")

    # Groups go back to being the free-text parent id tag of their tokens.
    op.add_column("id_tokens", sa.Column("parent_tag", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE id_tokens SET parent_tag = (SELECT g.parent_id_tag FROM token_groups g "
        "WHERE g.id = id_tokens.group_id) WHERE group_id IS NOT NULL"
    )
    op.drop_index(op.f("ix_id_tokens_driver_id"), table_name="id_tokens")
    op.drop_index(op.f("ix_id_tokens_group_id"), table_name="id_tokens")
    if sqlite:
        # SQLite cannot drop a column with a foreign key in place; the batch copy drops the
        # old table, which sets transactions.id_token_id to NULL: keep and restore them.
        op.execute(
            "CREATE TEMPORARY TABLE kw_0008_links AS SELECT id, id_token_id FROM transactions "
            "WHERE id_token_id IS NOT NULL"
        )
        with op.batch_alter_table("id_tokens", schema=None, recreate="always") as batch_op:
            batch_op.drop_column("driver_id")
            batch_op.drop_column("group_id")
        op.execute(
            "UPDATE transactions SET id_token_id = (SELECT k.id_token_id FROM kw_0008_links k "
            "WHERE k.id = transactions.id) WHERE id IN (SELECT id FROM kw_0008_links)"
        )
        op.execute("DROP TABLE kw_0008_links")
    else:
        op.drop_constraint(op.f("fk_id_tokens_driver_id_drivers"), "id_tokens", type_="foreignkey")
        op.drop_constraint(
            op.f("fk_id_tokens_group_id_token_groups"), "id_tokens", type_="foreignkey"
        )
        op.drop_column("id_tokens", "driver_id")
        op.drop_column("id_tokens", "group_id")
    op.alter_column(
        "id_tokens", "parent_tag", new_column_name="group_id", existing_type=sa.String(length=255)
    )

    op.drop_index("ix_drivers_org_created", table_name="drivers")
    op.drop_table("drivers")
    op.drop_table("token_groups")
