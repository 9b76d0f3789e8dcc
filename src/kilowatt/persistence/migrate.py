"""Alembic, driven from code: one migration history for SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

import kilowatt


def migrations_dir() -> Path:
    """Installed wheels carry the history inside the package; a checkout has it at the top."""
    packaged = Path(kilowatt.__file__).parent / "_migrations"
    if packaged.is_dir():
        return packaged
    return Path(kilowatt.__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_connection(connection: Connection, url: str, revision: str = "heads") -> None:
    """Upgrade through an open (sync) connection; call it with ``AsyncConnection.run_sync``."""
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def is_current(connection: Connection, url: str) -> bool:
    script = ScriptDirectory.from_config(alembic_config(url))
    context = MigrationContext.configure(connection)
    return set(context.get_current_heads()) == set(script.get_heads())
