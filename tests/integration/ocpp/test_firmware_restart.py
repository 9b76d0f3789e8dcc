"""A firmware campaign survives its node: stopped (SIGTERM) or killed (SIGKILL) in the middle of
a campaign, Kilowatt started again on the same database takes the campaign up where its rows
say it stands and runs it to completion, with real stations over real sockets."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKENDS, Ids
from tests.integration.ocpp.test_firmware import campaign, report16, report201, target, upload
from tests.support.commands import async_api, eventually, register
from tests.support.ocpp16 import charge_point
from tests.support.ocpp201 import charge_point201
from tests.support.server import RunningServer, launch, start_server, stop_server


async def online(aapi: httpx.AsyncClient, station: str) -> bool:
    response = await aapi.get(f"/stations/{station}")
    assert response.status_code == 200, response.text
    return bool(response.json()["online"])


def halt(server: RunningServer, how: str) -> None:
    if how == "kill":
        server.process.kill()
        server.process.wait(timeout=10)
    else:
        server.stop()
        assert server.process.returncode in (0, -signal.SIGTERM), server.log()[-2000:]


@dataclass
class Node:
    """The test's own server (the campaigns job every second), started again in place."""

    server: RunningServer
    data_dir: Path


@pytest.fixture(params=BACKENDS)
def node(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Node]:
    held = Node(
        start_server(str(request.param), tmp_path, firmware_campaign_interval=1.0), tmp_path
    )
    try:
        yield held
    finally:
        stop_server(held.server)


@pytest.mark.parametrize("how", ["terminate", "kill"])
async def test_a_campaign_goes_on_after_kilowatt_stops_and_starts_again(
    node: Node, how: str, ids: Ids
) -> None:
    first, second, third = ids.station("RSA"), ids.station("RSB"), ids.station("RSC")
    server = node.server
    async with async_api(server) as aapi:
        for name in (first, second, third):
            await register(aapi, name)
        image = await upload(aapi, f"10.0-{ids.suffix}", vendor="TestVendor")
        async with (
            charge_point(server.ocpp_url, first) as a,
            charge_point201(server.ocpp_url, second) as b,
        ):
            await a.boot()
            await b.boot()
            # The third station was online a moment ago, and dropped off.
            async with charge_point(server.ocpp_url, third) as c:
                await c.boot()
            gone = await eventually(lambda: online(aapi, third), lambda up: not up)
            assert not gone

            response = await aapi.post(
                "/firmware-campaigns",
                json={
                    "firmware_id": image["id"],
                    "station_ids": [first, second, third],
                    "first_batch_size": 1,
                },
            )
            assert response.status_code == 201, response.text
            created = response.json()
            assert target(created, first)["batch"] == 1
            await a.next_call("UpdateFirmware")
            await report16(a, "Downloading", "Downloaded", "Installing", "Installed")

            # The rest is released: the second station gets the update; the third, gone
            # only lately, waits for it (it would have failed as offline before).
            sent = await b.next_call("UpdateFirmware")
            await asyncio.sleep(1.5)  # more than a step of the campaigns job
            found = await campaign(aapi, created["id"])
            assert found["status"] == "rollout"
            assert target(found, third)["status"] == "pending"
            before = (await aapi.get("/jobs")).json()
            [job] = [j for j in before if j["name"] == "firmware-campaigns"]
            old_node = job["last_run"] and job["last_run"]["node"]
            halt(server, how)

    restarted = launch(server.settings, server.backend, server.api_key, node.data_dir / "again.log")
    node.server = restarted
    async with (
        async_api(restarted) as aapi,
        charge_point(restarted.ocpp_url, third) as c,
        charge_point201(restarted.ocpp_url, second) as b,
    ):
        await c.boot()
        await b.boot()
        # The restarted node's job sends the third station its update once it is back.
        request = await c.next_call("UpdateFirmware", timeout=15)
        assert request["location"].startswith(restarted.base_url + "/files/firmware/")
        await report16(c, "Downloading", "Installed")
        await report201(b, sent["requestId"], "Downloading", "Installed")
        done = await eventually(
            lambda: campaign(aapi, created["id"]), lambda c: c["status"] == "completed"
        )
        assert done["status"] == "completed", done
        assert [target(done, n)["status"] for n in (first, second, third)] == [
            "installed",
            "installed",
            "installed",
        ]
        # ...recorded as a run of the new node that got something done.
        runs = await aapi.get("/jobs/firmware-campaigns/runs", params={"limit": 500})
        assert any(
            run["node"] != old_node and run["items"] >= 1 and run["status"] == "succeeded"
            for run in runs.json()["items"]
        )
