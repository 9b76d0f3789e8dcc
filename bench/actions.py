"""Server CPU per message, one OCPP action at a time (issue 12, ``make bench``).

``bench/hotpath.py`` measures the realistic mix; this says which action costs what in it. One
``kilowatt serve`` on a fresh database, a fleet of simulated 1.6 stations (all booted, each in
a running session), then for each action in turn a steady rate of only that action: a warm-up
(long enough that every station has sent it, so first-time lookups are not counted), then a
measured window. For each action it records the server's CPU time per answered message, and
the database transactions and SQL statements per message counted inside the server
(``KILOWATT_BENCH_SQL_COUNTS``).

The actions:

- ``Heartbeat``: the edge alone (frame, codec, schema, message log, presence);
- ``MeterValues``: five readings of the station's running transaction, a new timestamp each;
- ``StatusNotification``: a real change each time (Charging and SuspendedEV in turn);
- ``Authorize``: the station's own card, answered from the cache after its first time;
- ``StartStop``: StartTransaction and StopTransaction in turn on a second connector, with a
  second card (each a message), the CDR billed at every stop.

Results: ``results/actions-<date>.json`` and ``.md``, and ``results/actions-latest.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hotpath import read_counts  # noqa: E402  (bench/ is on the path when run as a script)

from kilowatt.simulator import loadgen  # noqa: E402

ACTIONS = ("Heartbeat", "MeterValues", "StatusNotification", "Authorize", "StartStop")
Message = tuple[str, bytes]


class OneAction(loadgen.BenchStation):
    """A station whose script sends whichever action the run is measuring."""

    action = "Heartbeat"

    @property
    def second_tag(self) -> str:
        """The card of the second connector's sessions (the first one's is busy)."""
        return self.id_tag + "B"

    def script(self) -> Iterator[Message]:  # type: ignore[override]
        # Opening (loadgen.SESSION_OPENING messages): a running session on connector 1.
        yield loadgen._status(1, "Preparing")
        yield "Authorize", orjson.dumps({"idTag": self.id_tag})
        started = yield _start(1, self.id_tag, self.register_wh)
        transaction = int(started.get("transactionId", 0)) if started else 0
        yield loadgen._status(1, "Charging")
        charging = True
        second: int | None = None
        while True:
            action = OneAction.action
            if action == "MeterValues":
                yield self._meter_values(1, transaction, 11_000.0, 50.0)
            elif action == "StatusNotification":
                charging = not charging
                yield loadgen._status(1, "Charging" if charging else "SuspendedEV")
            elif action == "Authorize":
                yield "Authorize", orjson.dumps({"idTag": self.id_tag})
            elif action == "StartStop":
                if second is None:
                    answer = yield _start(2, self.second_tag, self.register_wh)
                    second = int(answer.get("transactionId", 0)) if answer else 0
                else:
                    yield _stop(second, self.second_tag, self.register_wh)
                    second = None
            else:
                yield "Heartbeat", b"{}"


def _start(connector: int, id_tag: str, meter: int) -> Message:
    payload = {
        "connectorId": connector,
        "idTag": id_tag,
        "meterStart": meter,
        "timestamp": loadgen.CLOCK.now(),
    }
    return "StartTransaction", orjson.dumps(payload)


def _stop(transaction: int, id_tag: str, meter: int) -> Message:
    payload = {
        "transactionId": transaction,
        "idTag": id_tag,
        "meterStop": meter + 1_000,
        "timestamp": loadgen.CLOCK.now(),
        "reason": "Local",
    }
    return "StopTransaction", orjson.dumps(payload)


@dataclass
class ActionRun:
    action: str
    offered_rate: float
    achieved_rate: float
    server_cpu_us_per_message: float
    transactions_per_message: float | None
    statements_per_message: float | None
    p50_ms: float
    p99_ms: float
    errors: int


async def _measure(
    stations: list[OneAction],
    stats: loadgen.Stats,
    process: psutil.Process,
    counts: Path,
    args: argparse.Namespace,
    action: str,
) -> ActionRun:
    OneAction.action = action
    interval = len(stations) / args.rate
    start = time.perf_counter()
    await asyncio.gather(*(s.drive(start, start + args.warmup, interval) for s in stations))
    errors = sum(stats.errors.values())
    stats.latencies = {}
    start = time.perf_counter()
    stats.window_start, stats.window_end = start, start + args.seconds
    before = read_counts(counts)
    cpu = sum(process.cpu_times()[:2])
    await asyncio.gather(*(s.drive(start, start + args.seconds, interval) for s in stations))
    cpu = sum(process.cpu_times()[:2]) - cpu
    after = read_counts(counts)
    latencies = sorted(v for values in stats.latencies.values() for v in values)
    answered = len(latencies)

    def per_message(key: str) -> float | None:
        if before is None or after is None or not answered:
            return None
        return round((after[key] - before[key]) / answered, 2)

    return ActionRun(
        action=action,
        offered_rate=args.rate,
        achieved_rate=round(answered / args.seconds, 1),
        server_cpu_us_per_message=round(1e6 * cpu / max(answered, 1)),
        transactions_per_message=per_message("transactions"),
        statements_per_message=per_message("statements"),
        p50_ms=round(1000 * loadgen.percentile(latencies, 0.5), 1) if latencies else 0.0,
        p99_ms=round(1000 * loadgen.percentile(latencies, 0.99), 1) if latencies else 0.0,
        errors=sum(stats.errors.values()) - errors,
    )


async def run(args: argparse.Namespace) -> list[ActionRun]:
    workdir = Path(tempfile.mkdtemp(prefix="kilowatt-actions-"))
    counts = workdir / "sql-counts.json"
    config = loadgen.BenchConfig(
        url=None,
        database=args.database,
        stations=args.stations,
        rate=1.0,
        duration=1.0,
        server_env={"KILOWATT_BENCH_SQL_COUNTS": str(counts)},
    )
    try:
        async with loadgen.started_server(config, workdir) as server:
            process = psutil.Process(server.process.pid)
            tags = [f"ACT{n:05d}" for n in range(args.stations)]
            await loadgen.create_tokens(
                server.http_url, server.api_key, tags + [tag + "B" for tag in tags]
            )
            stats = loadgen.Stats()
            rng = random.Random(12)
            stations = [
                OneAction(f"ACTION{n:05d}", tags[n], config, stats, rng)
                for n in range(args.stations)
            ]
            gate = asyncio.Semaphore(50)

            async def open_one(station: OneAction) -> None:
                async with gate:
                    await station.open(server.url)

            await asyncio.gather(*(open_one(s) for s in stations))
            runs = []
            for action in args.actions:
                measured = await _measure(stations, stats, process, counts, args, action)
                print(
                    f"  {action:20s} {measured.achieved_rate:7,.0f} msg/s  "
                    f"server {measured.server_cpu_us_per_message:6,.0f} µs/msg  "
                    f"tx/msg {measured.transactions_per_message}  "
                    f"sql/msg {measured.statements_per_message}  "
                    f"p99 {measured.p99_ms} ms  errors {measured.errors}",
                    flush=True,
                )
                runs.append(measured)
            for station in stations:
                await station.close()
            return runs
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def markdown(runs: list[ActionRun], args: argparse.Namespace, started: str) -> str:
    machine = loadgen.machine_info()
    lines = [
        "# Server CPU per message, one action at a time (bench/actions.py)",
        "",
        f"- date: {started}; Kilowatt on {args.database}, {args.stations} stations, "
        f"{args.rate:g} msg/s of one action at a time, {args.warmup:g} s warm-up + "
        f"{args.seconds:g} s measured",
        f"- machine: {machine['cores']} cores ({machine['cpu']}), Python {machine['python']}",
        "",
        "| action | achieved msg/s | server CPU µs/msg | DB transactions/msg "
        "| SQL statements/msg | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.action} | {r.achieved_rate:,.0f} | {r.server_cpu_us_per_message:,.0f} "
            f"| {r.transactions_per_message} | {r.statements_per_message} | {r.p50_ms} "
            f"| {r.p99_ms} | {r.errors} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--actions", nargs="+", choices=ACTIONS, default=list(ACTIONS))
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=300.0, help="Messages a second.")
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    started = datetime.now(UTC)
    print(f"actions · {args.database} · {args.stations} stations · {args.rate:g} msg/s")
    runs = asyncio.run(run(args))
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    name = f"actions-{started:%Y-%m-%d}" + (f"-{args.label}" if args.label else "")
    (results / f"{name}.json").write_text(
        json.dumps([asdict(r) for r in runs], indent=2) + "\n", encoding="utf-8"
    )
    report = markdown(runs, args, f"{started:%Y-%m-%d %H:%M} UTC")
    (results / f"{name}.md").write_text(report, encoding="utf-8")
    (results / "actions-latest.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
