"""The site meter on the dashboard over HTTP: the settings form names the station whose main
meter is the site's (a station not of the site is answered beside the field, 422, nothing
saved); a silent meter is shown on the panel (a notice and a decision) until a reading comes."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import Ids
from tests.integration.web.test_web_loads import SETTINGS, field_error
from tests.integration.web.test_web_monitoring import new_site, visitor
from tests.support.commands import async_api, register
from tests.support.server import RunningServer


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def test_the_meter_station_field_and_the_silent_meter_on_the_panel(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await new_site(aapi, f"Depot {ids.suffix}")
    meter = ids.station("MTR")
    await register(aapi, meter, connectors=1, site_id=site_id)
    admin = await visitor(server, aapi, "admin")

    wrong = await admin.post(
        f"/sites/{site_id}/load", {**SETTINGS, "meter_station": ids.station("NONE")}
    )
    assert wrong.status_code == 422
    assert field_error(wrong.text, "meter_station") == (
        "Enter the OCPP identity of one of this site's stations."
    )
    assert (await aapi.get(f"/sites/{site_id}/load")).json()["settings"]["enabled"] is False

    settings = {**SETTINGS, "meter_station": meter, "reading_max_age_s": "60"}
    saved = await admin.post(f"/sites/{site_id}/load", settings)
    assert saved.status_code == 200, saved.text
    field = saved.text.split('id="f-meter_station"')[1].split(">")[0]
    assert f'value="{meter}"' in field
    assert (await aapi.get(f"/sites/{site_id}/load")).json()["settings"]["meter_station"] == meter

    stale = datetime.now(UTC) - timedelta(minutes=5)
    await aapi.post(
        f"/sites/{site_id}/load/readings",
        json={"load_w": 30_000, "measured_at": stale.isoformat()},
    )
    ran = await aapi.post("/jobs/site-meter-watch/run", params={"wait": 30})
    assert ran.status_code == 200, ran.text
    panel = html.unescape((await admin.get(f"/sites/{site_id}/load")).text)
    assert 'id="load-meter-silent"' in panel
    assert "The site's meter went silent" in panel
    assert 'id="load-fallback"' in panel

    await aapi.post(f"/sites/{site_id}/load/readings", json={"load_w": 31_000})
    panel = html.unescape((await admin.get(f"/sites/{site_id}/load")).text)
    assert 'id="load-meter-silent"' not in panel
    assert "The site's meter is heard again" in panel
