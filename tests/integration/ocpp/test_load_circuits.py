"""The site's electrical tree through the real edges: two OCPP 1.6 stations on a 16 A circuit
under a big transformer never get more than 16 A together (per phase), a station on no
circuit is not held back by it, the tree's API shows the circuit's limit against the limits
below it, and moving a station off the circuit gives both their room again; on both
databases."""

from __future__ import annotations

import httpx

from tests.conftest import Ids
from tests.integration.ocpp.test_load_management import (
    aapi,
    limit_of,
    limits_sent,
    managed_site,
    next_limit,
    start,
)
from tests.integration.ocpp.test_load_strategies import limits
from tests.support.commands import register, token
from tests.support.ocpp16 import TestChargePoint, charge_point
from tests.support.server import RunningServer

__all__ = ["aapi"]  # the fixture


async def profile(cp: TestChargePoint) -> float:
    connector, amps, phases = limit_of(await next_limit(cp))
    assert (connector, phases) == (1, 3)
    return amps


async def test_two_stations_on_a_16_a_circuit_never_get_more_than_16_a_together(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(aapi, ids, capacity_w=400_000)
    a, b, free = ids.station("A"), ids.station("B"), ids.station("FREE")
    for station in (a, b, free):
        await register(aapi, station, connectors=1, site_id=site_id)
    tree = {
        "circuits": [
            {"key": "P1", "name": "Garage panel", "kind": "panel", "max_current_a": 63},
            {"key": "C1", "name": "Garage bays", "parent": "P1", "max_current_a": 16},
        ],
        "stations": {a: "C1", b: "C1"},
    }
    written = await aapi.put(f"/sites/{site_id}/circuits", json=tree)
    assert written.status_code == 200, written.text
    tags = [ids.tag(name) for name in ("A", "B", "F")]
    for tag in tags:
        await token(aapi, tag)
    async with (
        charge_point(server.ocpp_url, a) as cp_a,
        charge_point(server.ocpp_url, b) as cp_b,
        charge_point(server.ocpp_url, free) as cp_free,
    ):
        for cp in (cp_a, cp_b, cp_free):
            assert (await cp.boot()).status == "Accepted"
        first = await start(cp_a, 1, tags[0])
        assert await profile(cp_a) == 16.0  # alone on the circuit: all of its 16 A

        second = await start(cp_b, 1, tags[1])
        in_force = {a: await profile(cp_a), b: await profile(cp_b)}
        assert in_force == {a: 8.0, b: 8.0}
        assert sum(in_force.values()) <= 16.0

        # A station on no circuit hangs under the transformer: its own maximum.
        third = await start(cp_free, 1, tags[2])
        assert await profile(cp_free) == 32.0
        assert await limits(aapi, site_id) == {
            first: (8.0, "shared"),
            second: (8.0, "shared"),
            third: (32.0, "at_max"),
        }

        shown = (await aapi.get(f"/sites/{site_id}/circuits")).json()
        loads = {n["key"]: (n["max_current_a"], n["load"]) for n in shown["circuits"]}
        assert loads == {
            "P1": (63, {"sessions": 2, "limits_a": [16, 16, 16], "limits_w": 11_040}),
            "C1": (16, {"sessions": 2, "limits_a": [16, 16, 16], "limits_w": 11_040}),
        }
        assert shown["unassigned"] == [free]

        # B moved off the circuit: the pass that follows gives each its own maximum.
        tree["stations"] = {a: "C1"}
        moved = await aapi.put(f"/sites/{site_id}/circuits", json=tree)
        assert moved.status_code == 200, moved.text
        assert (await profile(cp_a), await profile(cp_b)) == (16.0, 32.0)
        # nothing sent that did not change (the stations' failsafe profiles aside)
        assert [limits_sent(cp) for cp in (cp_a, cp_free)] == [3, 1]
