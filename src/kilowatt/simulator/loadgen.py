"""The load benchmark behind ``kilowatt bench``: many OCPP 1.6J stations, a realistic mix.

The generator speaks raw OCPP-J over ``websockets`` with frames built by hand and parsed
with orjson, not through the ``ocpp`` library, whose per-message cost would make the
generator the bottleneck on a small machine: here it is the server that is measured.

Each station boots, reports its two connectors, then runs charging sessions on alternate
connectors: Preparing, Authorize, StartTransaction, Charging, MeterValues (energy register,
power, voltage, current, SoC) with a Heartbeat now and then, StopTransaction, Finishing,
Available. Stations are paced so that the whole fleet offers ``rate`` messages per second,
and each has at most one CALL outstanding, as OCPP requires: when the server answers slower
than a station's pace, that station sends its next CALL as soon as the answer arrives, so
the achieved rate shows what the server sustains.

With no ``url``, the benchmark starts ``kilowatt serve`` as a subprocess (SQLite in a
temporary data dir, or a fresh PostgreSQL database that is dropped afterwards) so that the
server's CPU and memory can be measured on their own, and stops it at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import math
import os
import platform
import random
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson
import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.typing import Subprotocol

POSTGRES_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
SUBPROTOCOL = Subprotocol("ocpp1.6")

Payload = dict[str, Any]
Message = tuple[str, bytes]
"""An action and its JSON payload, ready to be framed."""
Script = Generator[Message, Payload, None]


@dataclass(frozen=True, kw_only=True)
class BenchConfig:
    url: str | None
    """OCPP base URL of a running server (ws://host:port/ocpp); None starts one."""
    database: str = "sqlite"
    """sqlite or postgresql, for a server the benchmark starts itself."""
    stations: int
    rate: float
    """Messages per second the whole fleet offers."""
    duration: float
    """Seconds of measured load."""
    output: str | None = None
    """Write the result as JSON here."""
    warmup: float = 5.0
    """Seconds of load, after every station has booted, before measuring starts."""
    call_timeout: float = 10.0
    connect_concurrency: int = 50
    """Stations connecting and booting at once during setup."""
    setup_timeout: float = 180.0
    meter_values_per_session: int = 24
    heartbeat_every: int = 10
    """One Heartbeat per this many MeterValues."""
    prefix: str = "BENCH"
    """Station identities are PREFIX00001...; id tags are PREFIX-TAG-00001..."""
    api_key: str | None = None
    """For a running server: a key to create the id tags with (else they are assumed)."""
    server_pid: int | None = None
    """For a running server: its process id, to measure its CPU and memory."""
    postgres_admin_url: str = POSTGRES_ADMIN_URL
    server_log: str | None = None
    """Keep the started server's log here (it is scanned for errors either way)."""
    server_env: Mapping[str, str] = field(default_factory=dict)
    """Extra environment for the started server, e.g. KILOWATT_MESSAGE_LOG_ENABLED."""
    label: str = ""
    seed: int = 1
    quiet: bool = False


@dataclass
class BenchResult:
    label: str
    url: str
    database: str
    stations: int
    target_rate: float
    duration: float
    warmup: float
    started_at: str
    setup_seconds: float
    stations_connected: int
    messages: int
    """CALLRESULTs received in the measured window."""
    offered: int
    """CALLs sent in the measured window."""
    achieved_rate: float
    latency_ms: dict[str, float]
    """p50, p95, p99, max, mean of CALL to CALLRESULT, measured window."""
    actions: dict[str, dict[str, float]]
    """Per action: count, p50, p99, max (ms), measured window."""
    errors: int
    """CALLERRORs, timeouts, refused or dropped sockets, over the whole run."""
    errors_by_kind: dict[str, int]
    start_statuses: dict[str, int]
    """idTagInfo.status of StartTransaction answers."""
    server_calls: int
    """CALLs the server sent to stations (answered Accepted)."""
    late_replies: int
    """Answers that arrived after their CALL timed out."""
    server_cpu_percent: float | None
    """Server process CPU over the measured window, % of one core."""
    server_cpu_ms_per_message: float | None
    """Server CPU per answered message, ms: steadier than msg/s when the machine is shared;
    1000 / this is the ceiling of one core."""
    server_rss_mb: float | None
    """Peak server RSS, sampled every 0.5 s from the start of the load."""
    server_rss_start_mb: float | None
    loadgen_cpu_percent: float
    """The generator's own CPU over the measured window, % of one core."""
    machine_cpu_percent: float
    """All cores over the measured window, % of the whole machine."""
    database_cpu_percent: float | None = None
    """PostgreSQL backends serving the benchmark's database, % of one core."""
    other_cpu_percent: float | None = None
    """Everything else on the machine during the window, % of one core: noise to watch."""
    server_log_problems: dict[str, int] = field(default_factory=dict)
    """Warnings, errors and tracebacks the started server logged, by message."""
    server_exit_code: int | None = None
    machine: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False) + "\n"

    def summary(self) -> str:
        lat = self.latency_ms
        lines = [
            f"bench {self.label or ''} {self.database} · {self.stations} stations · "
            f"target {self.target_rate:g} msg/s · {self.duration:g} s measured "
            f"(setup {self.setup_seconds:.1f} s, warmup {self.warmup:g} s)",
            f"  achieved    {self.achieved_rate:8.1f} msg/s  ({self.messages} answered, "
            f"{self.offered} sent)",
            f"  latency ms  p50 {lat['p50']:.1f}  p95 {lat['p95']:.1f}  p99 {lat['p99']:.1f}  "
            f"max {lat['max']:.1f}",
            f"  errors      {self.errors}"
            + (f"  {dict(self.errors_by_kind)}" if self.errors_by_kind else ""),
            f"  server      CPU {_fmt(self.server_cpu_percent, '%')} of one core "
            f"({_fmt(self.server_cpu_ms_per_message, ' ms', 2)} per message) · "
            f"RSS peak {_fmt(self.server_rss_mb, ' MB')}",
            f"  generator   CPU {self.loadgen_cpu_percent:.0f}% of one core · database "
            f"{_fmt(self.database_cpu_percent, '%')} · others {_fmt(self.other_cpu_percent, '%')}"
            f" · machine {self.machine_cpu_percent:.0f}% of {psutil.cpu_count()} cores",
        ]
        for action, stats in sorted(self.actions.items(), key=lambda kv: -kv[1]["count"]):
            lines.append(
                f"    {action:<20} {int(stats['count']):7d}  p50 {stats['p50']:7.1f}  "
                f"p99 {stats['p99']:7.1f}  max {stats['max']:7.1f}"
            )
        if self.start_statuses:
            lines.append(f"  StartTransaction answers {self.start_statuses}")
        if self.server_log_problems:
            lines.append("  server log:")
            for message, count in list(self.server_log_problems.items())[:10]:
                lines.append(f"    {count:6d} x {message}")
        return "\n".join(lines)


def _fmt(value: float | None, unit: str, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}{unit}"


# Measurement ---------------------------------------------------------------------------------


class Stats:
    """Counts for the whole run; latencies only inside the measured window."""

    def __init__(self) -> None:
        self.window_start = float("inf")
        self.window_end = float("inf")
        self.latencies: dict[str, list[float]] = {}
        self.offered = 0
        self.errors: Counter[str] = Counter()
        self.start_statuses: Counter[str] = Counter()
        self.server_calls = 0
        self.late_replies = 0

    def sent(self, at: float) -> None:
        if self.window_start <= at < self.window_end:
            self.offered += 1

    def answered(self, action: str, sent_at: float, done_at: float) -> None:
        if self.window_start <= done_at < self.window_end:
            bucket = self.latencies.get(action)
            if bucket is None:
                bucket = self.latencies[action] = []
            bucket.append(done_at - sent_at)

    def error(self, kind: str) -> None:
        self.errors[kind] += 1


def percentile(ordered: Sequence[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    # Nearest rank: the smallest value with at least ``fraction`` of them at or below it.
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def latency_summary(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    ms = 1000.0
    return {
        "p50": round(percentile(ordered, 0.50) * ms, 2),
        "p95": round(percentile(ordered, 0.95) * ms, 2),
        "p99": round(percentile(ordered, 0.99) * ms, 2),
        "max": round((ordered[-1] if ordered else 0.0) * ms, 2),
        "mean": round((sum(ordered) / len(ordered) if ordered else 0.0) * ms, 2),
    }


def _cpu_seconds(process: Any) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _rss_mb(process: Any) -> float:
    return float(process.memory_info().rss) / 1_048_576


def machine_info() -> dict[str, Any]:
    return {
        "cores": psutil.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpu": _cpu_model(),
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


# The station ---------------------------------------------------------------------------------


class _Clock:
    """ISO timestamps, formatted once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self._text


CLOCK = _Clock()
_BOOT = orjson.dumps(
    {
        "chargePointVendor": "Kilowatt",
        "chargePointModel": "BenchCharger",
        "firmwareVersion": "1.0.0",
        "meterType": "BenchMeter",
    }
)
_HEARTBEAT = b"{}"
_ACCEPTED = b'{"status":"Accepted"}'


def _status(connector: int, status: str) -> Message:
    payload = {
        "connectorId": connector,
        "errorCode": "NoError",
        "status": status,
        "timestamp": CLOCK.now(),
    }
    return "StatusNotification", orjson.dumps(payload)


SESSION_OPENING = 4
"""Messages of a session before its first MeterValues."""


class StationLost(Exception):
    pass


class BenchStation:
    """One simulated charge point: its session script, pacing and CALL bookkeeping."""

    def __init__(
        self,
        identity: str,
        id_tag: str,
        config: BenchConfig,
        stats: Stats,
        rng: random.Random,
    ) -> None:
        self.identity = identity
        self.id_tag = id_tag
        self.config = config
        self.stats = stats
        self.rng = rng
        self.websocket: ClientConnection | None = None
        self.ready = False
        self.sequence = 0
        self.register_wh = rng.randint(100_000, 5_000_000)
        self.last_sample = time.monotonic()
        self.plan = self.script()
        self.next_message = next(self.plan)

    # Wire ------------------------------------------------------------------------------------

    async def open(self, url: str) -> None:
        try:
            self.websocket = await connect(
                f"{url}/{self.identity}",
                subprotocols=[SUBPROTOCOL],
                compression=None,
                proxy=None,
                open_timeout=self.config.call_timeout,
                ping_interval=None,
                close_timeout=2,
            )
        except InvalidStatus as error:
            self.stats.error(f"refused:{error.response.status_code}")
            raise StationLost from error
        except (OSError, WebSocketException, TimeoutError) as error:
            self.stats.error(f"connect:{type(error).__name__}")
            raise StationLost from error
        boot = await self.call("BootNotification", _BOOT)
        if boot is None or boot.get("status") != "Accepted":
            self.stats.error(f"boot:{boot.get('status') if boot else 'unanswered'}")
            raise StationLost
        for connector in (1, 2):
            await self.call(*_status(connector, "Available"))
        # Begin the first session now (Preparing, Authorize, StartTransaction, Charging), so
        # that the measured load is the steady mix, not every station starting at once.
        for _ in range(SESSION_OPENING):
            await self.step()
        self.ready = True

    async def step(self) -> None:
        """Send the next message of the script and feed the answer back to it."""
        answer = await self.call(*self.next_message)
        self.next_message = self.plan.send(answer or {})

    async def close(self) -> None:
        if self.websocket is not None:
            with contextlib.suppress(Exception):
                await self.websocket.close()

    async def call(self, action: str, payload: bytes) -> Payload | None:
        """Send one CALL and wait for its answer: the payload, or None after an error."""
        websocket = self.websocket
        assert websocket is not None
        self.sequence += 1
        unique_id = str(self.sequence)
        frame = b'[2,"%s","%s",%s]' % (unique_id.encode(), action.encode(), payload)
        stats = self.stats
        sent_at = time.perf_counter()
        stats.sent(sent_at)
        try:
            async with asyncio.timeout(self.config.call_timeout):
                await websocket.send(frame, text=True)
                while True:
                    message = orjson.loads(await websocket.recv(decode=False))
                    kind = message[0]
                    if kind == 3 and message[1] == unique_id:
                        stats.answered(action, sent_at, time.perf_counter())
                        answer: Payload = message[2]
                        return answer
                    if kind == 4 and message[1] == unique_id:
                        stats.error(f"CALLERROR:{action}:{message[2]}")
                        return None
                    if kind == 2:
                        stats.server_calls += 1
                        await websocket.send(
                            b'[3,"%s",%s]' % (str(message[1]).encode(), _ACCEPTED), text=True
                        )
                    else:
                        stats.late_replies += 1
        except TimeoutError:
            stats.error(f"timeout:{action}")
            return None
        except ConnectionClosed as error:
            stats.error(f"disconnected:{error.rcvd.code if error.rcvd else 'no close frame'}")
            raise StationLost from error
        except (orjson.JSONDecodeError, IndexError, TypeError):
            stats.error("malformed answer")
            return None

    # Behaviour -------------------------------------------------------------------------------

    def script(self) -> Script:
        """The messages of this station, forever; answers come back through ``send``."""
        config = self.config
        per_session = config.meter_values_per_session
        power_w = self.rng.choice((7_400.0, 11_000.0, 22_000.0)) * self.rng.uniform(0.6, 1.0)
        connector = self.rng.choice((1, 2))
        # Stations start part-way through a session so that starts and stops spread out.
        first = self.rng.randint(1, per_session)
        session = 0
        while True:
            session += 1
            soc = self.rng.uniform(10.0, 60.0)
            yield _status(connector, "Preparing")
            yield "Authorize", orjson.dumps({"idTag": self.id_tag})
            started = yield (
                "StartTransaction",
                orjson.dumps(
                    {
                        "connectorId": connector,
                        "idTag": self.id_tag,
                        "meterStart": self.register_wh,
                        "timestamp": CLOCK.now(),
                    }
                ),
            )
            transaction_id = int(started.get("transactionId", 0)) if started else 0
            if started:
                status = str((started.get("idTagInfo") or {}).get("status"))
                self.stats.start_statuses[status] += 1
            yield _status(connector, "Charging")
            self.last_sample = time.monotonic()
            count = first if session == 1 else per_session
            for n in range(1, count + 1):
                yield self._meter_values(connector, transaction_id, power_w, soc)
                soc = min(100.0, soc + 0.4)
                if n % config.heartbeat_every == 0:
                    yield "Heartbeat", _HEARTBEAT
            yield (
                "StopTransaction",
                orjson.dumps(
                    {
                        "transactionId": transaction_id,
                        "idTag": self.id_tag,
                        "meterStop": self.register_wh,
                        "timestamp": CLOCK.now(),
                        "reason": "Local",
                    }
                ),
            )
            yield _status(connector, "Finishing")
            yield _status(connector, "Available")
            yield "Heartbeat", _HEARTBEAT
            connector = 3 - connector

    def _meter_values(
        self, connector: int, transaction_id: int, power_w: float, soc: float
    ) -> Message:
        now = time.monotonic()
        power = power_w * self.rng.uniform(0.95, 1.0)
        self.register_wh += max(1, int(power * (now - self.last_sample) / 3600))
        self.last_sample = now
        voltage = self.rng.uniform(225.0, 235.0)
        payload = {
            "connectorId": connector,
            "transactionId": transaction_id,
            "meterValue": [
                {
                    "timestamp": CLOCK.now(),
                    "sampledValue": [
                        {
                            "value": str(self.register_wh),
                            "context": "Sample.Periodic",
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                        },
                        {
                            "value": f"{power:.0f}",
                            "context": "Sample.Periodic",
                            "measurand": "Power.Active.Import",
                            "unit": "W",
                        },
                        {
                            "value": f"{voltage:.1f}",
                            "context": "Sample.Periodic",
                            "measurand": "Voltage",
                            "phase": "L1-N",
                            "unit": "V",
                        },
                        {
                            "value": f"{power / voltage / 3:.1f}",
                            "context": "Sample.Periodic",
                            "measurand": "Current.Import",
                            "phase": "L1",
                            "unit": "A",
                        },
                        {
                            "value": f"{soc:.0f}",
                            "context": "Sample.Periodic",
                            "measurand": "SoC",
                            "location": "EV",
                            "unit": "Percent",
                        },
                    ],
                }
            ],
        }
        return "MeterValues", orjson.dumps(payload)

    async def drive(self, start: float, end: float, interval: float) -> None:
        """Send the script paced at ``interval`` seconds from ``start`` until ``end``."""
        next_at = start + self.rng.random() * interval
        while True:
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.perf_counter() >= end:
                return
            await self.step()
            next_at += interval
            now = time.perf_counter()
            if next_at < now:
                # Behind its pace (the server is slower than the offered rate): send the next
                # CALL now, without bursting to catch up.
                next_at = now


async def _station_task(
    station: BenchStation,
    url: str,
    gate: asyncio.Semaphore,
    booted: list[int],
    all_booted: asyncio.Event,
    go: asyncio.Event,
    schedule: list[float],
) -> None:
    try:
        async with gate:
            await station.open(url)
    except StationLost:
        await station.close()
        return
    finally:
        booted[0] -= 1
        if booted[0] == 0:
            all_booted.set()
    await go.wait()
    start, end, interval = schedule
    try:
        await station.drive(start, end, interval)
    except StationLost:
        pass
    finally:
        await station.close()


# The server under test -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _kilowatt_command() -> list[str]:
    script = Path(sys.executable).with_name("kilowatt")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "kilowatt"]


@dataclass
class ServerHandle:
    url: str
    http_url: str
    api_key: str
    process: asyncio.subprocess.Process
    log_path: Path
    database_name: str | None


async def _run_cli(args: Sequence[str], env: Mapping[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        *_kilowatt_command(),
        *args,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(
            f"kilowatt {' '.join(args)} failed ({process.returncode}): {err.decode().strip()}"
        )
    return out.decode()


async def _postgres(
    admin_url: str, statement: str, parameters: Mapping[str, Any] | None = None
) -> list[Any]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(statement), dict(parameters or {}))
            return list(result.scalars()) if result.returns_rows else []
    finally:
        await engine.dispose()


class DatabaseMeter:
    """CPU of the PostgreSQL backends serving one database (found by their process title,
    "postgres: ... user DATABASE host(port) state"), including backends that the server's
    pool opens or closes during the window: sample it often."""

    def __init__(self, database_name: str) -> None:
        self.marker = f" {database_name} "
        self.postmaster: Any | None = None
        self.base: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.started = False

    def _title(self, process: Any) -> str:
        return " ".join(process.cmdline() or []) + " "

    def _read(self) -> dict[int, float]:
        if self.postmaster is None:
            for process in psutil.process_iter(["name"]):
                with contextlib.suppress(psutil.Error):
                    if process.info["name"] == "postgres" and self.marker in self._title(process):
                        self.postmaster = process.parent()
                        break
            if self.postmaster is None:
                return {}
        seconds = {}
        with contextlib.suppress(psutil.Error):
            for child in self.postmaster.children():
                with contextlib.suppress(psutil.Error):
                    if self.marker in self._title(child):
                        seconds[child.pid] = _cpu_seconds(child)
        return seconds

    def start(self) -> None:
        self.base = self._read()
        self.last = dict(self.base)
        self.started = True

    def sample(self) -> None:
        if self.started:
            self.last.update(self._read())

    def seconds(self) -> float:
        """CPU seconds since ``start``; a backend first seen later started after it."""
        self.sample()
        return sum(cpu - self.base.get(pid, 0.0) for pid, cpu in self.last.items())


@contextlib.asynccontextmanager
async def started_server(
    config: BenchConfig,
    workdir: Path,
    prepare: Callable[[Mapping[str, str]], Awaitable[None]] | None = None,
) -> AsyncIterator[ServerHandle]:
    """``kilowatt serve`` in a subprocess on a free port, with its own data and database.
    ``prepare`` gets the server's environment before it starts (to seed the database)."""
    port = free_port()
    env = {
        **os.environ,
        "KILOWATT_DATA_DIR": str(workdir / "data"),
        "KILOWATT_UNKNOWN_STATION_POLICY": "accept",
        "KILOWATT_LOG_LEVEL": "warning",
        "KILOWATT_LOG_FORMAT": "json",
        "KILOWATT_HOST": "127.0.0.1",
        "KILOWATT_PORT": str(port),
        **config.server_env,
    }
    database_name: str | None = None
    if config.database == "postgresql":
        database_name = f"kilowatt_bench_{uuid.uuid4().hex[:12]}"
        await _postgres(config.postgres_admin_url, f'CREATE DATABASE "{database_name}"')
        admin = urlsplit(config.postgres_admin_url)
        env["KILOWATT_DATABASE_URL"] = urlunsplit(admin._replace(path=f"/{database_name}"))
    elif config.database == "sqlite":
        env.pop("KILOWATT_DATABASE_URL", None)
    else:
        raise ValueError(f"database must be sqlite or postgresql, not {config.database!r}")
    log_path = workdir / "server.log"
    process: asyncio.subprocess.Process | None = None
    try:
        if database_name is not None:
            await _run_cli(["db", "upgrade"], env)
        if prepare is not None:
            await prepare(env)
        api_key = (await _run_cli(["apikey", "create", "--name", "bench"], env)).strip()
        api_key = api_key.splitlines()[-1]
        with log_path.open("wb") as log_file:
            process = await asyncio.create_subprocess_exec(
                *_kilowatt_command(),
                "serve",
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
            )
        http_url = f"http://127.0.0.1:{port}"
        await _wait_healthy(http_url, process, log_path)
        yield ServerHandle(
            f"ws://127.0.0.1:{port}/ocpp", http_url, api_key, process, log_path, database_name
        )
    finally:
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
        if database_name is not None:
            # asyncpg connections of the server are gone once it has exited.
            await _postgres(
                config.postgres_admin_url, f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)'
            )


async def _wait_healthy(
    http_url: str, process: asyncio.subprocess.Process, log_path: Path, timeout: float = 180.0
) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{http_url}/health")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the server did not become healthy at {http_url}:\n{_tail(log_path)}")


def _tail(path: Path, size: int = 2000) -> str:
    return path.read_text(errors="replace")[-size:] if path.exists() else ""


async def create_tokens(http_url: str, api_key: str, values: Sequence[str]) -> None:
    """Register the id tags through the REST API (an existing one is fine)."""
    headers = {"Authorization": f"Bearer {api_key}"}
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(
        base_url=http_url, headers=headers, timeout=30.0, trust_env=False
    ) as client:

        async def one(value: str) -> None:
            async with gate:
                response = await client.post(
                    "/api/v1/id-tokens", json={"value": value, "label": "bench"}
                )
            if response.status_code not in (201, 409):
                raise RuntimeError(
                    f"creating id token {value} failed: {response.status_code} {response.text}"
                )

        await asyncio.gather(*(one(value) for value in values))


def scan_server_log(path: Path, limit: int = 30) -> dict[str, int]:
    """Warnings, errors and tracebacks by message, most frequent first."""
    problems: Counter[str] = Counter()
    if not path.exists():
        return {}
    with path.open(errors="replace") as lines:
        for line in lines:
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                if "Traceback" in line or "Error" in line:
                    problems[f"[raw] {line[:160]}"] += 1
                continue
            if not isinstance(record, dict):
                continue
            level = str(record.get("level", ""))
            if level not in ("warning", "error", "critical", "exception"):
                continue
            message = f"[{level}] {record.get('event', '')}"
            detail = record.get("error") or record.get("action")
            if detail:
                message += f" ({str(detail)[:120]})"
            exception = str(record.get("exception") or "")
            if exception:
                message += " :: " + exception.strip().splitlines()[-1][:160]
            problems[message] += 1
    return dict(problems.most_common(limit))


def _http_of(ocpp_url: str) -> str:
    parts = urlsplit(ocpp_url)
    scheme = "https" if parts.scheme == "wss" else "http"
    return urlunsplit((scheme, parts.netloc, "", "", ""))


def _ocpp_base(url: str) -> str:
    url = url.rstrip("/")
    return url if urlsplit(url).path else f"{url}/ocpp"


# The run -------------------------------------------------------------------------------------


async def run_bench(config: BenchConfig) -> BenchResult:
    if config.stations < 1 or config.rate <= 0 or config.duration <= 0:
        raise ValueError("stations, rate and duration must be positive")
    workdir = Path(tempfile.mkdtemp(prefix="kilowatt-bench-"))
    try:
        if config.url is None:
            async with started_server(config, workdir) as server:
                name = server.database_name
                result = await _bench(
                    config,
                    server.url,
                    server.http_url,
                    server.api_key,
                    psutil.Process(server.process.pid),
                    DatabaseMeter(name) if name else None,
                )
            result.server_exit_code = server.process.returncode
            result.server_log_problems = scan_server_log(server.log_path)
            if config.server_log:
                Path(config.server_log).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(server.log_path, config.server_log)
        else:
            url = _ocpp_base(config.url)
            process = psutil.Process(config.server_pid) if config.server_pid else None
            result = await _bench(config, url, _http_of(url), config.api_key, process)
            result.database = "external"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if not config.quiet:
        print(result.summary(), flush=True)
    if config.output:
        _write(Path(config.output), result.to_json())
    return result


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


async def _bench(
    config: BenchConfig,
    url: str,
    http_url: str,
    api_key: str | None,
    server: Any | None,
    database: DatabaseMeter | None = None,
) -> BenchResult:
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    rng = random.Random(config.seed)
    identities = [f"{config.prefix}{n:05d}" for n in range(1, config.stations + 1)]
    tags = [f"{config.prefix}-TAG-{n:05d}" for n in range(1, config.stations + 1)]
    setup_began = time.perf_counter()
    if api_key:
        # One tag per station: a tag already charging elsewhere is answered ConcurrentTx.
        await create_tokens(http_url, api_key, tags)

    stats = Stats()
    stations = [
        BenchStation(identity, tag, config, stats, random.Random(rng.random()))
        for identity, tag in zip(identities, tags, strict=True)
    ]
    gate = asyncio.Semaphore(config.connect_concurrency)
    pending = [len(stations)]
    all_booted = asyncio.Event()
    go = asyncio.Event()
    schedule: list[float] = []
    tasks = [
        asyncio.create_task(_station_task(s, url, gate, pending, all_booted, go, schedule))
        for s in stations
    ]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_booted.wait(), config.setup_timeout)
    connected = sum(1 for s in stations if s.ready)
    setup_seconds = time.perf_counter() - setup_began

    # The generator's own garbage collector must not stall 500 sockets either (DESIGN rule 7).
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)

    me = psutil.Process()
    start = time.perf_counter()
    window_start = start + config.warmup
    window_end = window_start + config.duration
    interval = config.stations / config.rate
    schedule.extend((start, window_end, interval))
    go.set()
    rss: list[float] = []
    sampler = asyncio.create_task(_sample(server, rss, database)) if server is not None else None
    try:
        await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
        stats.window_start = window_start
        stats.window_end = window_end
        if database is not None:
            database.start()
        server_cpu0 = _cpu_seconds(server) if server is not None else 0.0
        my_cpu0 = _cpu_seconds(me)
        psutil.cpu_percent(None)
        measured_from = time.perf_counter()
        await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
        elapsed = time.perf_counter() - measured_from
        machine_cpu = float(psutil.cpu_percent(None))
        server_cpu = (
            (_cpu_seconds(server) - server_cpu0) / elapsed * 100 if server is not None else None
        )
        my_cpu = (_cpu_seconds(me) - my_cpu0) / elapsed * 100
        database_cpu = database.seconds() / elapsed * 100 if database is not None else None
        # Let the last answers arrive, then close every socket.
        _done, late = await asyncio.wait(tasks, timeout=config.call_timeout + 5)
        for task in late:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        if sampler is not None:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
        gc.unfreeze()
        gc.set_threshold(*thresholds)

    every = [value for values in stats.latencies.values() for value in values]
    actions = {}
    for action, values in stats.latencies.items():
        summary = latency_summary(values)
        actions[action] = {
            "count": len(values),
            "p50": summary["p50"],
            "p99": summary["p99"],
            "max": summary["max"],
        }
    return BenchResult(
        label=config.label,
        url=url,
        database=config.database,
        stations=config.stations,
        target_rate=config.rate,
        duration=config.duration,
        warmup=config.warmup,
        started_at=started_at,
        setup_seconds=round(setup_seconds, 2),
        stations_connected=connected,
        messages=len(every),
        offered=stats.offered,
        achieved_rate=round(len(every) / config.duration, 1),
        latency_ms=latency_summary(every),
        actions=actions,
        errors=sum(stats.errors.values()),
        errors_by_kind=dict(stats.errors.most_common()),
        start_statuses=dict(stats.start_statuses),
        server_calls=stats.server_calls,
        late_replies=stats.late_replies,
        server_cpu_percent=None if server_cpu is None else round(server_cpu, 1),
        server_cpu_ms_per_message=(
            round(server_cpu * 10 * config.duration / len(every), 2)
            if server_cpu is not None and every
            else None
        ),
        server_rss_mb=round(max(rss), 1) if rss else None,
        server_rss_start_mb=round(rss[0], 1) if rss else None,
        loadgen_cpu_percent=round(my_cpu, 1),
        machine_cpu_percent=round(machine_cpu, 1),
        database_cpu_percent=None if database_cpu is None else round(database_cpu, 1),
        other_cpu_percent=round(
            max(
                0.0,
                machine_cpu * (psutil.cpu_count() or 1)
                - my_cpu
                - (server_cpu or 0.0)
                - (database_cpu or 0.0),
            ),
            1,
        ),
        machine={
            **machine_info(),
            "generator_loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
        },
    )


async def _sample(process: Any, rss: list[float], database: DatabaseMeter | None) -> None:
    while True:
        with contextlib.suppress(psutil.Error):
            rss.append(_rss_mb(process))
        if database is not None:
            database.sample()
        await asyncio.sleep(0.5)
