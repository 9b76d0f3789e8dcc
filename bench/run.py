"""Run the OCPP load benchmark matrix (``make bench``) or one configuration.

    .venv/bin/python bench/run.py                        # the matrix, SQLite and PostgreSQL
    .venv/bin/python bench/run.py --database sqlite --stations 100 --rate 200 --duration 30
    .venv/bin/python bench/run.py --ref HEAD             # measure a commit, not the work tree

Every run starts its own ``kilowatt serve`` on 127.0.0.1 (see kilowatt.simulator.loadgen),
writes ``bench/results/<date>-<database>-<stations>-<rate>.json``; the matrix also rewrites
``bench/results/latest.md``. See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil

from kilowatt.simulator.loadgen import BenchConfig, BenchResult, machine_info, run_bench

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Case:
    database: str
    stations: int
    rate: float
    duration: float
    kind: str = "steady"
    """steady: below the ceiling, latency is the figure; saturation: the rate is the figure."""


def matrix(duration: float, saturation_duration: float) -> list[Case]:
    cases = []
    for database in ("sqlite", "postgresql"):
        cases += [
            Case(database, 100, 200, duration),
            Case(database, 500, 200, duration),
            Case(database, 500, 1000, duration, "overload"),
            Case(database, 200, 3000, saturation_duration, "saturation"),
        ]
    return cases


def git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def source_description(ref: str | None) -> str:
    if ref:
        return git("rev-parse", "--short", ref) or ref
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "src", "migrations", "pyproject.toml")
    return f"{commit}+dirty" if dirty else commit


def export_ref(ref: str, into: Path) -> Path:
    """A clean copy of ``ref`` (src/ and migrations/) for the server to run from."""
    archive = into / "source.tar"
    subprocess.run(
        ["git", "archive", "--format=tar", "-o", str(archive), ref, "src", "migrations"],
        cwd=ROOT,
        check=True,
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def wait_for_quiet(threshold: float, limit: float) -> None:
    """On a shared machine, start a run only once other work has calmed down (or after
    ``limit`` seconds): the figures are only as good as the CPU the server gets."""
    if limit <= 0:
        return
    deadline = time.monotonic() + limit
    busy = psutil.cpu_percent(interval=2)
    while busy > threshold and time.monotonic() < deadline:
        print(f"  machine {busy:.0f}% busy: waiting for it to calm down", flush=True)
        busy = psutil.cpu_percent(interval=5)


def result_path(case: Case, day: str) -> Path:
    return RESULTS / f"{day}-{case.database}-{case.stations}-{case.rate:g}.json"


def attempt_path(path: Path, attempt: int) -> Path:
    return path.with_name(f"{path.stem}.try{attempt}.json") if attempt else path


def keep_attempt(path: Path, kept: int, attempts: int) -> None:
    """Leave the kept attempt's JSON and server log under the plain name, drop the others."""
    for attempt in range(attempts):
        for suffix in (".json", ".server.log"):
            source = attempt_path(path, attempt).with_suffix(suffix)
            if attempt == kept and attempt:
                if source.exists():
                    source.replace(path.with_suffix(suffix))
            elif attempt != kept:
                source.unlink(missing_ok=True)


def run_case(
    case: Case, args: argparse.Namespace, day: str, source: str, attempt: int = 0
) -> BenchResult:
    output = attempt_path(result_path(case, day), attempt)
    config = BenchConfig(
        url=None,
        database=case.database,
        stations=case.stations,
        rate=case.rate,
        duration=case.duration,
        output=str(output),
        warmup=args.warmup,
        server_log=str(output.with_suffix(".server.log")),
        label=case.kind,
    )
    began = time.monotonic()
    result = asyncio.run(run_bench(config))
    result.machine["source"] = source
    output.write_text(result.to_json())
    print(f"  ({time.monotonic() - began:.0f} s wall, {output.relative_to(ROOT)})\n", flush=True)
    log = output.with_suffix(".server.log")
    if log.exists() and log.stat().st_size == 0:
        log.unlink()
    return result


def cell(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


NOISY_OTHER_CPU = 50.0
"""Other work on the machine (% of one core) above which a row is flagged as noisy."""


def noisy(result: BenchResult) -> str:
    other = result.other_cpu_percent
    return " (noisy)" if other is not None and other > NOISY_OTHER_CPU else ""


def markdown(results: list[BenchResult], source: str, started: str) -> str:
    machine = machine_info()
    lines = [
        "# Kilowatt OCPP load benchmark — latest results",
        "",
        f"- date: {started}",
        f"- git commit: `{source}`",
        f"- machine: {machine['cores']} cores ({machine['cpu']}), {machine['ram_gb']} GB RAM, "
        f"Python {machine['python']}, {platform.system()} {platform.release()}",
        "- load generator and server share the machine; generator CPU is shown per row",
        "- produced by `make bench` (bench/run.py); raw results in the JSON files beside this",
        "",
        "| database | kind | stations | target msg/s | achieved msg/s | p50 ms | p95 ms "
        "| p99 ms | max ms | errors | server CPU % | server CPU ms/msg | RSS MB | DB CPU % "
        "| generator CPU % | other CPU % |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lat = r.latency_ms
        errors = str(r.errors)
        if r.errors_by_kind:
            errors += " (" + ", ".join(f"{k} {v}" for k, v in r.errors_by_kind.items()) + ")"
        lines.append(
            f"| {r.database} | {r.label}{noisy(r)} | {r.stations} | {r.target_rate:,.0f} "
            f"| {r.achieved_rate:,.0f} | {lat['p50']:,.1f} | {lat['p95']:,.1f} "
            f"| {lat['p99']:,.1f} | {lat['max']:,.0f} | {errors} "
            f"| {cell(r.server_cpu_percent)} | {cell(r.server_cpu_ms_per_message, 2)} "
            f"| {cell(r.server_rss_mb)} "
            f"| {cell(r.database_cpu_percent)} | {cell(r.loadgen_cpu_percent)} "
            f"| {cell(r.other_cpu_percent)} |"
        )
    lines += [
        "",
        "CPU columns are % of one core averaged over the measured window (psutil cpu_times); "
        "*server CPU ms/msg* is the server's CPU per answered message, the figure least "
        "disturbed by other load (1000 ÷ it ≈ the ceiling of one core). "
        "RSS is the server's peak, sampled every 0.5 s. *DB CPU* is the PostgreSQL backends "
        "serving the benchmark database (SQLite runs inside the server process). *Other* is "
        "everything else on the machine during the window: when it is high, the figures are "
        f"noisy, and rows where it exceeded {NOISY_OTHER_CPU:.0f} % of a core are marked. "
        "Latency is CALL → CALLRESULT as each station sees it; each station has one "
        "CALL outstanding, so above the ceiling latency is queueing (≈ stations ÷ msg/s).",
        "",
        "Measured seconds per run: "
        + ", ".join(sorted({f"{r.label} {r.duration:g} s" for r in results}))
        + f"; warmup {results[0].warmup:g} s after every station has booted.",
        "",
    ]
    problems = [r for r in results if r.server_log_problems]
    if problems:
        lines += ["## Server log", ""]
        for r in problems:
            lines.append(f"- {r.database} {r.stations} stations @ {r.target_rate:g}:")
            for message, count in r.server_log_problems.items():
                lines.append(f"  - {count} x `{message}`")
        lines.append("")
    return "\n".join(lines)


def rebuild_table(day: str) -> int:
    order = {(c.database, c.stations, c.rate): n for n, c in enumerate(matrix(35.0, 30.0))}
    results = [
        BenchResult(**json.loads(path.read_text()))
        for path in RESULTS.glob(f"{day}-*.json")
        if ".try" not in path.name
    ]
    if not results:
        print(f"no results for {day} in {RESULTS}", file=sys.stderr)
        return 2
    results.sort(key=lambda r: order.get((r.database, r.stations, r.target_rate), len(order)))
    sources = sorted({str(r.machine.get("source", "unknown")) for r in results})
    started = min(r.started_at for r in results).replace("T", " ")[:16] + " UTC"
    text = markdown(results, ", ".join(sources), started)
    (RESULTS / "latest.md").write_text(text)
    print(text)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"))
    parser.add_argument("--stations", type=int)
    parser.add_argument("--rate", type=float, help="Target msg/s of the whole fleet.")
    parser.add_argument("--duration", type=float, help="Measured seconds (default 35 / 30).")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--ref", help="Run the server from this git ref (clean export).")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=30.0,
        help="Before each run, wait up to this many seconds for the machine to be idle.",
    )
    parser.add_argument(
        "--quiet-below", type=float, default=25.0, help="Idle means below this CPU %%."
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="Run a configuration up to N times while other work disturbs it; keep the "
        "least disturbed run.",
    )
    parser.add_argument(
        "--strict", action="store_true", help="Exit 1 when any run recorded an error."
    )
    parser.add_argument(
        "--table",
        metavar="DATE",
        help="Only rebuild results/latest.md from the JSON results of DATE (YYYY-MM-DD), "
        "e.g. after re-running one configuration.",
    )
    args = parser.parse_args()
    if args.table:
        return rebuild_table(args.table)

    single = args.database or args.stations or args.rate
    if single:
        if not (args.database and args.stations and args.rate):
            parser.error("one configuration needs --database, --stations and --rate")
        known = {(c.database, c.stations, c.rate): c for c in matrix(35.0, 30.0)}
        like = known.get((args.database, args.stations, args.rate))
        cases = [
            Case(
                args.database,
                args.stations,
                args.rate,
                args.duration or (like.duration if like else 30.0),
                like.kind if like else "single",
            )
        ]
    else:
        cases = matrix(args.duration or 35.0, args.duration or 30.0)

    started = datetime.now(UTC)
    day = started.strftime("%Y-%m-%d")
    source = source_description(args.ref)
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(
        f"kilowatt bench · {len(cases)} run(s) · source {source} · "
        f"{psutil.cpu_count()} cores · Python {platform.python_version()}\n",
        flush=True,
    )
    results: list[BenchResult] = []
    with tempfile.TemporaryDirectory(prefix="kilowatt-bench-src-") as scratch:
        if args.ref:
            source_dir = export_ref(args.ref, Path(scratch))
            # The server subprocesses import kilowatt from the export, not the work tree.
            os.environ["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(source_dir), os.environ.get("PYTHONPATH", "")) if p
            )
        for case in cases:
            attempts: list[BenchResult] = []
            while len(attempts) < max(1, args.repeat) and not (
                attempts and not noisy(attempts[-1])
            ):
                if attempts:
                    print("  other work disturbed that run: running it again", flush=True)
                wait_for_quiet(args.quiet_below, args.quiet_wait)
                attempts.append(run_case(case, args, day, source, len(attempts)))
                time.sleep(1)
            kept = min(range(len(attempts)), key=lambda i: attempts[i].other_cpu_percent or 0)
            keep_attempt(result_path(case, day), kept, len(attempts))
            results.append(attempts[kept])

    if not single:
        text = markdown(results, source, started.strftime("%Y-%m-%d %H:%M UTC"))
        (RESULTS / "latest.md").write_text(text)
        print(text)
    failed = sum(r.errors for r in results)
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
