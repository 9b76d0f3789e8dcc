"""remote start outcome: what became of the session a remote start asked for

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # commands is changed in place, never copied: on SQLite (foreign keys on), dropping the old
    # table of a batch copy would clear the command of every firmware update and diagnostics
    # upload that points to it.
    op.add_column("commands", sa.Column("start_outcome", sa.String(length=12), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE commands ADD COLUMN start_transaction_id BIGINT "
            "REFERENCES transactions (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("commands", sa.Column("start_transaction_id", sa.BigInteger(), nullable=True))
        op.create_foreign_key(
            op.f("fk_commands_start_transaction_id_transactions"),
            "commands",
            "transactions",
            ["start_transaction_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.add_column("commands", sa.Column("start_status", sa.String(length=20), nullable=True))
    op.add_column(
        "commands", sa.Column("start_deadline", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_commands_station_start", "commands", ["station_id", "start_outcome"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_commands_station_start", table_name="commands")
    for column in ("start_deadline", "start_status", "start_outcome"):
        op.drop_column("commands", column)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            op.f("fk_commands_start_transaction_id_transactions"), "commands", type_="foreignkey"
        )
        op.drop_column("commands", "start_transaction_id")
        return
    # SQLite cannot drop a column with a foreign key in place; the batch copy drops the old
    # table, which clears the command of the rows that name one: keep and restore them.
    for statement in (
        "CREATE TEMPORARY TABLE kw_0011_diagnostics AS SELECT id, command_id "
        "FROM diagnostics_uploads WHERE command_id IS NOT NULL",
        "CREATE TEMPORARY TABLE kw_0011_firmware AS SELECT id, command_id "
        "FROM firmware_updates WHERE command_id IS NOT NULL",
    ):
        op.execute(statement)
    with op.batch_alter_table("commands", schema=None, recreate="always") as batch_op:
        batch_op.drop_column("start_transaction_id")
    for statement in (
        "UPDATE diagnostics_uploads SET command_id = (SELECT k.command_id "
        "FROM kw_0011_diagnostics k WHERE k.id = diagnostics_uploads.id) "
        "WHERE id IN (SELECT id FROM kw_0011_diagnostics)",
        "UPDATE firmware_updates SET command_id = (SELECT k.command_id "
        "FROM kw_0011_firmware k WHERE k.id = firmware_updates.id) "
        "WHERE id IN (SELECT id FROM kw_0011_firmware)",
        "DROP TABLE kw_0011_diagnostics",
        "DROP TABLE kw_0011_firmware",
    ):
        op.execute(statement)
