"""Load management at the stations, through the real edges on both databases: a station of a
managed site gets the failsafe default profile when it boots and when the site's settings
change; a station that refuses profiles is flagged (the API's site load and station detail,
a decision the operator reads), left out of the sharing rather than retried at every pass,
and tried again when it boots; an accepted profile clears the flag."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Ids
from tests.integration.ocpp.test_load_management import (
    limits_sent,
    managed_site,
    next_limit,
    profile_of,
    purpose_of,
    reading,
    start,
)
from tests.support.commands import async_api, eventually, register, token
from tests.support.ocpp16 import TestChargePoint, charge_point
from tests.support.ocpp201 import charge_point201
from tests.support.server import RunningServer

Json = dict[str, Any]


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def next_failsafe(cp: Any) -> Json:
    while True:
        request = await cp.next_call("SetChargingProfile")
        if purpose_of(request) == "TxDefaultProfile":
            return request


def failsafe_of(request: Json) -> tuple[int, int, float]:
    """(connector or EVSE, stack level, amperes per phase) of a failsafe the station got."""
    evse, profile, schedule = profile_of(request)
    assert schedule["chargingRateUnit"] == "A"
    assert profile["chargingProfileKind"] == "Relative"
    assert "transactionId" not in profile
    return evse, profile["stackLevel"], schedule["chargingSchedulePeriod"][0]["limit"]


async def station_profiles(aapi: httpx.AsyncClient, station: str) -> Json | None:
    response = await aapi.get(f"/stations/{station}")
    assert response.status_code == 200, response.text
    found: Json | None = response.json()["load_profiles"]
    return found


async def test_the_failsafe_goes_on_boot_and_when_the_settings_change(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(aapi, ids, failsafe_current_a=8)
    station = ids.station()
    await register(aapi, station, connectors=2, site_id=site_id)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        assert failsafe_of(await next_failsafe(cp)) == (0, 0, 8.0)
        held = await eventually(
            lambda: station_profiles(aapi, station), lambda p: p is not None and p["failsafe_a"]
        )
        assert held is not None
        assert (held["failsafe_a"], held["refuses_limits"]) == (8.0, False)

        changed = await aapi.put(
            f"/sites/{site_id}/load/settings",
            json={"capacity_w": 100_000, "failsafe_current_a": 10},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["settings"]["failsafe_current_a"] == 10
        assert failsafe_of(await next_failsafe(cp)) == (0, 0, 10.0)
        # Once the station's answer is recorded (it holds 10 A), the same failsafe in new
        # settings is not sent again.
        await eventually(
            lambda: station_profiles(aapi, station),
            lambda p: p is not None and p["failsafe_a"] == 10,
        )
        await aapi.put(
            f"/sites/{site_id}/load/settings",
            json={"capacity_w": 100_000, "failsafe_current_a": 10, "hysteresis_pct": 4},
        )
        # Load management turned off: the failsafe is taken off the station.
        await aapi.put(f"/sites/{site_id}/load/settings", json={"enabled": False})
        cleared = await cp.next_call("ClearChargingProfile")
        assert cleared["id"] == 7300
        assert [a for a, _ in cp.calls].count("SetChargingProfile") == 2

    for bad in (3, 64, 6.25):
        refused = await aapi.put(
            f"/sites/{site_id}/load/settings",
            json={"capacity_w": 100_000, "failsafe_current_a": bad},
        )
        assert refused.status_code == 422, bad
        assert refused.json()["fields"][0]["field"] == "failsafe_current_a"


async def _flagged(aapi: httpx.AsyncClient, site_id: int) -> Json:
    response = await eventually(
        lambda: aapi.get(f"/sites/{site_id}/load"),
        lambda r: (
            bool(r.json()["refusing"])
            and any(d["kind"] == "refused" for d in r.json()["decisions"])
        ),
    )
    body: Json = response.json()
    return body


async def test_a_16_station_that_refuses_is_flagged_left_alone_and_tried_again_on_boot(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(aapi, ids, reserve_pct=0)
    station = ids.station()
    await register(aapi, station, connectors=2, site_id=site_id)
    tags = [ids.tag("A"), ids.tag("B")]
    for tag in tags:
        await token(aapi, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        cp.answers["SetChargingProfile"] = "Rejected"
        assert (await cp.boot()).status == "Accepted"
        await next_failsafe(cp)
        load = await _flagged(aapi, site_id)
        [refusing] = load["refusing"]
        assert refusing["station"] == station
        assert refusing["refused_answer"] == "Rejected"
        assert refusing["failsafe_a"] is None
        assert refusing["retry_at"] > refusing["refused_at"]
        [decision] = [d for d in load["decisions"] if d["kind"] == "refused"]
        assert (decision["station"], decision["evse_id"], decision["limit_a"]) == (
            station,
            0,
            6.0,
        )

        # A session starts: its station is left alone (no profile), the session shown so,
        # and passes (readings) do not retry it.
        await reading(aapi, site_id, 30_000)
        transaction = await start(cp, 1, tags[0])
        body = (
            await eventually(
                lambda: aapi.get(f"/sites/{site_id}/load"),
                lambda r: any(s["transaction_id"] == transaction for s in r.json()["sessions"]),
            )
        ).json()
        [session] = body["sessions"]
        assert (session["station_refuses_limits"], session["limit_a"]) == (True, None)
        for load_w in (40_000, 55_000, 85_000, 20_000):
            await reading(aapi, site_id, load_w)
        assert limits_sent(cp) == 0
        assert [a for a, _ in cp.calls].count("SetChargingProfile") == 1
        detail = await station_profiles(aapi, station)
        assert detail is not None
        assert detail["refuses_limits"] is True

        # It boots again, taking profiles now: tried at once, the flag goes, and the
        # running session gets its limit.
        cp.answers["SetChargingProfile"] = "Accepted"
        assert (await cp.boot()).status == "Accepted"
        await next_failsafe(cp)
        request = await next_limit(cp)
        assert request["connectorId"] == 1
        cleared = await eventually(
            lambda: aapi.get(f"/sites/{site_id}/load"), lambda r: not r.json()["refusing"]
        )
        assert [s["station_refuses_limits"] for s in cleared.json()["sessions"]] == [False]
        detail = await station_profiles(aapi, station)
        assert detail is not None
        assert (detail["refuses_limits"], detail["failsafe_a"]) == (False, 6.0)


def _answer_by_transaction(request: Json) -> Json:
    reasons = {"TX-FS-1": "TxNotFound", "TX-FS-2": "NotSupported"}
    reason = reasons.get(request["chargingProfile"].get("transactionId"))
    if reason is None:
        return {"status": "Accepted"}
    return {"status": "Rejected", "statusInfo": {"reasonCode": reason}}


async def test_a_201_station_s_refusal_keeps_its_reason_and_an_ended_session_is_no_refusal(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(aapi, ids, capacity_w=50_000)
    station = ids.station()
    await register(aapi, station, connectors=2, site_id=site_id)
    async with charge_point201(server.ocpp_url, station) as cp:
        # A session's profile answered TxNotFound (it ended meanwhile) is no refusal; one
        # answered NotSupported is.
        cp.answers["SetChargingProfile"] = _answer_by_transaction
        assert (await cp.boot()).status == "Accepted"
        assert failsafe_of(await next_failsafe(cp)) == (0, 0, 6.0)
        await reading(aapi, site_id, 10_000)
        await cp.transaction_event("Started", "TX-FS-1", 0, "Authorized", meter_wh=0)
        await next_limit(cp)
        await cp.transaction_event(
            "Started", "TX-FS-2", 0, "Authorized", meter_wh=0, evse=2, number_of_phases=3
        )
        await next_limit(cp)
        load = await _flagged(aapi, site_id)
        assert [r["refused_answer"] for r in load["refusing"]] == ["Rejected (NotSupported)"]
        assert [d["kind"] for d in load["decisions"]].count("refused") == 1


async def test_a_callerror_is_a_refusal_too(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    from ocpp.exceptions import NotImplementedError as OcppNotImplemented

    site_id = await managed_site(aapi, ids)
    station = ids.station()
    await register(aapi, station, connectors=1, site_id=site_id)
    async with charge_point(server.ocpp_url, station) as cp:
        assert isinstance(cp, TestChargePoint)
        cp.answers["SetChargingProfile"] = OcppNotImplemented("no smart charging here")
        assert (await cp.boot()).status == "Accepted"
        load = await _flagged(aapi, site_id)
        assert [r["refused_answer"] for r in load["refusing"]] == ["CALLERROR NotImplemented"]


async def test_a_station_offline_when_load_management_began_gets_it_when_it_reconnects(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    created = await aapi.post("/sites", json={"name": f"Depot {ids.suffix}"})
    site_id = created.json()["id"]
    station = ids.station()
    await register(aapi, station, connectors=1, site_id=site_id)
    configured = await aapi.put(
        f"/sites/{site_id}/load/settings", json={"capacity_w": 50_000, "failsafe_current_a": 7}
    )
    assert configured.status_code == 200, configured.text
    await eventually(lambda: station_profiles(aapi, station), lambda p: p is not None)
    # It comes back without booting (a dropped connection, not a restart).
    async with charge_point(server.ocpp_url, station) as cp:
        assert failsafe_of(await next_failsafe(cp)) == (0, 0, 7.0)
        held = await eventually(
            lambda: station_profiles(aapi, station),
            lambda p: p is not None and p["failsafe_a"] == 7.0,
        )
        assert held is not None
        assert held["failsafe_a"] == 7.0
    # Back once more, holding it: nothing is sent.
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.status(0, "Available")
        assert "SetChargingProfile" not in cp.actions()
