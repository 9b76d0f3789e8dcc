"""Time-of-use caps through the real edges on both databases: a cap in force lowers what a
1.6 station's session is given over a real WebSocket (the rule lines stay on the physical
capacity), taking it away gives the power back, and bad caps are answered 422 naming the
field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Ids
from tests.integration.ocpp.test_load_management import (
    limit_of,
    managed_site,
    next_limit,
    reading,
    start,
)
from tests.support.commands import async_api, register, token
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer

Json = dict[str, Any]
EVERY_DAY = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def test_a_cap_in_force_lowers_the_budget_and_bad_caps_are_refused(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(aapi, ids, reserve_pct=0)
    station, tag = ids.station(), ids.tag()
    await register(aapi, station, connectors=1, site_id=site_id)
    await token(aapi, tag)

    async def settings(**changes: Any) -> httpx.Response:
        body = {"capacity_w": 100_000, "reserve_pct": 0, **changes}
        return await aapi.put(f"/sites/{site_id}/load/settings", json=body)

    for caps, field in [
        ([{"days": [], "start": "17:00", "end": "20:00", "max_w": 1}], "caps.0.days"),
        ([{"days": ["FUNDAY"], "start": "17:00", "end": "20:00", "max_w": 1}], "caps.0.days.0"),
        ([{"days": ["MONDAY"], "start": "25:00", "end": "20:00", "max_w": 1}], "caps.0.start"),
        ([{"days": ["MONDAY"], "start": "17:00:30", "end": "20:00", "max_w": 1}], "caps.0.start"),
        ([{"days": ["MONDAY"], "start": "17:00", "end": "20:00", "max_w": 0}], "caps.0.max_w"),
        ([{"days": ["MONDAY", "MONDAY"], "start": "17:00", "end": "20:00", "max_w": 1}], (
            "caps.0.days")),
    ]:  # fmt: skip
        refused = await settings(caps=caps)
        assert refused.status_code == 422, (caps, refused.text)
        assert [f["field"] for f in refused.json()["fields"]] == [field], refused.text

    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        await reading(aapi, site_id, 30_000)
        await start(cp, 1, tag)
        assert limit_of(await next_limit(cp)) == (1, 32.0, 3)

        # All day every day, at most 40 kW: 10 kW left beside the 30 kW base, 14.4 A a phase.
        whole_day = {"days": EVERY_DAY, "start": "00:00", "end": "00:00", "max_w": 40_000}
        capped = await settings(caps=[whole_day])
        assert capped.status_code == 200, capped.text
        body = capped.json()
        assert body["cap_w"] == 40_000
        assert body["settings"]["caps"] == [whole_day | {"start": "00:00:00", "end": "00:00:00"}]
        assert limit_of(await next_limit(cp)) == (1, 14.4, 3)
        # The lines stay on the physical capacity: 45 kW is below 50 % of 100 kW.
        load = await reading(aapi, site_id, 45_000)
        assert (load["state"], load["cap_w"]) == ("normal", 40_000)
        assert limit_of(await next_limit(cp)) == (1, 0.0, 3)

        freed = await settings(caps=[])
        assert freed.json()["cap_w"] is None
        assert limit_of(await next_limit(cp)) == (1, 32.0, 3)
