"""Site load management through the real edges: stations connected with real OCPP clients get
SetChargingProfile with the limits the site's transformer leaves them, as load readings
(the REST API) push the site over 50 % and 80 % and back, as sessions begin and end and as
cars draw less than they may; on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Ids
from tests.support.commands import async_api, eventually, register, token
from tests.support.ocpp16 import TestChargePoint, charge_point, iso
from tests.support.ocpp201 import TestChargePoint201, charge_point201
from tests.support.server import RunningServer

Json = dict[str, Any]


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def managed_site(
    aapi: httpx.AsyncClient, ids: Ids, capacity_w: int = 100_000, **settings: Any
) -> int:
    created = await aapi.post("/sites", json={"name": f"Depot {ids.suffix}"})
    assert created.status_code == 201, created.text
    site_id: int = created.json()["id"]
    configured = await aapi.put(
        f"/sites/{site_id}/load/settings", json={"capacity_w": capacity_w, **settings}
    )
    assert configured.status_code == 200, configured.text
    return site_id


async def reading(aapi: httpx.AsyncClient, site_id: int, load_w: int) -> Json:
    response = await aapi.post(f"/sites/{site_id}/load/readings", json={"load_w": load_w})
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def profile_of(request: Json) -> tuple[int, Json, Json]:
    """(connector or EVSE, profile, its schedule) of a SetChargingProfile, either version."""
    evse = request.get("connectorId", request.get("evseId"))
    profile = request.get("csChargingProfiles") or request["chargingProfile"]
    schedule = profile["chargingSchedule"]
    if isinstance(schedule, list):
        schedule = schedule[0]
    return evse, profile, schedule


def limit_of(request: Json) -> tuple[int, float, int | None]:
    """(connector or EVSE, amperes per phase, phases) of a SetChargingProfile the station got."""
    evse, profile, schedule = profile_of(request)
    assert schedule["chargingRateUnit"] == "A"
    period = schedule["chargingSchedulePeriod"][0]
    assert profile["chargingProfilePurpose"] == "TxProfile"
    return evse, period["limit"], period.get("numberPhases")


def purpose_of(request: Json) -> str:
    profile = request.get("csChargingProfiles") or request["chargingProfile"]
    purpose: str = profile["chargingProfilePurpose"]
    return purpose


async def next_limit(cp: TestChargePoint | TestChargePoint201) -> Json:
    """The next session profile the station got (the failsafe default profiles the station
    gets when it boots are tests/integration/ocpp/test_load_failsafe.py's)."""
    while True:
        request = await cp.next_call("SetChargingProfile")
        if purpose_of(request) == "TxProfile":
            return request


def limits_sent(cp: TestChargePoint | TestChargePoint201) -> int:
    return sum(
        1 for action, request in cp.calls
        if action == "SetChargingProfile" and purpose_of(request) == "TxProfile"
    )  # fmt: skip


async def start(cp: TestChargePoint, connector: int, tag: str) -> int:
    answer = await cp.start_tx(connector, tag, 0)
    assert answer.id_tag_info["status"] == "Accepted"
    transaction_id: int = answer.transaction_id
    return transaction_id


async def test_the_50_and_80_percent_rules_and_sharing_reach_a_16_station(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(aapi, ids, reserve_pct=0)  # the whole budget is shared
    station = ids.station()
    await register(aapi, station, connectors=3, site_id=site_id)
    tags = [ids.tag(name) for name in ("A", "B", "C")]
    for tag in tags:
        await token(aapi, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"

        assert (await reading(aapi, site_id, 30_000))["state"] == "normal"
        first = await start(cp, 1, tags[0])
        request = await next_limit(cp)
        assert limit_of(request) == (1, 32.0, 3)
        assert request["csChargingProfiles"]["transactionId"] == first

        # Above 50 %: the running session keeps its limit, a new one starts at half.
        assert (await reading(aapi, site_id, 60_000))["state"] == "half_power"
        second = await start(cp, 2, tags[1])
        assert limit_of(await next_limit(cp)) == (2, 16.0, 3)

        # Above 80 %: what is left (15 kW, 21.7 A on three phases) is shared by the two...
        load = await reading(aapi, site_id, 85_000)
        assert load["state"] == "hold"
        shared = sorted([limit_of(await next_limit(cp)) for _ in range(2)])
        assert shared == [(1, 10.8, 3), (2, 10.8, 3)]
        # ... and a third session is held at 0 A, queued.
        third = await start(cp, 3, tags[2])
        assert limit_of(await next_limit(cp)) == (3, 0.0, 3)
        load = (await aapi.get(f"/sites/{site_id}/load")).json()
        assert {s["transaction_id"]: (s["limit_a"], s["reason"]) for s in load["sessions"]} == {
            first: (10.8, "shared"),
            second: (10.8, "shared"),
            third: (0.0, "held"),
        }
        assert sum(10.8 * 3 * 230 for _ in range(2)) <= load["budget_w"]

        # Still above 80 % less the hysteresis: held, but 22 kW left to share by two.
        assert (await reading(aapi, site_id, 78_000))["state"] == "hold"
        sent = [limit_of(await next_limit(cp)) for _ in range(2)]
        assert sorted(sent) == [(1, 15.9, 3), (2, 15.9, 3)]
        # Below it: the held session is let go, at half power (the load being above 50 %),
        # and the three share 30 kW (43.4 A on each phase).
        assert (await reading(aapi, site_id, 70_000))["state"] == "half_power"
        sent = [limit_of(await next_limit(cp)) for _ in range(3)]
        assert sorted(sent) == [(1, 14.4, 3), (2, 14.4, 3), (3, 14.4, 3)]

        # A car that draws much less than it may leaves the rest to the others (up to
        # their half power).
        await cp.send_meter_values(
            1,
            first,
            [{"timestamp": iso(), "sampledValue": [
                {"value": "5", "measurand": "Current.Import", "unit": "A"}
            ]}],
        )  # fmt: skip
        sent = [limit_of(await next_limit(cp)) for _ in range(3)]
        assert sorted(sent) == [(1, 6.0, 3), (2, 16.0, 3), (3, 16.0, 3)]
        reasons = (await aapi.get(f"/sites/{site_id}/load")).json()["sessions"]
        assert {s["transaction_id"]: s["reason"] for s in reasons} == {
            first: "car_draws_less",
            second: "half_power",
            third: "half_power",
        }

        # A session ends: its record goes, the others stay as they are (nothing to change).
        await cp.stop_tx(second, 1000)
        load = await eventually(
            lambda: aapi.get(f"/sites/{site_id}/load"),
            lambda r: len(r.json()["sessions"]) == 2,
        )
        assert {s["transaction_id"] for s in load.json()["sessions"]} == {first, third}
        assert [d["kind"] for d in load.json()["decisions"]].count("rule") >= 3


async def test_no_storm_when_the_load_wobbles(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(aapi, ids, capacity_w=20_000)
    station = ids.station()
    await register(aapi, station, connectors=1, site_id=site_id)
    tag = ids.tag()
    await token(aapi, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        await reading(aapi, site_id, 5_000)
        await start(cp, 1, tag)
        # 15 kW left, less the reserve (2 % of 20 kW): 14.6 kW, 21.1 A on three phases.
        assert limit_of(await next_limit(cp)) == (1, 21.1, 3)
        # Wobbles within the reserve change the target by less than 1 A and never push
        # what is in force over the budget: nothing is sent.
        for load_w in (5_100, 4_900, 5_300, 5_000):
            await reading(aapi, site_id, load_w)
        await reading(aapi, site_id, 9_000)  # 10.6 kW to share: 15.3 A, sent
        assert limit_of(await next_limit(cp)) == (1, 15.3, 3)
        assert limits_sent(cp) == 2


async def test_a_201_station_gets_its_transaction_s_profile_and_bad_input_is_named(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(aapi, ids, capacity_w=50_000)
    station = ids.station()
    await register(aapi, station, connectors=3, site_id=site_id)
    async with charge_point201(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        await reading(aapi, site_id, 10_000)
        await cp.transaction_event(
            "Started", "TX-LOAD-1", 0, "Authorized", meter_wh=0, number_of_phases=1
        )
        request = await next_limit(cp)
        assert request["evseId"] == 1
        assert request["chargingProfile"]["transactionId"] == "TX-LOAD-1"
        assert limit_of(request) == (1, 32.0, 1)
        # Above 50 %: a new 2.0.1 session starts at half power; above 80 %, one waits at 0 A.
        assert (await reading(aapi, site_id, 30_000))["state"] == "half_power"
        await cp.transaction_event(
            "Started", "TX-LOAD-2", 0, "Authorized", meter_wh=0, evse=2, number_of_phases=3
        )
        request = await next_limit(cp)
        assert request["chargingProfile"]["transactionId"] == "TX-LOAD-2"
        assert limit_of(request) == (2, 16.0, 3)
        assert (await reading(aapi, site_id, 41_000))["state"] == "hold"
        await cp.transaction_event(
            "Started", "TX-LOAD-3", 0, "Authorized", meter_wh=0, evse=3, number_of_phases=3
        )
        held = [limit_of(await next_limit(cp)) for _ in range(3)]
        # 9 kW left less the reserve (1 kW): 34.7 A on four phases, 6 A each first, then 2.6 A
        # more each; the held one waits.
        assert sorted(held) == [(1, 8.6, 1), (2, 8.6, 3), (3, 0.0, 3)]

    bad = await aapi.put(
        f"/sites/{site_id}/load/settings",
        json={"capacity_w": 50_000, "half_at_pct": 90, "hold_at_pct": 80},
    )
    assert bad.status_code == 422
    assert bad.json()["fields"][0]["field"] == "half_at_pct"
    negative = await aapi.post(f"/sites/{site_id}/load/readings", json={"load_w": -1})
    assert negative.status_code == 422
    assert "load_w" in negative.text
    naive = await aapi.post(
        f"/sites/{site_id}/load/readings",
        json={"load_w": 1, "measured_at": iso().replace("Z", "")},
    )
    assert naive.status_code == 422
    assert (await aapi.get("/sites/999999999/load")).status_code == 404


async def test_a_station_moved_to_a_managed_site_is_limited_at_its_next_session(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    """Whether a station's site is managed is asked once and then remembered (a start and a
    stop both ask it); moving the station to a managed site must reach its very next session,
    not one 30 s later."""
    yard = await aapi.post("/sites", json={"name": f"Yard {ids.suffix}"})
    assert yard.status_code == 201, yard.text
    depot = await managed_site(aapi, ids, reserve_pct=0)
    station, tag = ids.station(), ids.tag()
    await register(aapi, station, site_id=yard.json()["id"])
    await token(aapi, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        first = await start(cp, 1, tag)  # an unmanaged site: remembered as such
        await cp.stop_tx(first, 1_000)
        moved = await aapi.patch(f"/stations/{station}", json={"site_id": depot})
        assert moved.status_code == 200, moved.text
        # Another meter start: the same second, connector, card and meter would be a replay.
        answer = await cp.start_tx(1, tag, 1_000)
        assert answer.id_tag_info["status"] == "Accepted"
        assert answer.transaction_id != first
        request = await next_limit(cp)
        assert request["csChargingProfiles"]["transactionId"] == answer.transaction_id
