"""Cheap reads on the OCPP hot path (issue 12), counted inside a real server.

The server counts every database transaction and SQL statement it runs
(persistence/statement_counter.py, switched on by KILOWATT_BENCH_SQL_COUNTS); a real 1.6
client sends the messages. A Heartbeat costs no query, a repeated Authorize is answered from
memory until the token changes, and a StatusNotification that repeats the last one is not
written.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ocpp.v16 import call

from tests.conftest import BACKENDS, Ids, create_token, register_station
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer, start_server, stop_server

REPEATS = 12
PRESENCE_FLUSHES = 1
"""The server writes last-seen times in one statement every few seconds: a window of a
second or two may hold one such transaction whatever the messages were."""


@pytest.fixture(scope="module", params=BACKENDS)
def counted(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningServer, Path]]:
    backend = str(request.param)
    data_dir = Path(tmp_path_factory.mktemp(f"kilowatt-counted-{backend}"))
    counts = data_dir / "sql-counts.json"
    previous = os.environ.get("KILOWATT_BENCH_SQL_COUNTS")
    os.environ["KILOWATT_BENCH_SQL_COUNTS"] = str(counts)
    try:
        server = start_server(backend, data_dir, message_log_enabled=False, jobs_enabled=False)
    finally:
        if previous is None:
            del os.environ["KILOWATT_BENCH_SQL_COUNTS"]
        else:
            os.environ["KILOWATT_BENCH_SQL_COUNTS"] = previous
    try:
        yield server, counts
    finally:
        stop_server(server)


async def totals(counts: Path) -> dict[str, int]:
    """The server's running totals, after its counter file has been rewritten."""
    await asyncio.sleep(0.35)
    result: dict[str, int] = json.loads(await asyncio.to_thread(counts.read_text))
    return result


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {key: after[key] - before[key] for key in after}


@pytest.fixture
def api_of(counted: tuple[RunningServer, Path]) -> Iterator[httpx.Client]:
    with counted[0].api() as client:
        yield client


async def test_heartbeats_run_no_query(
    counted: tuple[RunningServer, Path], api_of: httpx.Client, ids: Ids
) -> None:
    server, counts = counted
    station = ids.station()
    register_station(api_of, station)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        before = await totals(counts)
        for _ in range(REPEATS):
            answer = await cp.call(call.Heartbeat())
            assert answer.current_time
        used = delta(await totals(counts), before)
    assert used["transactions"] <= PRESENCE_FLUSHES, used
    assert used["statements"] <= PRESENCE_FLUSHES, used


async def test_repeated_authorize_is_answered_from_memory_until_the_token_changes(
    counted: tuple[RunningServer, Path], api_of: httpx.Client, ids: Ids
) -> None:
    server, counts = counted
    station, tag = ids.station(), ids.tag()
    register_station(api_of, station)
    token = create_token(api_of, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        before = await totals(counts)
        for _ in range(REPEATS):
            answer = await cp.authorize(tag)
            assert answer.id_tag_info["status"] == "Accepted"
        used = delta(await totals(counts), before)
        # The first Authorize looks the token up; the others do not.
        assert used["transactions"] <= 1 + PRESENCE_FLUSHES, used

        blocked = api_of.patch(f"/id-tokens/{token['id']}", json={"status": "Blocked"})
        assert blocked.status_code == 200, blocked.text
        answer = await cp.authorize(tag)
        assert answer.id_tag_info["status"] == "Blocked"

        api_of.patch(f"/id-tokens/{token['id']}", json={"status": "Accepted"})
        answer = await cp.authorize(tag)
        assert answer.id_tag_info["status"] == "Accepted"


async def test_unknown_then_created_token_is_seen_at_once(
    counted: tuple[RunningServer, Path], api_of: httpx.Client, ids: Ids
) -> None:
    server, _ = counted
    station, tag = ids.station(), ids.tag("NEW")
    register_station(api_of, station)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        assert (await cp.authorize(tag)).id_tag_info["status"] == "Invalid"
        create_token(api_of, tag)
        assert (await cp.authorize(tag)).id_tag_info["status"] == "Accepted"


async def test_a_repeated_status_report_is_not_written(
    counted: tuple[RunningServer, Path], api_of: httpx.Client, ids: Ids
) -> None:
    server, counts = counted
    station = ids.station()
    register_station(api_of, station)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        await cp.status(1, "Available")
        before = await totals(counts)
        for _ in range(REPEATS):
            await cp.status(1, "Available")
        used = delta(await totals(counts), before)
        assert used["transactions"] <= PRESENCE_FLUSHES, used

        # A change is written, and so is the status it changes back to.
        before = await totals(counts)
        await cp.status(1, "Unavailable")
        await cp.status(1, "Available")
        used = delta(await totals(counts), before)
        assert used["transactions"] >= 2, used
    connector = next(
        c for c in api_of.get(f"/stations/{station}").json()["connectors"] if c["evse_id"] == 1
    )
    assert connector["status"] == "Available"


async def test_after_a_reconnect_a_repeated_status_is_still_not_written(
    counted: tuple[RunningServer, Path], api_of: httpx.Client, ids: Ids
) -> None:
    """A fleet coming back after an outage repeats what the database already holds: the
    connection reads it, a boot keeps it, and the repeats cost no write. What differs is written."""
    server, counts = counted
    station = ids.station()
    register_station(api_of, station)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        await cp.status(1, "Available")
        await cp.status(2, "Available")
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        before = await totals(counts)
        await cp.status(1, "Available")
        await cp.status(2, "Available")
        used = delta(await totals(counts), before)
        assert used["transactions"] <= PRESENCE_FLUSHES, used

        before = await totals(counts)
        await cp.status(2, "Faulted", error="GroundFailure")
        used = delta(await totals(counts), before)
        assert used["transactions"] >= 1, used
    connectors = {c["evse_id"]: c for c in api_of.get(f"/stations/{station}").json()["connectors"]}
    assert (connectors[1]["status"], connectors[2]["status"]) == ("Available", "Faulted")
