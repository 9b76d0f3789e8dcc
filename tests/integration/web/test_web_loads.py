"""The site's load management on the dashboard over HTTP, with a real OCPP 1.6 station: the
panel shows the load against the capacity, the rule in words, each session's limit and why;
the settings form answers a bad value beside its field (422, nothing saved) and a good one
saves; a viewer sees the panel without the form and may not post it."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import Ids
from tests.integration.ocpp.test_load_management import limit_of, next_limit, reading, start
from tests.integration.web.test_web_monitoring import new_site, visitor
from tests.support.commands import async_api, register, token
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


SETTINGS = {
    "enabled": "on",
    "capacity_kw": "100",
    "half_at_pct": "50",
    "hold_at_pct": "80",
    "hysteresis_pct": "5",
    "reserve_pct": "0",
    "min_current_a": "6",
    "voltage": "230",
    "fallback_kw": "0",
    "reading_max_age_s": "300",
    "meter_topic": "",
    "strategy": "equal_share",
}


def field_error(page: str, name: str) -> str:
    """The error shown beside the field ``name``."""
    start_ = page.index(f'id="f-{name}"')
    block = page[page.rindex('<div class="field', 0, start_) : page.index("</div>", start_)]
    assert "invalid" in block.split(">")[0], block
    found = block.split('class="field-error"')[1].split(">", 1)[1].split("<")[0]
    return html.unescape(found)


async def test_the_panel_and_its_settings_form(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await new_site(aapi, f"Depot {ids.suffix}")
    admin = await visitor(server, aapi, "admin")
    off = await admin.get(f"/sites/{site_id}/load")
    assert off.status_code == 200
    assert 'id="load-off"' in off.text
    site_page = await admin.get(f"/sites/{site_id}")
    assert f'hx-get="/sites/{site_id}/load"' in site_page.text

    # Bad values: each answered beside its field, nothing saved.
    bad = await admin.post(
        f"/sites/{site_id}/load",
        {**SETTINGS, "capacity_kw": "-3", "hold_at_pct": "120", "min_current_a": "x"},
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "capacity_kw") == "Enter a positive power in kW."
    assert field_error(bad.text, "hold_at_pct") == "Enter a whole number from 0 to 100."
    assert field_error(bad.text, "min_current_a") == "Enter a number."
    crossed = await admin.post(f"/sites/{site_id}/load", {**SETTINGS, "half_at_pct": "90"})
    assert crossed.status_code == 422
    assert (
        field_error(crossed.text, "half_at_pct")
        == "The first line is above 0 % and below the second."
    )
    no_strategy = await admin.post(f"/sites/{site_id}/load", {**SETTINGS, "strategy": "loud"})
    assert no_strategy.status_code == 422
    assert field_error(no_strategy.text, "strategy") == "Choose one of the options."
    no_capacity = await admin.post(f"/sites/{site_id}/load", {**SETTINGS, "capacity_kw": ""})
    assert field_error(no_capacity.text, "capacity_kw") == (
        "Load management needs the transformer's capacity."
    )
    assert (await aapi.get(f"/sites/{site_id}/load")).json()["settings"]["enabled"] is False

    first_come = await admin.post(f"/sites/{site_id}/load", {**SETTINGS, "strategy": "first_come"})
    assert first_come.status_code == 200, first_come.text
    assert (await aapi.get(f"/sites/{site_id}/load")).json()["settings"]["strategy"] == (
        "first_come"
    )
    chosen = first_come.text.split('id="f-strategy"')[1].split("</select>")[0]
    assert (
        '<option value="first_come" selected>'
        "First come, first served: earlier sessions charge fully first</option>"
    ) in chosen
    saved = await admin.post(f"/sites/{site_id}/load", SETTINGS)
    assert saved.status_code == 200, saved.text
    assert 'id="load-saved"' in saved.text
    assert (await aapi.get(f"/sites/{site_id}/load")).json()["settings"]["strategy"] == (
        "equal_share"
    )
    assert (await aapi.get(f"/sites/{site_id}/load")).json()["capacity_w"] == 100_000

    station, tag = ids.station(), ids.tag()
    await register(aapi, station, connectors=1, site_id=site_id)
    await token(aapi, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        await reading(aapi, site_id, 60_000)
        transaction = await start(cp, 1, tag)
        assert limit_of(await next_limit(cp)) == (1, 16.0, 3)
        panel = (await admin.get(f"/sites/{site_id}/load")).text
        assert 'data-state="half_power"' in panel
        assert "Above the first line: new sessions start at half power" in panel
        assert 'id="load-now">60 kW<' in panel
        row = panel.split(f'data-transaction="{transaction}"')[1].split("</tr>")[0]
        assert 'data-limit="16.0"' in panel
        assert "16 A" in row
        assert "Half power: it started above the first line" in row
        assert "New limit sent" in panel

    viewer = await visitor(server, aapi, "viewer")
    seen = await viewer.get(f"/sites/{site_id}/load")
    assert seen.status_code == 200
    assert 'id="load-form"' not in seen.text
    refused = await viewer.post(f"/sites/{site_id}/load", SETTINGS)
    assert refused.status_code == 403
