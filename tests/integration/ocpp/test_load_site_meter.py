"""A station as a site's meter, through the real edges on both databases: a 1.6 station's main
meter (connectorId 0) and a 2.0.1 station's (evseId 0) report Power.Active.Import over a real
WebSocket and the site's load follows (source "ocpp"), while their outlets' readings do not;
a meter station must be the site's (422 naming the field). And a silent meter: the job raises
one alert (a decision on the load panel, ``site.meter_silent`` live), a reading clears it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Ids
from tests.integration.ocpp.test_load_management import managed_site
from tests.support.commands import async_api, eventually, register
from tests.support.live import LiveEvents
from tests.support.ocpp16 import charge_point, iso
from tests.support.ocpp201 import charge_point201
from tests.support.server import RunningServer

Json = dict[str, Any]


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


def power(value: str, unit: str, phase: str | None = None) -> Json:
    sample = {"value": value, "measurand": "Power.Active.Import", "unit": unit}
    return sample | ({"phase": phase} if phase else {})


async def load_of(aapi: httpx.AsyncClient, site_id: int) -> Json:
    response = await aapi.get(f"/sites/{site_id}/load")
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def test_a_16_station_s_main_meter_is_the_site_s_meter(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(aapi, ids)
    meter, elsewhere = ids.station("MTR"), ids.station("ELSE")
    await register(aapi, meter, connectors=1, site_id=site_id)
    await register(aapi, elsewhere, connectors=1)
    # Not a station of the site (another's, or none): 422 naming the field.
    for station in (elsewhere, ids.station("NONE")):
        refused = await aapi.put(
            f"/sites/{site_id}/load/settings",
            json={"capacity_w": 100_000, "meter_station": station},
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"] == "meter_station: not a station of this site"
    configured = await aapi.put(
        f"/sites/{site_id}/load/settings", json={"capacity_w": 100_000, "meter_station": meter}
    )
    assert configured.status_code == 200, configured.text
    assert configured.json()["settings"]["meter_station"] == meter

    async with charge_point(server.ocpp_url, meter) as cp:
        assert (await cp.boot()).status == "Accepted"
        # Per phase, in kW: summed, in W.
        phases = [power("20.5", "kW", f"L{n}") for n in (1, 2, 3)]
        await cp.send_meter_values(0, None, [{"timestamp": iso(), "sampledValue": phases}])
        load = await eventually(
            lambda: load_of(aapi, site_id), lambda body: body["state"] == "half_power"
        )
        assert (load["load_w"], load["measured"], load["state"]) == (61_500, True, "half_power")
        assert [(r["load_w"], r["source"]) for r in load["readings"]] == [(61_500, "ocpp")]
        # An outlet's power is a car's, not the transformer's; then the main meter again.
        await cp.send_meter_values(1, None, [{"timestamp": iso(), "sampledValue": [
            power("7000", "W")]}])  # fmt: skip
        await cp.send_meter_values(0, None, [{"timestamp": iso(), "sampledValue": [
            power("30000", "W")]}])  # fmt: skip
        load = await eventually(
            lambda: load_of(aapi, site_id), lambda body: body["state"] == "normal"
        )
        assert [r["load_w"] for r in load["readings"]] == [30_000, 61_500]
        assert (load["load_w"], load["state"]) == (30_000, "normal")


async def test_a_201_station_s_evse_0_is_the_site_s_meter(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(aapi, ids)
    meter = ids.station("M201")
    await register(aapi, meter, connectors=1, site_id=site_id)
    configured = await aapi.put(
        f"/sites/{site_id}/load/settings", json={"capacity_w": 100_000, "meter_station": meter}
    )
    assert configured.status_code == 200, configured.text
    async with charge_point201(server.ocpp_url, meter) as cp:
        assert (await cp.boot()).status == "Accepted"
        sample = {"value": 85.25, "measurand": "Power.Active.Import", "unitOfMeasure": {
            "unit": "kW"}}  # fmt: skip
        await cp.meter_values(0, [{"timestamp": iso(), "sampledValue": [sample]}])
        load = await eventually(lambda: load_of(aapi, site_id), lambda b: b["state"] == "hold")
    assert [(r["load_w"], r["source"]) for r in load["readings"]] == [(85_250, "ocpp")]
    assert load["state"] == "hold"


async def test_a_silent_meter_raises_one_alert_and_a_reading_clears_it(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(aapi, ids, reading_max_age_s=60, fallback_load_w=45_000)

    async def watch() -> None:
        # The job also runs by itself every 30 s: while it does, a run asked for is refused
        # (409); the next one asked for after it is the one this test needs.
        for _ in range(100):
            ran = await aapi.post("/jobs/site-load-watch/run", params={"wait": 30})
            if ran.status_code != 409:
                break
            await asyncio.sleep(0.1)
        assert ran.status_code == 200, ran.text

    async with LiveEvents(aapi) as live:
        await watch()  # never heard: not silent
        assert (await load_of(aapi, site_id))["meter_silent_since"] is None
        # The last reading was taken two minutes ago: stale, the fallback is assumed.
        stale = datetime.now(UTC) - timedelta(minutes=2)
        posted = await aapi.post(
            f"/sites/{site_id}/load/readings",
            json={"load_w": 30_000, "measured_at": stale.isoformat()},
        )
        assert posted.status_code == 201, posted.text
        assert (posted.json()["load_w"], posted.json()["measured"]) == (45_000, False)
        await watch()
        silent = await live.wait_for("site.meter_silent", site_id=site_id)
        assert silent["fallback_load_w"] == 45_000
        assert datetime.fromisoformat(silent["last_reading_at"]) == stale
        await watch()  # once per silence
        load = await load_of(aapi, site_id)
        assert load["meter_silent_since"] is not None
        assert [d["kind"] for d in load["decisions"]].count("silent") == 1
        assert load["decisions"][0]["kind"] == "silent"
        assert load["decisions"][0]["load_w"] == 45_000

        back = await aapi.post(f"/sites/{site_id}/load/readings", json={"load_w": 32_000})
        assert back.status_code == 201, back.text
        assert back.json()["meter_silent_since"] is None
        heard = await live.wait_for("site.meter_back", site_id=site_id)
        assert (heard["load_w"], heard["source"]) == (32_000, "api")
        kinds = [d["kind"] for d in back.json()["decisions"]]
        assert kinds[: kinds.index("silent") + 1][-2:] == ["back", "silent"]
    assert [t for t, p in live.received if p.get("site_id") == site_id and "meter" in t] == [
        "site.meter_silent",
        "site.meter_back",
    ]
