"""Engine and session factory for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from kilowatt.persistence import folding


class Database:
    """Owns the engine.

    SQLite allows one writer at a time, so in SQLite mode writing units of work take
    ``write_lock`` instead of failing with "database is locked" under load.

    On PostgreSQL every unit of work first passes ``gate``, a FIFO semaphore as wide as the
    pool: SQLAlchemy's async pool hands a freed connection to whoever asks next, not to the
    longest waiter, which under load let some messages wait seconds (p99 1.9 s against 0.6 s
    with the gate, same throughput; bench/README.md).
    """

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        else:
            # A fixed pool: overflow connections were closed on return and reopened at once.
            kwargs.update(pool_size=pool_size, max_overflow=0)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        else:
            _ping_when_idle(self.engine, IDLE_PING_SECONDS)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None
        self.gate: asyncio.Semaphore | None = (
            None if self.is_sqlite else asyncio.Semaphore(pool_size)
        )

    def session(self) -> AsyncSession:
        return self.sessions()

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


IDLE_PING_SECONDS = 1.0
"""A pooled connection unused for longer is pinged as it is taken (the server may have closed
it meanwhile); one in steady use is not."""


def _ping_when_idle(engine: AsyncEngine, idle: float) -> None:
    """Pessimistic disconnect handling without a round trip per transaction: SQLAlchemy's
    ``pool_pre_ping`` pings at every checkout, which under load was one extra round trip for
    each unit of work (issue 12); a connection checked in less than ``idle`` seconds ago was
    working a moment ago. A failed ping makes the pool replace the connection."""

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("checked_in")
        if since is None or time.monotonic() - since < idle:
            return  # just opened, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError("the pooled connection is gone") from error


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        folding.register(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")
