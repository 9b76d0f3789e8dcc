"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ocpp_messages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("station_ocpp_id", sa.String(length=48), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("message_type", sa.SmallInteger(), nullable=False),
        sa.Column("unique_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ocpp_messages")),
    )
    with op.batch_alter_table("ocpp_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ocpp_messages_station_time", ["station_ocpp_id", "created_at"], unique=False
        )

    op.create_table(
        "organizations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("name", name=op.f("uq_organizations_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_api_keys_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_table(
        "id_tokens",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("group_id", sa.String(length=255), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_id_tokens_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_id_tokens")),
        sa.UniqueConstraint(
            "organization_id", "value", "type", name=op.f("uq_id_tokens_organization_id_value_type")
        ),
    )
    with op.batch_alter_table("id_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_id_tokens_value", ["value"], unique=False)

    op.create_table(
        "sites",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("grid_capacity_w", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_sites_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sites_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_users_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "stations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=True),
        sa.Column("ocpp_id", sa.String(length=48), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("registration_status", sa.String(length=20), nullable=False),
        sa.Column("vendor", sa.String(length=50), nullable=False),
        sa.Column("model", sa.String(length=50), nullable=False),
        sa.Column("serial_number", sa.String(length=50), nullable=False),
        sa.Column("firmware_version", sa.String(length=50), nullable=False),
        sa.Column("iccid", sa.String(length=20), nullable=False),
        sa.Column("imsi", sa.String(length=20), nullable=False),
        sa.Column("meter_type", sa.String(length=50), nullable=False),
        sa.Column("meter_serial_number", sa.String(length=50), nullable=False),
        sa.Column("protocol_version", sa.String(length=8), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_boot_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("boot_reason", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error_code", sa.String(length=50), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("firmware_status", sa.String(length=40), nullable=False),
        sa.Column("diagnostics_status", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_stations_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_stations_site_id_sites"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
        sa.UniqueConstraint("ocpp_id", name=op.f("uq_stations_ocpp_id")),
    )
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stations_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stations_site_id"), ["site_id"], unique=False)

    op.create_table(
        "connector_status_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("evse_id", sa.BigInteger(), nullable=False),
        sa.Column("connector_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error_code", sa.String(length=50), nullable=False),
        sa.Column("info", sa.String(length=500), nullable=False),
        sa.Column("vendor_error_code", sa.String(length=50), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_connector_status_history_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_status_history")),
    )
    with op.batch_alter_table("connector_status_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_history_connector",
            ["station_id", "evse_id", "connector_id", "timestamp"],
            unique=False,
        )

    op.create_table(
        "connectors",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("evse_id", sa.BigInteger(), nullable=False),
        sa.Column("connector_id", sa.BigInteger(), nullable=False),
        sa.Column("current_type", sa.String(length=2), nullable=False),
        sa.Column("standard", sa.String(length=20), nullable=False),
        sa.Column("max_power_w", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error_code", sa.String(length=50), nullable=False),
        sa.Column("info", sa.String(length=500), nullable=False),
        sa.Column("vendor_id", sa.String(length=255), nullable=False),
        sa.Column("vendor_error_code", sa.String(length=50), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_connectors_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connectors")),
        sa.UniqueConstraint(
            "station_id",
            "evse_id",
            "connector_id",
            name=op.f("uq_connectors_station_id_evse_id_connector_id"),
        ),
    )
    op.create_table(
        "device_variables",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("component", sa.String(length=50), nullable=False),
        sa.Column("component_instance", sa.String(length=50), nullable=False),
        sa.Column("evse_id", sa.BigInteger(), nullable=False),
        sa.Column("connector_id", sa.BigInteger(), nullable=False),
        sa.Column("variable", sa.String(length=50), nullable=False),
        sa.Column("variable_instance", sa.String(length=50), nullable=False),
        sa.Column("attribute_type", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("mutability", sa.String(length=10), nullable=True),
        sa.Column("persistent", sa.Boolean(), nullable=True),
        sa.Column("constant", sa.Boolean(), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=True),
        sa.Column("data_type", sa.String(length=16), nullable=True),
        sa.Column("min_limit", sa.Float(), nullable=True),
        sa.Column("max_limit", sa.Float(), nullable=True),
        sa.Column("values_list", sa.Text(), nullable=True),
        sa.Column("supports_monitoring", sa.Boolean(), nullable=True),
        sa.Column("report_request_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_device_variables_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_variables")),
        sa.UniqueConstraint(
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
    )
    with op.batch_alter_table("device_variables", schema=None) as batch_op:
        batch_op.create_index(
            "ix_device_variables_station_component",
            ["station_id", "component", "variable"],
            unique=False,
        )

    op.create_table(
        "station_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_station_events_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_station_events_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_events")),
    )
    with op.batch_alter_table("station_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_station_events_station_time", ["station_id", "timestamp"], unique=False
        )

    op.create_table(
        "transactions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("evse_id", sa.BigInteger(), nullable=False),
        sa.Column("connector_id", sa.BigInteger(), nullable=False),
        sa.Column("ocpp_transaction_id", sa.String(length=64), nullable=True),
        sa.Column("start_key", sa.String(length=400), nullable=True),
        sa.Column("id_tag", sa.String(length=255), nullable=False),
        sa.Column("id_token_id", sa.BigInteger(), nullable=True),
        sa.Column("auth_status", sa.String(length=20), nullable=False),
        sa.Column("reservation_id", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stop_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("meter_start_wh", sa.BigInteger(), nullable=True),
        sa.Column("meter_stop_wh", sa.BigInteger(), nullable=True),
        sa.Column("energy_wh", sa.BigInteger(), nullable=True),
        sa.Column("stop_reason", sa.String(length=40), nullable=True),
        sa.Column("stop_id_tag", sa.String(length=255), nullable=True),
        sa.Column("last_meter_wh", sa.BigInteger(), nullable=True),
        sa.Column("last_meter_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("meter_start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("charging_state", sa.String(length=16), nullable=True),
        sa.Column("remote_start_id", sa.BigInteger(), nullable=True),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("number_of_phases", sa.BigInteger(), nullable=True),
        sa.Column("started_seq", sa.BigInteger(), nullable=True),
        sa.Column("state_seq", sa.BigInteger(), nullable=True),
        sa.Column("phases_seq", sa.BigInteger(), nullable=True),
        sa.Column("flags", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["id_token_id"],
            ["id_tokens.id"],
            name=op.f("fk_transactions_id_token_id_id_tokens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_transactions_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_transactions_station_id_stations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
        sa.UniqueConstraint(
            "station_id",
            "ocpp_transaction_id",
            name=op.f("uq_transactions_station_id_ocpp_transaction_id"),
        ),
        sa.UniqueConstraint(
            "station_id", "start_key", name=op.f("uq_transactions_station_id_start_key")
        ),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index("ix_transactions_id_tag_state", ["id_tag", "state"], unique=False)
        batch_op.create_index(
            "ix_transactions_org_start", ["organization_id", "start_time"], unique=False
        )
        batch_op.create_index(
            "ix_transactions_station_state", ["station_id", "state"], unique=False
        )

    op.create_table(
        "meter_values",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("evse_id", sa.BigInteger(), nullable=False),
        sa.Column("connector_id", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("measurand", sa.String(length=64), nullable=False),
        sa.Column("phase", sa.String(length=8), nullable=True),
        sa.Column("context", sa.String(length=24), nullable=True),
        sa.Column("location", sa.String(length=8), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=12), nullable=False),
        sa.Column("raw", sa.String(length=2500), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_meter_values_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_meter_values_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_values")),
    )
    with op.batch_alter_table("meter_values", schema=None) as batch_op:
        batch_op.create_index("ix_meter_values_station", ["station_id", "timestamp"], unique=False)
        batch_op.create_index("ix_meter_values_tx", ["transaction_id", "timestamp"], unique=False)

    op.create_table(
        "transaction_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("seq_no", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=8), nullable=False),
        sa.Column("trigger_reason", sa.String(length=32), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("charging_state", sa.String(length=16), nullable=True),
        sa.Column("id_tag", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_transaction_events_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transaction_events")),
        sa.UniqueConstraint(
            "transaction_id", "seq_no", name=op.f("uq_transaction_events_transaction_id_seq_no")
        ),
    )


def downgrade() -> None:
    op.drop_table("transaction_events")
    with op.batch_alter_table("meter_values", schema=None) as batch_op:
        batch_op.drop_index("ix_meter_values_tx")
        batch_op.drop_index("ix_meter_values_station")

    op.drop_table("meter_values")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_transactions_station_state")
        batch_op.drop_index("ix_transactions_org_start")
        batch_op.drop_index("ix_transactions_id_tag_state")

    op.drop_table("transactions")
    with op.batch_alter_table("station_events", schema=None) as batch_op:
        batch_op.drop_index("ix_station_events_station_time")

    op.drop_table("station_events")
    with op.batch_alter_table("device_variables", schema=None) as batch_op:
        batch_op.drop_index("ix_device_variables_station_component")

    op.drop_table("device_variables")
    op.drop_table("connectors")
    with op.batch_alter_table("connector_status_history", schema=None) as batch_op:
        batch_op.drop_index("ix_status_history_connector")

    op.drop_table("connector_status_history")
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stations_site_id"))
        batch_op.drop_index(batch_op.f("ix_stations_organization_id"))

    op.drop_table("stations")
    op.drop_table("users")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_organization_id"))

    op.drop_table("sites")
    with op.batch_alter_table("id_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_id_tokens_value")

    op.drop_table("id_tokens")
    op.drop_table("api_keys")
    op.drop_table("organizations")
    with op.batch_alter_table("ocpp_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_ocpp_messages_station_time")

    op.drop_table("ocpp_messages")
