"""A real Kilowatt server for tests: ``kilowatt serve`` in its own process on a free port.

A separate process, not a thread: the server is then exactly what operators run, and a
traceback it logs cannot race pytest's own traceback formatting (CPython 3.11's ``ast`` is
not thread-safe, python/cpython#106905).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from kilowatt.config import Settings

POSTGRES_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parents[2]


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
    """Handle on a server: its URLs, an API key, its settings and its log."""

    settings: Settings
    api_key: str
    backend: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def ocpp_url(self) -> str:
        return f"ws://127.0.0.1:{self.settings.port}/ocpp"

    @property
    def tls_ocpp_url(self) -> str:
        """wss:// on the TLS port of a server started with ``start_tls_server``."""
        assert self.settings.tls_port, "this server has no TLS port"
        return f"wss://127.0.0.1:{self.settings.tls_port}/ocpp"

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.base_url}/api/v1",
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=30,
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def server_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in settings.model_dump().items():
        if value is None:  # unset optional settings stay unset
            env.pop(f"KILOWATT_{name.upper()}", None)
            continue
        env[f"KILOWATT_{name.upper()}"] = str(value.value if hasattr(value, "value") else value)
    return env


def server_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        host="127.0.0.1",
        port=free_port(),
        ocpp_call_timeout=10.0,
        gc_tuning=False,
        log_level="info",
        **overrides,
    )


def prepare_database(settings: Settings, organization: str | None = None) -> str:
    """Migrate the database of ``settings`` and return a new API key (of ``organization``,
    created when missing; of the default organization without one)."""
    organization_arg = [organization] if organization else []
    prepared = subprocess.run(  # noqa: S603 - our own module, no shell
        [sys.executable, "-m", "tests.support.prepare", *organization_arg],
        env=server_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if prepared.returncode != 0:
        raise RuntimeError(f"preparing {settings.database_url} failed:\n{prepared.stderr}")
    return prepared.stdout.strip().splitlines()[-1]


def start_server(backend: str, data_dir: Path, **overrides: Any) -> RunningServer:
    """Start Kilowatt on ``backend`` ("sqlite" or "postgresql") and wait until it serves."""
    if backend == "postgresql":
        database_url = asyncio.run(create_postgres_database())
    else:
        database_url = f"sqlite+aiosqlite:///{data_dir / 'kilowatt.sqlite3'}"
    settings = server_settings(data_dir, database_url, **overrides)
    return launch(settings, backend, prepare_database(settings), data_dir / "server.log")


def start_tls_server(
    backend: str, data_dir: Path, cert_file: Path, key_file: Path, **overrides: Any
) -> RunningServer:
    """``start_server`` serving TLS with ``cert_file``/``key_file`` on a port of its own
    (``tls_port``) besides its plain port."""
    return start_server(
        backend,
        data_dir,
        tls_cert_file=str(cert_file),
        tls_key_file=str(key_file),
        tls_port=free_port(),
        **overrides,
    )


def launch(settings: Settings, backend: str, api_key: str, log_path: Path) -> RunningServer:
    """Run ``kilowatt serve`` on a prepared database and wait until it serves."""
    env = server_env(settings)
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "kilowatt", "serve", "--no-upgrade"],
            env=env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = RunningServer(
        settings=settings,
        api_key=api_key,
        backend=backend,
        process=process,
        log_path=log_path,
    )
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"Kilowatt on {backend} exited at start:\n{running.log()}")
        try:
            if httpx.get(f"{running.base_url}/health", timeout=2).status_code == 200:
                return running
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            running.stop()
            raise RuntimeError(f"Kilowatt on {backend} did not start in 60 s:\n{running.log()}")
        time.sleep(0.1)


def stop_server(server: RunningServer) -> None:
    server.stop()
    if server.backend == "postgresql":
        asyncio.run(drop_postgres_database(server.settings.database_url))


@dataclass
class RunningCluster:
    """Several Kilowatt processes on one PostgreSQL database, joined by one Redis."""

    nodes: list[RunningServer]
    database_url: str
    redis_url: str
    redis_prefix: str

    def __getitem__(self, index: int) -> RunningServer:
        return self.nodes[index]

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        asyncio.run(drop_postgres_database(self.database_url))
        client = redis.Redis.from_url(self.redis_url)
        try:
            for key in client.scan_iter(match=f"{self.redis_prefix}:*"):
                client.delete(key)
        finally:
            client.close()


def start_cluster(count: int, data_dir: Path, **overrides: Any) -> RunningCluster:
    """Start ``count`` nodes on a fresh PostgreSQL database and a Redis key prefix of their
    own (parallel test sessions share the Redis server). They share the data dir, as nodes in
    production share their files; each writes its own log there."""
    database_url = asyncio.run(create_postgres_database())
    cluster = RunningCluster(
        nodes=[],
        database_url=database_url,
        redis_url=REDIS_URL,
        redis_prefix=f"kwtest-{uuid.uuid4().hex[:12]}",
    )
    try:
        api_key = ""
        for index in range(count):
            settings = server_settings(
                data_dir,
                database_url,
                redis_url=cluster.redis_url,
                redis_prefix=cluster.redis_prefix,
                **overrides,
            )
            api_key = api_key or prepare_database(settings)
            log_path = data_dir / f"node-{index + 1}.log"
            cluster.nodes.append(launch(settings, "postgresql", api_key, log_path))
    except BaseException:
        cluster.stop()
        raise
    return cluster
