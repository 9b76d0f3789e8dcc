"""The demo's simulated 1.6 stations take a firmware update and a diagnostics request to their
end over a real WebSocket: the image is downloaded from Kilowatt's signed link and installed
(the station boots again with the new version), the diagnostics file is uploaded to the
location it was given."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from kilowatt.simulator.maintenance16 import version_of
from kilowatt.simulator.station16 import SimulatedStation16, StationProfile
from tests.conftest import Ids
from tests.support.commands import async_api, command, eventually, register
from tests.support.server import RunningServer


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


@contextlib.asynccontextmanager
async def simulated(server: RunningServer, station: str) -> AsyncIterator[SimulatedStation16]:
    profile = StationProfile(connectors=1, autonomous=False)
    async with connect(
        f"{server.ocpp_url}/{station}", subprotocols=[Subprotocol("ocpp1.6")], open_timeout=10
    ) as websocket:
        sim = SimulatedStation16(station, websocket, profile)
        sim.step_seconds = 0.05
        running = asyncio.create_task(sim.run())
        try:
            await asyncio.wait_for(sim.accepted.wait(), 10)
            yield sim
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running


def test_the_installed_version_is_the_images_file_name() -> None:
    assert version_of("http://h/files/firmware/7/kilowatt-sim-2.0.1.bin?e=1&m=x") == (
        "kilowatt-sim-2.0.1"
    )
    assert version_of("http://h/files/firmware/7/image") == "image"


async def test_a_simulated_station_installs_firmware_and_uploads_diagnostics(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station("SIMFW")
    await register(aapi, station, 1)
    uploaded = await aapi.post(
        "/firmware",
        data={"version": f"2.0.{ids.suffix}"},
        files={"file": ("kilowatt-sim-2.0.1.bin", b"\x7fELF" + bytes(1024))},
    )
    assert uploaded.status_code == 201, uploaded.text
    async with simulated(server, station):
        await command(aapi, station, "update_firmware", {"firmware_id": uploaded.json()["id"]})

        async def updates() -> list[dict[str, object]]:
            found = await aapi.get(f"/stations/{station}/firmware-updates")
            items: list[dict[str, object]] = found.json()["items"]
            return items

        done = await eventually(updates, lambda u: bool(u) and u[0]["status"] == "installed")
        assert done[0]["status"] == "installed", done
        booted = await eventually(
            lambda: aapi.get(f"/stations/{station}"),
            lambda r: r.json()["firmware_version"] == "kilowatt-sim-2.0.1",
        )
        assert booted.json()["firmware_version"] == "kilowatt-sim-2.0.1"

        await command(aapi, station, "get_diagnostics", {})

        async def uploads() -> list[dict[str, object]]:
            found = await aapi.get(f"/stations/{station}/diagnostics")
            items: list[dict[str, object]] = found.json()["items"]
            return items

        received = await eventually(uploads, lambda u: bool(u) and u[0]["status"] == "uploaded")
        assert received[0]["status"] == "uploaded", received
        assert received[0]["station_status"] == "Uploaded"
        got = await aapi.get(f"/stations/{station}/diagnostics/{received[0]['id']}/file")
        assert got.status_code == 200
        assert b"self-test passed" in got.content
        assert f"station {station}".encode() in got.content
