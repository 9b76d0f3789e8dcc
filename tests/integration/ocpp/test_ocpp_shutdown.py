"""A node that stops with many stations connected leaves none of them marked online.

The server is stopped as operators stop it (SIGTERM, uvicorn's graceful shutdown); the
database is then read directly, because a restarted single node would mark every station
offline at start-up and hide what the shutdown left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import BACKENDS
from tests.support.server import RunningServer, start_server, stop_server

STATIONS = 600


@pytest.fixture(params=BACKENDS)
def own_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    """A server of this test alone (it is stopped by the test), registering unknown ids."""
    server = start_server(str(request.param), tmp_path, unknown_station_policy="accept")
    try:
        yield server
    finally:
        stop_server(server)


@contextlib.asynccontextmanager
async def stations(server: RunningServer, count: int) -> AsyncIterator[list[ClientConnection]]:
    gate = asyncio.Semaphore(50)

    async def one(n: int) -> ClientConnection:
        async with gate:
            return await connect(
                f"{server.ocpp_url}/MASS-{n:05d}",
                subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                open_timeout=60,
                ping_interval=None,
            )

    sockets = await asyncio.gather(*(one(n) for n in range(count)))
    try:
        yield list(sockets)
    finally:
        for websocket in sockets:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(websocket.close(), 1)


async def count_online(database_url: str) -> tuple[int, int]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            online = await connection.scalar(text("SELECT count(*) FROM stations WHERE online"))
            total = await connection.scalar(text("SELECT count(*) FROM stations"))
    finally:
        await engine.dispose()
    return int(online or 0), int(total or 0)


async def test_a_stopping_node_takes_all_its_stations_offline(own_server: RunningServer) -> None:
    database_url = own_server.settings.database_url
    async with stations(own_server, STATIONS):
        for _ in range(100):
            online, total = await count_online(database_url)
            if online == STATIONS:
                break
            await asyncio.sleep(0.2)
        assert (online, total) == (STATIONS, STATIONS)
        own_server.process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(own_server.process.wait, 30)
    # uvicorn ends by raising the signal it caught, after its graceful shutdown.
    assert own_server.process.returncode in (0, -signal.SIGTERM), own_server.log()[-3000:]
    assert await count_online(database_url) == (0, STATIONS)
    assert "stations could not be marked offline" not in own_server.log()
