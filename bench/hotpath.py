"""The OCPP hot path side by side with two anchors, in one run (``make bench``; issue 12).

    .venv/bin/python bench/hotpath.py                         # all four servers
    .venv/bin/python bench/hotpath.py --servers kilowatt-postgresql --stations 300
    .venv/bin/python bench/hotpath.py --step 6 --max-rate 3000   # quicker on a busy machine

Four servers, each in its own process, are driven one after the other by the same load
generator (kilowatt.simulator.loadgen's stations, the realistic 1.6 mix):

- ``websockets``: a bare websockets server answering a fixed CALLRESULT (bench/anchors.py);
- ``ocpp``: the ``ocpp`` library's ChargePoint answering fixed replies, no database;
- ``kilowatt-postgresql`` and ``kilowatt-sqlite``: ``kilowatt serve``, everything persisted.

For each, one fleet connects and boots once, then offers a ladder of rates (each step
``--warmup`` + ``--step`` seconds) until the p99 latency of a step reaches 100 ms, the fleet
falls 10 % short of the offered rate, or a CALL fails. The *sustained* rate is the best step
that passed. Per step: server CPU per message (process CPU time ÷ answered messages, not wall
time), PostgreSQL's own CPU per message, database transactions and SQL statements per message
(counted in the server, persistence/statement_counter.py), the generator's CPU. py-spy records
a CPU profile of each server over its whole ladder into ``bench/results/`` (raw collapsed
stacks, plus a share by package in the JSON). Results: ``results/hotpath-<date>.json`` and
``results/hotpath-latest.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from kilowatt.simulator.loadgen import (
    BenchConfig,
    BenchStation,
    DatabaseMeter,
    StationLost,
    Stats,
    create_tokens,
    free_port,
    latency_summary,
    machine_info,
    scan_server_log,
    started_server,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SERVERS = ("websockets", "ocpp", "kilowatt-postgresql", "kilowatt-sqlite")
P99_BUDGET_MS = 100.0


@dataclass
class Step:
    rate: float
    achieved: float
    messages: int
    latency_ms: dict[str, float]
    errors: dict[str, int]
    server_cpu_percent: float
    server_cpu_us_per_message: float | None
    database_cpu_percent: float | None = None
    database_cpu_us_per_message: float | None = None
    transactions_per_message: float | None = None
    statements_per_message: float | None = None
    generator_cpu_percent: float = 0.0
    other_cpu_percent: float = 0.0
    passed: bool = False


@dataclass
class ServerRun:
    server: str
    stations: int
    setup_seconds: float
    steps: list[Step] = field(default_factory=list)
    profile: str | None = None
    profile_shares: dict[str, float] = field(default_factory=dict)
    rss_mb: float | None = None
    log_problems: dict[str, int] = field(default_factory=dict)

    @property
    def sustained(self) -> Step | None:
        passed = [s for s in self.steps if s.passed]
        return max(passed, key=lambda s: s.achieved) if passed else None


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def read_counts(path: Path | None) -> dict[str, int] | None:
    if path is None:
        return None
    with contextlib.suppress(OSError, ValueError):
        counts: dict[str, int] = json.loads(path.read_text())
        return counts
    return None


def ladder_rates(start: float, factor: float, limit: float) -> list[float]:
    rates, rate = [], start
    while rate <= limit:
        rates.append(round(rate, -1))
        rate *= factor
    return rates


async def run_ladder(
    args: argparse.Namespace,
    name: str,
    url: str,
    http_url: str,
    process: psutil.Process,
    api_key: str | None,
    database: DatabaseMeter | None,
    counts: Path | None,
) -> ServerRun:
    config = BenchConfig(
        url=url,
        stations=args.stations,
        rate=1.0,
        duration=args.step,
        quiet=True,
        call_timeout=args.call_timeout,
    )
    identities = [f"{config.prefix}{n:05d}" for n in range(1, args.stations + 1)]
    tags = [f"{config.prefix}-TAG-{n:05d}" for n in range(1, args.stations + 1)]
    began = time.perf_counter()
    if api_key:
        await create_tokens(http_url, api_key, tags)
    stats = Stats()
    rng = random.Random(1)
    stations = [
        BenchStation(i, t, config, stats, random.Random(rng.random()))
        for i, t in zip(identities, tags, strict=True)
    ]
    gate = asyncio.Semaphore(config.connect_concurrency)

    async def open_one(station: BenchStation) -> bool:
        async with gate:
            try:
                await station.open(url)
            except StationLost:
                await station.close()
                return False
            return True

    opened = await asyncio.gather(*map(open_one, stations))
    ready = [s for s, ok in zip(stations, opened, strict=True) if ok]
    run = ServerRun(name, len(ready), round(time.perf_counter() - began, 1))
    print(f"  {name}: {len(ready)} stations booted in {run.setup_seconds} s", flush=True)
    if stats.errors:
        print(f"  setup errors: {dict(stats.errors)}", flush=True)
    gc.collect()
    gc.freeze()
    me = psutil.Process()
    profile = start_profile(args, name, process.pid)
    rss: list[float] = []
    try:
        rates = ladder_rates(args.min_rate, args.factor, args.max_rate)
        retried = False
        while rates:
            rate = rates[0]
            step = await one_step(args, rate, ready, stats, process, me, database, counts, rss)
            run.steps.append(step)
            lat = step.latency_ms
            print(
                f"    offered {rate:7,.0f}  achieved {step.achieved:7,.0f}  p50 {lat['p50']:6.1f}"
                f"  p99 {lat['p99']:7.1f} ms  server {step.server_cpu_percent:3.0f}% "
                f"{_us(step.server_cpu_us_per_message)} µs/msg"
                + (
                    f"  db {_us(step.database_cpu_us_per_message)} µs/msg"
                    if step.database_cpu_us_per_message is not None
                    else ""
                )
                + (
                    f"  tx/msg {step.transactions_per_message:.2f}"
                    f"  sql/msg {step.statements_per_message:.2f}"
                    if step.statements_per_message is not None
                    else ""
                )
                + f"  gen {step.generator_cpu_percent:.0f}%"
                + (f"  errors {step.errors}" if step.errors else ""),
                flush=True,
            )
            if step.passed:
                rates.pop(0)
            elif retried or step.errors:
                break
            else:
                # A shared machine stalls now and then: a step fails twice before it counts.
                retried = True
    finally:
        gc.unfreeze()
        for station in ready:
            await station.close()
        run.profile, run.profile_shares = await stop_profile(profile)
    run.rss_mb = round(max(rss), 1) if rss else None
    return run


def _us(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


async def one_step(
    args: argparse.Namespace,
    rate: float,
    stations: list[BenchStation],
    stats: Stats,
    server: psutil.Process,
    me: psutil.Process,
    database: DatabaseMeter | None,
    counts: Path | None,
    rss: list[float],
) -> Step:
    stats.latencies = {}
    stats.offered = 0
    stats.errors = Counter()
    start = time.perf_counter()
    window_start = start + args.warmup
    window_end = window_start + args.step
    interval = len(stations) / rate

    async def drive(station: BenchStation) -> None:
        with contextlib.suppress(StationLost):
            await station.drive(start, window_end, interval)

    tasks = [asyncio.create_task(drive(s)) for s in stations]
    await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
    stats.window_start, stats.window_end = window_start, window_end
    if database is not None:
        database.start()
    counts0 = read_counts(counts)
    server0, me0 = _cpu(server), _cpu(me)
    psutil.cpu_percent(None)
    t0 = time.perf_counter()
    while time.perf_counter() < window_end:
        await asyncio.sleep(min(0.5, max(0.0, window_end - time.perf_counter())))
        with contextlib.suppress(psutil.Error):
            rss.append(server.memory_info().rss / 1_048_576)
        if database is not None:
            database.sample()
    elapsed = time.perf_counter() - t0
    server_cpu = _cpu(server) - server0
    my_cpu = _cpu(me) - me0
    machine = psutil.cpu_percent(None) / 100 * (psutil.cpu_count() or 1) * elapsed
    db_cpu = database.seconds() if database is not None else None
    await asyncio.sleep(0.3)  # the counter file is rewritten every 0.25 s
    counts1 = read_counts(counts)
    await asyncio.gather(*tasks)
    every = [v for values in stats.latencies.values() for v in values]
    messages = len(every)
    lat = latency_summary(every)
    per = 1e6 / messages if messages else None
    step = Step(
        rate=rate,
        achieved=round(messages / args.step, 1),
        messages=messages,
        latency_ms=lat,
        errors=dict(stats.errors),
        server_cpu_percent=round(server_cpu / elapsed * 100, 1),
        server_cpu_us_per_message=round(server_cpu * per, 1) if per else None,
        generator_cpu_percent=round(my_cpu / elapsed * 100, 1),
        other_cpu_percent=round(
            max(0.0, machine - server_cpu - my_cpu - (db_cpu or 0.0)) / elapsed * 100, 1
        ),
    )
    if db_cpu is not None:
        step.database_cpu_percent = round(db_cpu / elapsed * 100, 1)
        step.database_cpu_us_per_message = round(db_cpu * per, 1) if per else None
    if counts0 and counts1 and messages:
        # The counter file lags by up to 0.25 s at either end: near enough over the window.
        step.transactions_per_message = round(
            (counts1["transactions"] - counts0["transactions"]) / messages, 3
        )
        step.statements_per_message = round(
            (counts1["statements"] - counts0["statements"]) / messages, 3
        )
    step.passed = (
        messages > 0
        and lat["p99"] < P99_BUDGET_MS
        and step.achieved >= 0.9 * rate
        and not step.errors
    )
    return step


# Profiles ------------------------------------------------------------------------------------

PACKAGES = {
    # py-spy names files relative to sys.path ("sqlalchemy/orm/session.py:1").
    "sqlalchemy": ("sqlalchemy/",),
    "asyncpg": ("asyncpg/",),
    "aiosqlite/sqlite3": ("aiosqlite/", "sqlite3/"),
    "websockets": ("websockets/",),
    "ocpp library": ("(ocpp/",),
    "jsonschema": ("jsonschema", "fastjsonschema"),
    "kilowatt.ocpp": ("kilowatt/ocpp/",),
    "kilowatt.services": ("kilowatt/services/",),
    "kilowatt.persistence": ("kilowatt/persistence/",),
    "kilowatt.domain": ("kilowatt/domain/",),
}


def stem(args: argparse.Namespace) -> str:
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    return f"hotpath-{day}" + (f"-{args.label}" if args.label else "")


def start_profile(args: argparse.Namespace, name: str, pid: int) -> Any:
    if args.no_profile or shutil.which("py-spy", path=str(Path(sys.executable).parent)) is None:
        return None
    spy = str(Path(sys.executable).parent / "py-spy")
    slug = name.replace(" (before)", "-before")
    output = RESULTS / f"{stem(args)}-{slug}.profile.txt"
    command = [spy, "record", "--pid", str(pid), "--rate", "100", "--nonblocking"]
    process = subprocess.Popen(
        [*command, "--format", "raw", "--output", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return process, output


async def stop_profile(handle: Any) -> tuple[str | None, dict[str, float]]:
    if handle is None:
        return None, {}
    process, output = handle
    process.send_signal(2)  # py-spy writes its output on SIGINT
    with contextlib.suppress(subprocess.TimeoutExpired):
        await asyncio.to_thread(process.wait, 30)
    if process.poll() is None:
        process.kill()
    if not output.exists():
        error = process.stderr.read().decode(errors="replace")[-300:] if process.stderr else ""
        print(f"  (no profile: {error.strip()})", flush=True)
        return None, {}
    return str(output.relative_to(ROOT)), profile_shares(output)


def profile_shares(path: Path) -> dict[str, float]:
    """Inclusive share of samples by package: a sample counts for every package on its
    stack (so shares add up to more than 100 %)."""
    total = 0
    hits: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        for package, markers in PACKAGES.items():
            if any(marker in stack for marker in markers):
                hits[package] += count
    if not total:
        return {}
    return {package: round(100 * n / total, 1) for package, n in hits.most_common()}


# Servers -------------------------------------------------------------------------------------


async def wait_port(port: int, process: asyncio.subprocess.Process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.returncode is None:
        with contextlib.suppress(OSError):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the anchor server did not listen on {port}")


async def run_anchor(args: argparse.Namespace, kind: str) -> ServerRun:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "anchors.py"),
        kind,
        "--port",
        str(port),
        stdin=asyncio.subprocess.DEVNULL,
    )
    try:
        await wait_port(port, process)
        url = f"ws://127.0.0.1:{port}/ocpp"
        return await run_ladder(args, kind, url, "", psutil.Process(process.pid), None, None, None)
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()


async def run_kilowatt(args: argparse.Namespace, database: str, source: str = "") -> ServerRun:
    """``source``: another checkout's ``src`` to run the server from (``--before``)."""
    workdir = Path(tempfile.mkdtemp(prefix="kilowatt-hotpath-"))
    counts = workdir / "sql-counts.json"
    env = {"KILOWATT_BENCH_SQL_COUNTS": str(counts)}
    if source:
        env["PYTHONPATH"] = source
    config = BenchConfig(
        url=None,
        database=database,
        stations=args.stations,
        rate=1.0,
        duration=1.0,
        server_env=env,
    )
    try:
        async with started_server(config, workdir) as server:
            meter = DatabaseMeter(server.database_name) if server.database_name else None
            run = await run_ladder(
                args,
                f"kilowatt-{database}" + (" (before)" if source else ""),
                server.url,
                server.http_url,
                psutil.Process(server.process.pid),
                server.api_key,
                meter,
                counts,
            )
        run.log_problems = scan_server_log(server.log_path)
        return run
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# Report --------------------------------------------------------------------------------------


def markdown(runs: list[ServerRun], args: argparse.Namespace, source: str, started: str) -> str:
    machine = machine_info()
    floor = next((r.sustained for r in runs if r.server == "ocpp"), None)
    lines = [
        "# OCPP hot path: Kilowatt beside the two anchors, one run",
        "",
        f"- date: {started}; git commit `{source}`",
        f"- machine: {machine['cores']} cores ({machine['cpu']}), Python {machine['python']}, "
        "shared with other work: compare within this run, and prefer CPU per message",
        f"- {args.stations} stations, realistic 1.6 mix (bench/README.md), one generator "
        f"process; ladder from {args.min_rate:g} msg/s times {args.factor:g}, "
        f"{args.warmup:g} s warm-up + {args.step:g} s measured per step",
        "- produced by `bench/hotpath.py` (part of `make bench`)",
        "",
        "| server (one process) | sustained msg/s, p99 < 100 ms | p99 there ms "
        "| server CPU µs/msg | PostgreSQL CPU µs/msg | DB transactions/msg | SQL statements/msg "
        "| times the ocpp floor | generator CPU % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        best = run.sustained
        if best is None:
            lines.append(f"| {run.server} | none passed | | | | | | | |")
            continue
        ratio = f"{best.achieved / floor.achieved:.2f}" if floor and floor.achieved else "n/a"
        lines.append(
            f"| {run.server} | {best.achieved:,.0f} | {best.latency_ms['p99']:.1f} "
            f"| {_us(best.server_cpu_us_per_message)} "
            f"| {_us(best.database_cpu_us_per_message)} "
            f"| {_opt(best.transactions_per_message)} | {_opt(best.statements_per_message)} "
            f"| {ratio} | {best.generator_cpu_percent:.0f} |"
        )
    lines += ["", "## Every step", ""]
    lines += [
        "| server | offered | achieved | p50 ms | p99 ms | server CPU % | µs/msg | DB µs/msg "
        "| tx/msg | sql/msg | generator % | other % | passed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        for s in run.steps:
            lines.append(
                f"| {run.server} | {s.rate:,.0f} | {s.achieved:,.0f} | {s.latency_ms['p50']:.1f} "
                f"| {s.latency_ms['p99']:.1f} | {s.server_cpu_percent:.0f} "
                f"| {_us(s.server_cpu_us_per_message)} | {_us(s.database_cpu_us_per_message)} "
                f"| {_opt(s.transactions_per_message)} | {_opt(s.statements_per_message)} "
                f"| {s.generator_cpu_percent:.0f} | {s.other_cpu_percent:.0f} "
                f"| {'yes' if s.passed else 'no' + (' ' + str(s.errors) if s.errors else '')} |"
            )
    lines += ["", "## Where the server's CPU goes (py-spy, inclusive share of samples)", ""]
    for run in runs:
        if run.profile_shares:
            shares = ", ".join(f"{k} {v:g} %" for k, v in run.profile_shares.items())
            lines.append(f"- **{run.server}** (`{run.profile}`): {shares}")
    problems = [r for r in runs if r.log_problems]
    if problems:
        lines += ["", "## Server log", ""]
        for run in problems:
            for message, count in run.log_problems.items():
                lines.append(f"- {run.server}: {count} times `{message}`")
    lines.append("")
    return "\n".join(lines)


def _opt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def git_commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


async def main_async(args: argparse.Namespace) -> int:
    started = datetime.now(UTC)
    commit = git_commit()
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(
        f"hot path · {', '.join(args.servers)} · {args.stations} stations · commit {commit} · "
        f"{psutil.cpu_count()} cores · Python {platform.python_version()}",
        flush=True,
    )
    runs = []
    for name in args.servers:
        if name.startswith("kilowatt-"):
            database = name.removeprefix("kilowatt-")
            if args.before:
                runs.append(await run_kilowatt(args, database, str(Path(args.before) / "src")))
            runs.append(await run_kilowatt(args, database))
        else:
            runs.append(await run_anchor(args, name))
    text = markdown(runs, args, commit, started.strftime("%Y-%m-%d %H:%M UTC"))
    (RESULTS / f"{stem(args)}.json").write_text(
        json.dumps(
            {
                "started_at": started.isoformat(timespec="seconds"),
                "commit": commit,
                "machine": machine_info(),
                "arguments": vars(args),
                "runs": [asdict(r) for r in runs],
            },
            indent=2,
        )
        + "\n"
    )
    (RESULTS / f"{stem(args)}.md").write_text(text)
    (RESULTS / "hotpath-latest.md").write_text(text)
    print("\n" + text, flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--min-rate", type=float, default=100.0)
    parser.add_argument("--factor", type=float, default=1.5, help="Step factor.")
    parser.add_argument("--max-rate", type=float, default=20_000.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--step", type=float, default=8.0, help="Measured seconds per step.")
    parser.add_argument(
        "--call-timeout", type=float, default=10.0, help="Seconds for a CALL or a handshake."
    )
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--before",
        metavar="CHECKOUT",
        help="Also run each Kilowatt server from this checkout (e.g. a git worktree of an "
        "older commit), just before the current one: before and after in one run.",
    )
    parser.add_argument(
        "--label", default="", help="Kept in the result names: hotpath-<date>-<label>.json."
    )
    args = parser.parse_args()
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
