"""Server time of the dashboard's pages with the demo data (``make bench`` runs it first).

    .venv/bin/python bench/pages.py [--database sqlite|postgresql] [--rounds 30]

Seeds a fresh database the way ``make demo`` does (sites, stations, tokens and the demo's
months of past sessions), starts ``kilowatt serve`` on 127.0.0.1 (through the load
benchmark's ``started_server``, which also drops a PostgreSQL database afterwards) with a few
simulated stations charging, signs in as an operator and requests every page ``rounds`` times. The
figure is the server's own time from the ``Server-Timing`` header (request in → response
headers out), so neither the client nor the network is in it. Writes
``bench/results/pages-<date>-<database>.json`` and ``bench/results/pages-latest.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from kilowatt import demo
from kilowatt.bootstrap import build, prepare_database
from kilowatt.config import Settings
from kilowatt.domain.users import Role
from kilowatt.simulator.loadgen import BenchConfig, started_server

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
EMAIL = "bench@pages.kilowatt.example"
PASSWORD = "bench-pages-password"  # noqa: S105 - a throwaway account of a throwaway database
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BUDGET_MS = 300.0
FLEET_PASSWORDS = "KILOWATT_BENCH_FLEET_PASSWORDS"
"""The fleet's station passwords (JSON), handed to its process in its environment."""


async def seed(env: Mapping[str, str]) -> None:
    """The demo's data and an operator, in the database the server is about to serve."""
    settings = Settings(
        data_dir=Path(env["KILOWATT_DATA_DIR"]),
        database_url=env.get("KILOWATT_DATABASE_URL", ""),
    )
    container = build(settings)
    try:
        await prepare_database(container.database, upgrade=True)
        services = container.services
        await demo.seed(services)
        await services.users.create_user(EMAIL, PASSWORD, Role.OWNER)
    finally:
        await container.close()


def pages(api: httpx.Client) -> dict[str, str]:
    """One URL per kind of page, with real ids from the seeded data."""
    today = datetime.now(UTC).date().isoformat()
    found: dict[str, str] = {
        "home": "/",
        "sites": "/sites",
        "stations": "/stations",
        "sessions": "/sessions",
        "sessions (today)": f"/sessions?from={today}&to={today}",
        "sites (search)": "/sites?q=hel",
        "faults": "/faults",
        "fault codes": "/faults/codes",
        "assets": "/assets",
    }
    site = api.get("/sites", params={"limit": 1}).json()["items"][0]
    found["site"] = f"/sites/{site['id']}"
    station = api.get("/stations", params={"limit": 1}).json()["items"][0]
    identity = quote(station["ocpp_id"], safe="")
    found["station"] = f"/stations/{identity}"
    connector = api.get(f"/stations/{identity}").json()["connectors"][0]
    found["connector"] = (
        f"/connectors/{identity}/{connector['evse_id']}/{connector['connector_id']}"
    )
    transaction = api.get("/transactions", params={"limit": 1}).json()["items"]
    if transaction:
        found["session"] = f"/sessions/{transaction[0]['id']}"
    return found


def measure(client: httpx.Client, path: str, rounds: int) -> dict[str, Any]:
    times: list[float] = []
    status = 0
    for _ in range(rounds):
        answer = client.get(path)
        status = answer.status_code
        timing = answer.headers.get("server-timing", "")
        if status != 200 or not timing.startswith("app;dur="):
            break
        times.append(float(timing.split("=", 1)[1]))
    if not times:
        return {"path": path, "status": status}
    times.sort()
    return {
        "path": path,
        "status": status,
        "rounds": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "max_ms": round(times[-1], 1),
    }


def measure_pages(base: str, key: str, ocpp_url: str, rounds: int, stations: int) -> Any:
    """Every page ``rounds`` times, while ``stations`` simulated stations charge."""
    with httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {key}"}) as api:
        listed = api.get("/stations").json()["items"][:stations]
        identities = [s["ocpp_id"] for s in listed]
        urls = pages(api)
        # The demo's stations of profile 1 connect with a password: issue them one each.
        passwords = {
            s["ocpp_id"]: api.post(f"/stations/{s['ocpp_id']}/credentials", json={}).json()[
                "password"
            ]
            for s in listed
            if s["security_profile"] in (1, 2)
        }
    fleet = subprocess.Popen(  # this script, as the fleet
        [sys.executable, __file__, "--fleet", ocpp_url, *identities],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, FLEET_PASSWORDS: json.dumps(passwords)},
    )
    try:
        time.sleep(5)  # the stations boot and start charging
        with httpx.Client(base_url=base, timeout=30) as browser:
            form = browser.get("/login")
            token = CSRF.search(form.text)
            assert token is not None
            browser.post(
                "/login",
                data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)},
            )
            for path in urls.values():  # warm up every page once
                browser.get(path)
            return {name: measure(browser, path, rounds) for name, path in urls.items()}
    finally:
        fleet.terminate()
        fleet.wait(10)


def commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()


async def run(database: str, rounds: int, stations: int) -> dict[str, Any]:
    """A server of its own (loadgen.started_server: free port, fresh database, dropped after),
    seeded before it starts."""
    config = BenchConfig(
        url=None,
        database=database,
        stations=stations,
        rate=0,
        duration=0,
        server_env={"KILOWATT_MAP_TILE_URL": ""},
    )
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kilowatt-pages-") as tmp:
        async with started_server(config, Path(tmp), prepare=seed) as server:
            seeded = time.monotonic() - began
            results = await asyncio.to_thread(
                measure_pages, server.http_url, server.api_key, server.url, rounds, stations
            )
    return {
        "database": database,
        "rounds": rounds,
        "start_seconds": round(seeded, 1),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "pages": results,
    }


def markdown(runs: list[dict[str, Any]]) -> str:
    lines = [
        "# Dashboard pages: server time with the demo data",
        "",
        f"Server-Timing of each page, {runs[0]['rounds']} requests after one warm-up, with "
        "simulated stations charging; commit "
        f"`{runs[0]['commit']}`, {runs[0]['date']}. Budget: {BUDGET_MS:.0f} ms.",
        "",
        "| page | database | p50 ms | p95 ms | max ms |",
        "|---|---|---:|---:|---:|",
    ]
    for result in runs:
        for name, row in result["pages"].items():
            if "p50_ms" not in row:
                lines.append(f"| {name} | {result['database']} | HTTP {row['status']} | | |")
                continue
            lines.append(
                f"| {name} | {result['database']} | {row['p50_ms']} | {row['p95_ms']} | "
                f"{row['max_ms']} |"
            )
    return "\n".join(lines) + "\n"


def fleet(url: str, identities: list[str]) -> None:
    """The demo's simulated stations (real OCPP), until terminated."""
    from kilowatt.simulator.fleet import FleetConfig, run_fleet

    config = FleetConfig(
        url=url,
        count=len(identities),
        identities=identities,
        id_tags=demo.TOKENS,
        meter_interval=2.0,
        passwords=json.loads(os.environ.get(FLEET_PASSWORDS, "{}")),
    )
    asyncio.run(run_fleet(config))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--fleet":
        fleet(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--stations", type=int, default=6)
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs = []
    for database in databases:
        result = asyncio.run(run(database, args.rounds, args.stations))
        day = result["date"][:10]
        (RESULTS / f"pages-{day}-{database}.json").write_text(json.dumps(result, indent=2))
        runs.append(result)
        slow = [n for n, r in result["pages"].items() if r.get("p95_ms", 0) > BUDGET_MS]
        print(f"{database}: {len(result['pages'])} pages, over budget: {slow or 'none'}")
    (RESULTS / "pages-latest.md").write_text(markdown(runs))
    print((RESULTS / "pages-latest.md").read_text())


if __name__ == "__main__":
    main()
