"""The site meter on the dashboard over HTTP: the settings form names the station whose main
meter is the site's (a station not of the site is answered beside the field, 422, nothing
saved); a silent meter is shown on the panel (a notice and a decision) until a reading comes;
time-of-use caps are typed in rows (a half-filled row answered beside what is missing, the
ticked days kept), saved as the API shows them, and the cap in force is shown."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

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
    ran = await aapi.post("/jobs/site-load-watch/run", params={"wait": 30})
    assert ran.status_code == 200, ran.text
    panel = html.unescape((await admin.get(f"/sites/{site_id}/load")).text)
    assert 'id="load-meter-silent"' in panel
    assert "The site's meter went silent" in panel
    assert 'id="load-fallback"' in panel

    await aapi.post(f"/sites/{site_id}/load/readings", json={"load_w": 31_000})
    panel = html.unescape((await admin.get(f"/sites/{site_id}/load")).text)
    assert 'id="load-meter-silent"' not in panel
    assert "The site's meter is heard again" in panel


def pairs(form: dict[str, Any]) -> list[tuple[str, str]]:
    """A form's fields as posted, a list a repeated field (ticked boxes)."""
    return [(k, item) for k, v in form.items() for item in (v if isinstance(v, list) else [v])]


async def test_time_of_use_caps_on_the_settings_form_and_the_panel(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await new_site(aapi, f"Depot {ids.suffix}")
    admin = await visitor(server, aapi, "admin")
    half = {"cap1_start": "17:00", "cap1_kw": "60"}
    missing = await admin.post(f"/sites/{site_id}/load", {**SETTINGS, **half})
    assert missing.status_code == 422
    assert field_error(missing.text, "cap1_end") == "Enter a time of day as HH:MM, such as 17:00."
    days = html.unescape(missing.text.split('id="f-cap1_days"')[1].split("</fieldset>")[0])
    assert "Tick at least one day." in days
    assert 'value="17:00"' in missing.text.split('id="f-cap1_start"')[1].split(">")[0]
    bad_time = await admin.post(
        f"/sites/{site_id}/load",
        pairs({**SETTINGS, **half, "cap1_end": "25:00", "cap1_days": ["MONDAY", "FRIDAY"]}),
    )
    assert bad_time.status_code == 422
    assert field_error(bad_time.text, "cap1_end") == "Enter a time of day as HH:MM, such as 17:00."
    ticked = bad_time.text.split('id="f-cap1_days"')[1].split("</fieldset>")[0]
    assert ticked.count("checked") == 2
    assert (await aapi.get(f"/sites/{site_id}/load")).json()["settings"]["caps"] == []

    every_day = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
    form: dict[str, Any] = {
        **SETTINGS,
        "cap1_days": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
        "cap1_start": "17:00",
        "cap1_end": "20:00",
        "cap1_kw": "60",
        "cap2_days": every_day,
        "cap2_start": "00:00",
        "cap2_end": "00:00",
        "cap2_kw": "80.5",
    }
    saved = await admin.post(f"/sites/{site_id}/load", pairs(form))
    assert saved.status_code == 200, saved.text
    caps = (await aapi.get(f"/sites/{site_id}/load")).json()["settings"]["caps"]
    assert [(c["days"], c["start"], c["end"], c["max_w"]) for c in caps] == [
        (form["cap1_days"], "17:00:00", "20:00:00", 60_000),
        (every_day, "00:00:00", "00:00:00", 80_500),
    ]
    panel = html.unescape(saved.text)
    assert "Capped now at" in panel
    assert 'id="load-cap"' in panel
    assert 'value="80.5"' in panel.split('id="f-cap2_kw"')[1].split(">")[0]
    assert 'value=""' in panel.split('id="f-cap3_kw"')[1].split(">")[0]
