"""Run many simulated stations, reconnecting each when its socket drops."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import random
from dataclasses import dataclass, field

import structlog
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus, WebSocketException

from kilowatt.simulator import faults
from kilowatt.simulator.profiles import SmartCharging
from kilowatt.simulator.station16 import SimulatedStation16, StationProfile
from kilowatt.simulator.station201 import SimulatedStation201

log = structlog.get_logger("kilowatt.simulator")

SUBPROTOCOLS = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}
STATIONS: dict[str, type[SimulatedStation16] | type[SimulatedStation201]] = {
    "1.6": SimulatedStation16,
    "2.0.1": SimulatedStation201,
}


@dataclass(frozen=True)
class FleetConfig:
    url: str
    count: int
    version: str = "1.6"
    prefix: str = "SIM"
    first: int = 1
    connectors: int = 2
    id_tags: list[str] = field(default_factory=lambda: ["SIMTAG"])
    meter_interval: float = 5.0
    session_seconds: float = 60.0
    idle_seconds: float = 20.0
    identities: list[str] | None = None
    versions: dict[str, str] = field(default_factory=dict)
    """Per-identity protocol version, overriding ``version``."""
    passwords: dict[str, str] = field(default_factory=dict, repr=False)
    """Per-identity HTTP Basic password (security profile 1); none: connect without one."""
    speed: float = 1.0
    """Cars charge this much faster than the clock (StationProfile.speed)."""
    faulty: frozenset[str] = frozenset()
    """OCPP 1.6 stations that fault now and then (simulator/faults.py)."""
    fault_every: float = 600.0
    fault_lasting: float = 120.0

    def tags_for(self, station_id: str) -> list[str]:
        """With a tag for every connector, each connector charges with its own (as a fleet of
        cars would); otherwise every connector picks among all of them."""
        ids = self.station_ids()
        if len(self.id_tags) < len(ids) * self.connectors or station_id not in ids:
            return list(self.id_tags)
        first = ids.index(station_id) * self.connectors
        return self.id_tags[first : first + self.connectors]

    def station_ids(self) -> list[str]:
        if self.identities:
            return list(self.identities)
        return [f"{self.prefix}{n:04d}" for n in range(self.first, self.first + self.count)]


def basic_authorization(station_id: str, password: str) -> str:
    """The HTTP Basic header of a station: user name = its identity (OCPP security profile 1)."""
    return "Basic " + base64.b64encode(f"{station_id}:{password}".encode()).decode("ascii")


async def run_station(config: FleetConfig, station_id: str) -> None:
    version = config.versions.get(station_id, config.version)
    if version not in SUBPROTOCOLS:
        raise ValueError(f"the simulator speaks OCPP {', '.join(SUBPROTOCOLS)}")
    profile = StationProfile(
        connectors=config.connectors,
        id_tags=config.tags_for(station_id),
        meter_interval=config.meter_interval,
        session_seconds=config.session_seconds,
        idle_seconds=config.idle_seconds,
        speed=config.speed,
    )
    headers = {}
    password = config.passwords.get(station_id)
    if password is not None:
        headers["Authorization"] = basic_authorization(station_id, password)
    backoff = 1.0
    memory: SmartCharging | None = None
    """The profiles the station holds outlive its connections, as a real station's do."""
    while True:
        try:
            async with connect(
                f"{config.url}/{station_id}",
                subprotocols=[SUBPROTOCOLS[version]],  # type: ignore[list-item]
                additional_headers=headers,
                open_timeout=10,
            ) as websocket:
                backoff = 1.0
                station = STATIONS[version](station_id, websocket, profile)
                if memory is None:
                    memory = station.smart_charging
                station.smart_charging = memory
                trouble = None
                if station_id in config.faulty and isinstance(station, SimulatedStation16):
                    trouble = asyncio.create_task(
                        faults.now_and_then(
                            station,
                            config.fault_every,
                            config.fault_lasting,
                            random.Random(station_id),
                        )
                    )
                try:
                    await station.run()
                finally:
                    if trouble is not None:
                        trouble.cancel()
        except InvalidStatus as error:
            log.warning("station refused", station=station_id, status=error.response.status_code)
        except (OSError, WebSocketException, TimeoutError) as error:
            log.info("station connection lost", station=station_id, error=str(error))
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, 30.0)


async def run_fleet(config: FleetConfig, duration: float | None = None) -> None:
    tasks = [asyncio.create_task(run_station(config, sid)) for sid in config.station_ids()]
    log.info("simulated stations started", count=len(tasks), url=config.url)
    try:
        if duration:
            await asyncio.sleep(duration)
        else:
            await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
