"""A real Kilowatt server for tests: uvicorn on a free port, in its own thread and loop."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from kilowatt.app import create_app, uvicorn_config
from kilowatt.bootstrap import build, prepare_database
from kilowatt.config import Settings

POSTGRES_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def create_postgres_database() -> str:
    """A fresh database for one test session; PostgreSQL must be reachable."""
    name = f"kilowatt_test_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


@dataclass
class RunningServer:
    """Handle on a server: its URLs, an API key, and its settings."""

    settings: Settings
    api_key: str
    backend: str
    _thread: threading.Thread | None = None
    _server: uvicorn.Server | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def ocpp_url(self) -> str:
        return f"ws://127.0.0.1:{self.settings.port}/ocpp"

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.base_url}/api/v1",
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=30,
        )

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)


def start_server(backend: str, data_dir: Path, **overrides: Any) -> RunningServer:
    """Start Kilowatt on ``backend`` ("sqlite" or "postgresql") and wait until it serves."""
    if backend == "postgresql":
        database_url = asyncio.run(create_postgres_database())
    else:
        database_url = f"sqlite+aiosqlite:///{data_dir / 'kilowatt.sqlite3'}"
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        host="127.0.0.1",
        port=free_port(),
        ocpp_call_timeout=10.0,
        gc_tuning=False,
        **overrides,
    )
    ready = threading.Event()
    holder: dict[str, Any] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        holder["loop"] = loop

        async def main() -> None:
            container = build(settings)
            await prepare_database(container.database, upgrade=True)
            issued = await container.services.users.create_api_key("tests")
            holder["api_key"] = issued.secret
            server = uvicorn.Server(uvicorn_config(settings, create_app(container)))
            server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
            holder["server"] = server
            serving = asyncio.create_task(server.serve())
            while not server.started and not serving.done():
                await asyncio.sleep(0.02)
            ready.set()
            await serving

        try:
            loop.run_until_complete(main())
        except BaseException as error:  # surfaced to the test that waits
            holder["error"] = error
            ready.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name=f"kilowatt-{backend}", daemon=True)
    thread.start()
    if not ready.wait(timeout=60):
        raise RuntimeError(f"Kilowatt on {backend} did not start within 60 s")
    if "error" in holder:
        raise RuntimeError(f"Kilowatt on {backend} failed to start") from holder["error"]
    running = RunningServer(
        settings=settings,
        api_key=holder["api_key"],
        backend=backend,
        _thread=thread,
        _server=holder["server"],
        _loop=holder["loop"],
    )
    response = httpx.get(f"{running.base_url}/health", timeout=10)
    response.raise_for_status()
    return running


def stop_server(server: RunningServer) -> None:
    server.stop()
    if server.backend == "postgresql":
        asyncio.run(drop_postgres_database(server.settings.database_url))
