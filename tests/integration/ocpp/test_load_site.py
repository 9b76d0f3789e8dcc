"""Issue 17's site, end to end: ten of Kilowatt's own simulated stations (OCPP 1.6 over real
WebSockets, obeying the profiles they receive) under a 100 kW transformer, the test being the
building's energy system that reports the transformer's load (a varying base load plus what
the cars draw, as the stations meter it) through the API every half second.

It checks that the total never stays above the capacity for longer than one control interval;
that a session starting above 50 % gets half power, that none starts above 80 % (held at 0 A,
drawing nothing) and that the held one starts when the load falls; and that a station that
loses its connection is left with the failsafe default profile Kilowatt sent it, which is what
it obeys once the connection is gone."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from kilowatt.domain.load_failsafe import FAILSAFE_PROFILE_ID, FAILSAFE_STACK_LEVEL
from kilowatt.simulator.physics import ChargingSession
from kilowatt.simulator.station16 import SimulatedStation16, StationProfile
from kilowatt.simulator.station201 import SimulatedStation201
from tests.conftest import Ids
from tests.integration.ocpp.test_load_management import managed_site
from tests.support.commands import async_api, eventually, register, token
from tests.support.server import RunningServer

CAPACITY_W = 100_000
CAR_W = 22_000.0
"""What each car would draw (32 A on three phases is 22.08 kW)."""
FAILSAFE_A = 8.0
METER_INTERVAL = 0.5
READING_EVERY = 0.5
CONTROL_INTERVAL = 2.0
"""A reading or a meter value (0.5 s apart), a pass, its profiles sent and answered, and the
station's next meter interval (0.5 s): well within 2 s."""
STATIONS = 10
VERSIONS = ["1.6"] * 7 + ["2.0.1"] * 3
"""The four that charge speak 1.6; three of the idle ones 2.0.1."""
Station = SimulatedStation16 | SimulatedStation201


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


@dataclass
class Site:
    """The transformer as the building's energy system sees it."""

    stations: dict[str, Station]
    base_w: float = 0.0
    samples: list[tuple[float, float]] = field(default_factory=list)
    """(time, total W) at each reading sent."""

    def cars_w(self) -> float:
        return sum(session.power_w for s in self.stations.values() for session in _sessions(s))

    def total_w(self) -> float:
        return self.base_w + self.cars_w()

    def longest_over(self) -> float:
        """The longest time the total stayed above the capacity (s)."""
        longest, since = 0.0, None
        for moment, total in self.samples:
            if total > CAPACITY_W and since is None:
                since = moment
            elif total <= CAPACITY_W and since is not None:
                longest, since = max(longest, moment - since), None
        if since is not None:
            longest = max(longest, self.samples[-1][0] - since)
        return longest


def _sessions(station: Station) -> list[ChargingSession]:
    if isinstance(station, SimulatedStation16):
        found = [c.session for c in station.connectors.values()]
    else:
        found = [e.session for e in station.evses.values()]
    return [session for session in found if session is not None]


async def _meter(aapi: httpx.AsyncClient, site_id: int, site: Site) -> None:
    loop = asyncio.get_running_loop()
    while True:
        total = site.total_w()
        site.samples.append((loop.time(), total))
        response = await aapi.post(f"/sites/{site_id}/load/readings", json={"load_w": round(total)})
        assert response.status_code == 201, response.text
        await asyncio.sleep(READING_EVERY)


Stop = Callable[[], Awaitable[None]]


async def simulated(
    server: RunningServer, station: str, version: str = "1.6"
) -> tuple[Station, Stop]:
    """A simulated station connected and booted, and how to cut its connection."""
    profile = StationProfile(
        connectors=1,
        max_power_w=CAR_W,
        meter_interval=METER_INTERVAL,
        session_seconds=600,
        autonomous=False,
    )
    subprotocol = Subprotocol("ocpp1.6" if version == "1.6" else "ocpp2.0.1")
    websocket = await connect(
        f"{server.ocpp_url}/{station}", subprotocols=[subprotocol], open_timeout=10
    )
    kind: type[Station] = SimulatedStation16 if version == "1.6" else SimulatedStation201
    sim = kind(station, websocket, profile)
    running = asyncio.create_task(sim.run())

    async def stop() -> None:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await running
        await websocket.close()

    await asyncio.wait_for(sim.accepted.wait(), 10)
    return sim, stop


async def until(check: Callable[[], bool], timeout: float = 20) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not check():
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError("never came true") from None


async def state(aapi: httpx.AsyncClient, site_id: int, wanted: str) -> None:
    await eventually(
        lambda: aapi.get(f"/sites/{site_id}/load"), lambda r: r.json()["state"] == wanted
    )
    assert (await aapi.get(f"/sites/{site_id}/load")).json()["state"] == wanted


def draw_w(station: SimulatedStation16) -> float:
    session = station.connectors[1].session
    return 0.0 if session is None else session.power_w


def allowed_w(station: SimulatedStation16) -> float:
    return station.allowed_power_w(station.connectors[1])


async def charge(station: SimulatedStation16, tag: str) -> None:
    assert await station.charge(1, tag, authorize=True, seconds=600)
    station.connectors[1].car_power_w = CAR_W


async def test_ten_simulated_stations_share_a_100_kw_transformer(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(aapi, ids, capacity_w=CAPACITY_W, failsafe_current_a=FAILSAFE_A)
    names = [ids.station(f"CP{n}") for n in range(STATIONS)]
    tags = [ids.tag(str(n)) for n in range(STATIONS)]
    for name, tag in zip(names, tags, strict=True):
        await register(aapi, name, connectors=1, site_id=site_id)
        await token(aapi, tag)
    stops: list[Stop] = []
    try:
        started = [await simulated(server, n, v) for n, v in zip(names, VERSIONS, strict=True)]
        sims = [sim for sim, _ in started]
        stops = [stop for _, stop in started]
        site = Site(dict(zip(names, sims, strict=True)), base_w=20_000)
        meter = asyncio.create_task(_meter(aapi, site_id, site))
        a, b, c, d = (s for s in sims[:4] if isinstance(s, SimulatedStation16))

        # Every station holds the failsafe Kilowatt sent when it booted.
        def failsafe_everywhere() -> bool:
            return all(
                (p := s.smart_charging.profiles.get(FAILSAFE_PROFILE_ID)) is not None
                and p.purpose == "TxDefaultProfile"
                and p.evse_id == 0
                and p.stack_level == FAILSAFE_STACK_LEVEL
                and p.periods[0][1] == FAILSAFE_A
                for s in sims
            )

        await until(failsafe_everywhere)

        # Below 50 %: two cars start at full power (42 %, then 64 % with both).
        await state(aapi, site_id, "normal")
        await charge(a, tags[0])
        await until(lambda: draw_w(a) > 0.9 * CAR_W)
        await charge(b, tags[1])
        await until(lambda: draw_w(b) > 0.9 * CAR_W)

        # Above 50 %: the third starts at half power (16 A, 11 kW).
        await state(aapi, site_id, "half_power")
        await charge(c, tags[2])
        await until(lambda: 0.9 * CAR_W / 2 < draw_w(c) <= CAR_W / 2 * 1.01)
        assert allowed_w(c) == pytest.approx(16 * 3 * 230)

        # Above 80 %: the fourth is held at 0 A and draws nothing, its register still.
        site.base_w = 40_000
        await state(aapi, site_id, "hold")
        await charge(d, tags[3])
        await until(lambda: allowed_w(d) == 0)
        await until(lambda: draw_w(d) == 0 and d.connectors[1].session is not None)
        register_wh = d.connectors[1].register_wh

        # The base load jumps: the sessions' limits come down, within a control interval.
        site.base_w = 60_000
        await until(lambda: site.total_w() <= CAPACITY_W)
        await asyncio.sleep(CONTROL_INTERVAL)
        assert draw_w(d) == 0
        assert d.connectors[1].register_wh == register_wh

        # The load falls: the held session starts, and draws.
        site.base_w = 5_000
        await until(lambda: draw_w(d) > 0.9 * CAR_W / 2)
        assert d.connectors[1].register_wh > register_wh

        assert site.longest_over() <= CONTROL_INTERVAL, site.samples
        assert max(t for _, t in site.samples) <= CAPACITY_W * 1.2

        # A station loses its connection: Kilowatt sees it go; what it holds is the
        # failsafe, which is what any session of its own gets from then on.
        gone = a
        assert FAILSAFE_PROFILE_ID in gone.smart_charging.profiles
        await stops[0]()
        await eventually(
            lambda: aapi.get(f"/stations/{names[0]}"), lambda r: r.json()["online"] is False
        )
        await until(lambda: gone.connectors[1].session is None)
        assert [p.purpose for p in gone.smart_charging.profiles.values()] == ["TxDefaultProfile"]
        now = datetime.now(UTC)
        assert gone.smart_charging.limit_w(1, now, now, "offline-1") == FAILSAFE_A * 3 * 230
        meter.cancel()
    finally:
        for stop in stops:
            await stop()
