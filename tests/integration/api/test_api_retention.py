"""Retention through the real edges: a station's frames and readings arrive over OCPP, time
passes (the test ages rows in the server's database, the only way to be 90 days older), the
retention jobs run through the API, and what is left is read back through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from ocpp.v16 import call as call16
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import create_async_engine

from kilowatt.persistence.models.base import UTCDateTime
from tests.conftest import BACKENDS, Ids, register_station
from tests.support.commands import async_api, eventually
from tests.support.ocpp16 import charge_point, iso
from tests.support.server import RunningServer, start_server, stop_server

Json = dict[str, Any]
BATCH = 7
"""Rows per statement: small, so that every prune takes several batches."""


@pytest.fixture(scope="module", params=BACKENDS)
def keeping(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A server keeping the message log 30 days and readings 90 days after their session."""
    backend = str(request.param)
    server = start_server(
        backend,
        Path(tmp_path_factory.mktemp(f"retention-{backend}")),
        message_log_retention_days=30,
        meter_values_retention_days=90,
        retention_batch=BATCH,
    )
    try:
        yield server
    finally:
        stop_server(server)


async def sql(server: RunningServer, statement: str, **values: Any) -> Any:
    """Run one statement on the server's database; datetimes bound as Kilowatt stores them."""
    engine = create_async_engine(server.settings.database_url)
    query = text(statement)
    for name, value in values.items():
        if isinstance(value, datetime):
            query = query.bindparams(bindparam(name, type_=UTCDateTime()))
    try:
        async with engine.begin() as connection:
            result = await connection.execute(query, values)
            return result.scalar() if result.returns_rows else result.rowcount
    finally:
        await engine.dispose()


async def run(aapi: httpx.AsyncClient, job: str) -> Json:
    response = await aapi.post(f"/jobs/{job}/run", params={"wait": 60})
    assert response.status_code == 200, response.text
    body: Json = response.json()
    assert body["status"] == "succeeded", body
    return body


async def readings(aapi: httpx.AsyncClient, transaction_id: int) -> int:
    response = await aapi.get(f"/transactions/{transaction_id}")
    assert response.status_code == 200, response.text
    return len(response.json()["meter_values"])


async def test_old_messages_go_in_batches_and_the_rest_stay(
    keeping: RunningServer, ids: Ids
) -> None:
    station = ids.station("RET")
    with keeping.api() as api:
        register_station(api, station)
    async with charge_point(keeping.ocpp_url, station) as cp:
        await cp.boot()
        for _ in range(11):
            await cp.call(call16.Heartbeat())
    async with async_api(keeping) as aapi:

        async def logged() -> list[int]:
            path = f"/stations/{station}/messages"
            found = (await aapi.get(path, params={"limit": 500})).json()["items"]
            return sorted(item["id"] for item in found)

        # Boot and 11 heartbeats, each a call and its result (written in batches).
        ids_in_log = await eventually(logged, lambda found: len(found) >= 24)
        assert len(ids_in_log) == 24
        # 31 days pass for the first 17 frames.
        aged = ids_in_log[:17]
        now = datetime.now(UTC)
        changed = await sql(
            keeping,
            "UPDATE ocpp_messages SET created_at = :old WHERE id <= :last",
            old=now - timedelta(days=31),
            last=aged[-1],
        )
        assert changed >= 17  # frames of other stations of this server may be older too
        done = await run(aapi, "message-log-retention")
        assert done["items"] == changed
        assert await logged() == ids_in_log[17:]
        again = await run(aapi, "message-log-retention")
        assert again["items"] == 0


async def test_readings_go_once_their_session_is_past_retention_and_open_ones_stay(
    keeping: RunningServer, ids: Ids
) -> None:
    station = ids.station("RMV")
    tag = ids.tag()
    with keeping.api() as api:
        register_station(api, station, connectors=3)
        assert api.post("/id-tokens", json={"value": tag}).status_code == 201
    long_ago = datetime.now(UTC) - timedelta(days=120)
    async with charge_point(keeping.ocpp_url, station) as cp:
        await cp.boot()
        old = int((await cp.start_tx(1, tag, 1000)).transaction_id)
        await cp.meter(1, old, 1500)
        await cp.meter(1, old, 2000)
        await cp.stop_tx(old, 2500)
        still_open = int((await cp.start_tx(2, tag, 100)).transaction_id)
        await cp.meter(2, still_open, 200)
        recent = int((await cp.start_tx(3, tag, 10)).transaction_id)
        await cp.meter(3, recent, 20)
        await cp.stop_tx(recent, 30)
        # Readings of no session: one taken 100 days ago (an old clock, or a late upload),
        # one now.
        await cp.meter(1, None, 3000, timestamp=iso(datetime.now(UTC) - timedelta(days=100)))
        await cp.meter(1, None, 3100)
    async with async_api(keeping) as aapi:
        counts = {t: await readings(aapi, t) for t in (old, still_open, recent)}
        assert all(counts.values()), counts
        loose = await sql(
            keeping,
            "SELECT count(*) FROM meter_values WHERE transaction_id IS NULL AND timestamp < :at",
            at=datetime.now(UTC) - timedelta(days=90),
        )
        assert loose == 4  # the four values of the old reading
        # The first two sessions were recorded 120 days ago (the open one is still open).
        for transaction_id in (old, still_open):
            await sql(
                keeping,
                "UPDATE transactions SET created_at = :at, updated_at = :at WHERE id = :id",
                at=long_ago,
                id=transaction_id,
            )
        done = await run(aapi, "meter-values-retention")
        assert done["items"] == counts[old] + loose
        assert await readings(aapi, old) == 0
        assert await readings(aapi, still_open) == counts[still_open]
        assert await readings(aapi, recent) == counts[recent]
        remaining_loose = await sql(
            keeping,
            "SELECT count(*) FROM meter_values WHERE transaction_id IS NULL AND timestamp < :at",
            at=datetime.now(UTC) - timedelta(days=90),
        )
        assert remaining_loose == 0
        # The session itself stays, with its energy: only the readings went.
        session = (await aapi.get(f"/transactions/{old}")).json()
        assert session["energy_wh"] == 1500
        assert (await run(aapi, "meter-values-retention"))["items"] == 0
