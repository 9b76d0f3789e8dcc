"""Run many simulated stations, reconnecting each when its socket drops."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import structlog
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus, WebSocketException

from kilowatt.simulator.station16 import SimulatedStation16, StationProfile

log = structlog.get_logger("kilowatt.simulator")

SUBPROTOCOLS = {"1.6": "ocpp1.6"}


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

    def station_ids(self) -> list[str]:
        if self.identities:
            return list(self.identities)
        return [f"{self.prefix}{n:04d}" for n in range(self.first, self.first + self.count)]


async def run_station(config: FleetConfig, station_id: str) -> None:
    if config.version not in SUBPROTOCOLS:
        raise ValueError(f"the simulator speaks OCPP {', '.join(SUBPROTOCOLS)}")
    profile = StationProfile(
        connectors=config.connectors,
        id_tags=config.id_tags,
        meter_interval=config.meter_interval,
        session_seconds=config.session_seconds,
        idle_seconds=config.idle_seconds,
    )
    backoff = 1.0
    while True:
        try:
            async with connect(
                f"{config.url}/{station_id}",
                subprotocols=[SUBPROTOCOLS[config.version]],  # type: ignore[list-item]
                open_timeout=10,
            ) as websocket:
                backoff = 1.0
                station = SimulatedStation16(station_id, websocket, profile)
                await station.run()
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
