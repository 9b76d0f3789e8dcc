"""Connection storms and idle fleets against one ``kilowatt serve`` (issue 12, ``make bench``).

    .venv/bin/python bench/storm.py                                 # both, default sizes
    .venv/bin/python bench/storm.py --scenario storm --stations 10000 --database postgresql
    .venv/bin/python bench/storm.py --scenario idle --stations 19900 --heartbeat 30

``storm``: every station is first registered and booted once (50 at a time, not measured)
and disconnected; then all of them reconnect **at once**, as after an outage or a deploy:
connect, BootNotification, a StatusNotification per connector (2) and a queued MeterValues.
A station refused (503) or failing retries after 1-5 s. Measured: seconds until the last
station has sent all of it, retries, error answers (CALLERROR), the server's peak memory.

``idle``: the stations connect from cold (all at once) and boot, then each sends a Heartbeat
every ``--heartbeat`` seconds for ``--duration`` seconds. Measured: seconds until all are
connected and booted, retries, the server's memory once they are all connected, heartbeat
latency p50/p99.

The defaults are small (the machine is shared); the issue's figures are 10,000 stations
for the storm and 19,900 (this machine's file-descriptor ceiling) for the idle fleet: pass
``--stations``. Results: ``results/storm-<date>-<scenario>-<database>-<stations>.json`` and
one line each in ``results/storm-latest.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import random
import resource
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

from kilowatt.simulator.loadgen import (
    CLOCK,
    SUBPROTOCOL,
    BenchConfig,
    latency_summary,
    scan_server_log,
    started_server,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BOOT = orjson.dumps({"chargePointVendor": "Kilowatt", "chargePointModel": "Storm"})


@dataclass
class StormResult:
    scenario: str
    database: str
    stations: int
    started_at: str
    seconds: float
    """Storm: until the last station sent everything; idle: until all were booted."""
    completed: int
    retries: int
    refused: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    server_rss_mb: float | None = None
    heartbeat_ms: dict[str, float] = field(default_factory=dict)
    heartbeats: int = 0
    server_cpu_seconds: float | None = None
    idle_cpu_pct: float | None = None
    """Idle: the server's CPU (% of one core) while the connected fleet only beats."""
    log_problems: dict[str, int] = field(default_factory=dict)


class Station:
    def __init__(self, identity: str, url: str, result: StormResult) -> None:
        self.identity = identity
        self.url = url
        self.result = result
        self.socket: ClientConnection | None = None
        self.sequence = 0

    async def connect(self, deadline: float) -> bool:
        """Connect, retrying after 1-5 s while refused, until ``deadline``."""
        while time.monotonic() < deadline:
            try:
                self.socket = await connect(
                    f"{self.url}/{self.identity}",
                    subprotocols=[SUBPROTOCOL],
                    compression=None,
                    proxy=None,
                    open_timeout=60,
                    ping_interval=None,
                    close_timeout=2,
                    max_queue=4,
                )
                return True
            except InvalidStatus as error:
                self.result.refused[str(error.response.status_code)] = (
                    self.result.refused.get(str(error.response.status_code), 0) + 1
                )
            except (OSError, WebSocketException, TimeoutError) as error:
                name = type(error).__name__
                self.result.refused[name] = self.result.refused.get(name, 0) + 1
            self.result.retries += 1
            await asyncio.sleep(random.uniform(1, 5))
        return False

    async def call(self, action: str, payload: bytes) -> Any:
        assert self.socket is not None
        self.sequence += 1
        unique = str(self.sequence).encode()
        await self.socket.send(b'[2,"%s","%s",%s]' % (unique, action.encode(), payload), text=True)
        while True:
            message = orjson.loads(await self.socket.recv(decode=False))
            if message[0] == 2:  # a CALL of the server: accept whatever it is
                await self.socket.send(
                    b'[3,"%s",{"status":"Accepted"}]' % str(message[1]).encode(), text=True
                )
                continue
            if message[1] != unique.decode():
                continue
            if message[0] == 4:
                key = f"{action}:{message[2]}"
                self.result.errors[key] = self.result.errors.get(key, 0) + 1
                return None
            return message[2]

    async def report(self) -> None:
        await self.call("BootNotification", BOOT)
        for connector in (1, 2):
            status = {
                "connectorId": connector,
                "errorCode": "NoError",
                "status": "Available",
                "timestamp": CLOCK.now(),
            }
            await self.call("StatusNotification", orjson.dumps(status))

    async def queued(self) -> None:
        meter = {
            "connectorId": 1,
            "meterValue": [
                {
                    "timestamp": CLOCK.now(),
                    "sampledValue": [{"value": "1000", "unit": "Wh"}],
                }
            ],
        }
        await self.call("MeterValues", orjson.dumps(meter))

    async def close(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close()
            self.socket = None


async def register_all(stations: list[Station], concurrency: int = 50) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(station: Station) -> None:
        async with gate:
            if await station.connect(time.monotonic() + 300):
                with contextlib.suppress(Exception):
                    await station.report()
            await station.close()

    await asyncio.gather(*(one(s) for s in stations))


async def sample_rss(process: psutil.Process, peak: list[float]) -> None:
    while True:
        with contextlib.suppress(psutil.Error):
            peak.append(process.memory_info().rss / 1_048_576)
        await asyncio.sleep(0.5)


async def storm(args: argparse.Namespace, url: str, process: psutil.Process) -> StormResult:
    result = StormResult("storm", args.database, args.stations, _now(), 0.0, 0, 0)
    stations = [Station(f"STORM{n:05d}", url, result) for n in range(1, args.stations + 1)]
    began = time.monotonic()
    await register_all(stations)
    print(f"  registered {len(stations)} stations in {time.monotonic() - began:.0f} s")
    result.retries, result.refused, result.errors = 0, {}, {}
    await asyncio.sleep(2)  # the disconnects are written
    peak: list[float] = []
    sampler = asyncio.create_task(sample_rss(process, peak))
    cpu0 = _cpu(process)
    began = time.monotonic()
    deadline = began + args.limit

    async def one(station: Station) -> bool:
        try:
            if not await station.connect(deadline):
                return False
            await station.report()
            await station.queued()
            return True
        except (WebSocketException, OSError):
            result.errors["disconnected"] = result.errors.get("disconnected", 0) + 1
            return False

    done = await asyncio.gather(*(one(s) for s in stations))
    result.seconds = round(time.monotonic() - began, 1)
    result.server_cpu_seconds = round(_cpu(process) - cpu0, 1)
    result.completed = sum(done)
    sampler.cancel()
    result.server_rss_mb = round(max(peak), 1) if peak else None
    await asyncio.gather(*(s.close() for s in stations))
    return result


async def idle(args: argparse.Namespace, url: str, process: psutil.Process) -> StormResult:
    result = StormResult("idle", args.database, args.stations, _now(), 0.0, 0, 0)
    stations = [Station(f"IDLE{n:05d}", url, result) for n in range(1, args.stations + 1)]
    began = time.monotonic()
    deadline = began + args.limit

    async def boot(station: Station) -> bool:
        try:
            if not await station.connect(deadline):
                return False
            await station.call("BootNotification", BOOT)
            return True
        except (WebSocketException, OSError):
            result.errors["disconnected"] = result.errors.get("disconnected", 0) + 1
            return False

    booted = await asyncio.gather(*(boot(s) for s in stations))
    result.seconds = round(time.monotonic() - began, 1)
    result.completed = sum(booted)
    print(f"  {result.completed} connected and booted in {result.seconds} s", flush=True)
    gc.collect()
    gc.freeze()
    latencies: list[float] = []
    end = time.monotonic() + args.duration

    async def beat(station: Station) -> None:
        await asyncio.sleep(random.uniform(0, args.heartbeat))
        while time.monotonic() < end:
            sent = time.perf_counter()
            with contextlib.suppress(Exception):
                if await station.call("Heartbeat", b"{}") is not None:
                    latencies.append(time.perf_counter() - sent)
            await asyncio.sleep(args.heartbeat)

    live = [s for s, ok in zip(stations, booted, strict=True) if ok]
    cpu0, began_idle = _cpu(process), time.monotonic()
    await asyncio.gather(*(beat(s) for s in live))
    # What an idle fleet costs the server: its share of a core while only heartbeats come.
    result.idle_cpu_pct = round(100 * (_cpu(process) - cpu0) / (time.monotonic() - began_idle), 1)
    with contextlib.suppress(psutil.Error):
        result.server_rss_mb = round(process.memory_info().rss / 1_048_576, 1)
    result.heartbeat_ms = latency_summary(latencies)
    result.heartbeats = len(latencies)
    await asyncio.gather(*(s.close() for s in stations))
    return result


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def line(r: StormResult) -> str:
    extra = ""
    if r.scenario == "idle":
        beats = r.heartbeat_ms
        extra = (
            f"heartbeat p50 {beats.get('p50', 0):.1f} / p99 {beats.get('p99', 0):.1f} ms "
            f"over {r.heartbeats:,}; server CPU {r.idle_cpu_pct} % of a core while idle"
        )
    else:
        extra = f"server CPU {r.server_cpu_seconds} s"
    return (
        f"| {r.started_at[:16]} | {r.scenario} | {r.database} | {r.stations:,} | {r.seconds:.1f} "
        f"| {r.completed:,} | {r.retries:,} {dict(r.refused) or ''} | {dict(r.errors) or 0} "
        f"| {r.server_rss_mb or 'n/a'} | {extra} |"
    )


async def run(args: argparse.Namespace, scenario: str) -> StormResult:
    workdir = Path(tempfile.mkdtemp(prefix="kilowatt-storm-"))
    config = BenchConfig(
        url=None,
        database=args.database,
        stations=args.stations,
        rate=1.0,
        duration=1.0,
        server_env={"KILOWATT_MESSAGE_LOG_ENABLED": "true"},
    )
    async with started_server(config, workdir) as server:
        process = psutil.Process(server.process.pid)
        if scenario == "storm":
            result = await storm(args, server.url, process)
        else:
            result = await idle(args, server.url, process)
    result.log_problems = scan_server_log(server.log_path)
    return result


async def main_async(args: argparse.Namespace) -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.stations + 100 > hard:
        print(f"at most {hard - 100} stations: the file-descriptor ceiling is {hard}")
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    scenarios = ["storm", "idle"] if args.scenario == "both" else [args.scenario]
    table = RESULTS / "storm-latest.md"
    if not table.exists():
        table.write_text(
            "# Storms and idle fleets (bench/storm.py)\n\n"
            "| date | scenario | database | stations | seconds | completed | retries "
            "| errors | server RSS MB | |\n|---|---|---|---:|---:|---:|---|---|---:|---|\n"
        )
    for scenario in scenarios:
        print(f"{scenario}: {args.stations} stations on {args.database}", flush=True)
        result = await run(args, scenario)
        path = RESULTS / f"storm-{day}-{scenario}-{args.database}-{args.stations}.json"
        path.write_text(json.dumps(asdict(result), indent=2) + "\n")
        print("  " + line(result), flush=True)
        with table.open("a") as out:
            out.write(line(result) + "\n")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=("storm", "idle", "both"), default="both")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--stations", type=int, default=2000)
    parser.add_argument("--limit", type=float, default=300.0, help="Give up after (s).")
    parser.add_argument("--heartbeat", type=float, default=10.0, help="Idle: seconds apart.")
    parser.add_argument("--duration", type=float, default=30.0, help="Idle: seconds of beats.")
    args = parser.parse_args()
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
