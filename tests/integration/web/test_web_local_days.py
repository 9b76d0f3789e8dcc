"""Date filters read days in each site's own time zone (as the home page does): with sites on
both sides of the date line, "today" at one is not "today" at the other, and the sessions and
faults pages list each record under its own site's day."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.conftest import Ids, create_token, register_station
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer
from tests.support.web import Visitor, new_operator

EAST = "Pacific/Kiritimati"  # UTC+14
WEST = "Pacific/Pago_Pago"  # UTC-11


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def _session_and_fault(server: RunningServer, station: str, tag: str, at: datetime) -> None:
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        started = await cp.start_tx(1, tag, 1_000, iso(at))
        await cp.stop_tx(started.transaction_id, 2_000, iso(at + timedelta(minutes=5)))
        await cp.status(2, "Faulted", "HighTemperature", timestamp=iso(at))


def test_a_day_is_each_site_s_own_day(server: RunningServer, api: httpx.Client, ids: Ids) -> None:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    stations = {}
    for zone in (EAST, WEST):
        site = api.post("/sites", json={"name": f"{zone} {ids.suffix}", "timezone": zone})
        assert site.status_code == 201, site.text
        station = ids.station("EAST" if zone == EAST else "WEST")
        register_station(api, station, site_id=site.json()["id"])
        tag = ids.tag("E" if zone == EAST else "W")
        create_token(api, tag)
        asyncio.run(_session_and_fault(server, station, tag, at))
        stations[zone] = station
    east_day = at.astimezone(ZoneInfo(EAST)).date().isoformat()
    west_day = at.astimezone(ZoneInfo(WEST)).date().isoformat()
    assert east_day != west_day  # 25 hours apart: never the same date

    operator = new_operator(server)
    with Visitor(server) as visitor:
        visitor.sign_in(operator["email"])
        for day, here, there in ((east_day, EAST, WEST), (west_day, WEST, EAST)):
            for page in ("/sessions", "/faults"):
                listed = visitor.client.get(page, params={"from": day, "to": day})
                assert listed.status_code == 200, listed.text
                assert stations[here] in listed.text, (page, day)
                assert stations[there] not in listed.text, (page, day)
                assert "own days, in its time zone" in listed.text  # and the page says so
