"""Load management at the stations on the dashboard, with a real OCPP 1.6 station that refuses
profiles: the load panel marks its session and lists the refusal among the decisions, the
station page says it refuses limits and shows no failsafe in force; the failsafe current is a
setting of the form, a bad one answered beside its field."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import Ids
from tests.integration.ocpp.test_load_failsafe import _flagged, next_failsafe
from tests.integration.ocpp.test_load_management import reading, start
from tests.integration.web.test_web_loads import SETTINGS, field_error
from tests.integration.web.test_web_monitoring import new_site, visitor
from tests.support.commands import async_api, eventually, register, token
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def test_a_station_that_refuses_limits_is_shown_on_the_panel_and_its_page(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await new_site(aapi, f"Depot {ids.suffix}")
    admin = await visitor(server, aapi, "admin")
    too_low = await admin.post(f"/sites/{site_id}/load", {**SETTINGS, "failsafe_current_a": "3"})
    assert too_low.status_code == 422
    assert field_error(too_low.text, "failsafe_current_a") == (
        "Enter 0 A, or a current from the smallest a session gets to 63 A."
    )
    saved = await admin.post(f"/sites/{site_id}/load", {**SETTINGS, "failsafe_current_a": "7.5"})
    assert saved.status_code == 200, saved.text
    settings = (await aapi.get(f"/sites/{site_id}/load")).json()["settings"]
    assert settings["failsafe_current_a"] == 7.5

    station, tag = ids.station(), ids.tag()
    await register(aapi, station, connectors=1, site_id=site_id)
    await token(aapi, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        cp.answers["SetChargingProfile"] = "Rejected"
        assert (await cp.boot()).status == "Accepted"
        await next_failsafe(cp)
        await _flagged(aapi, site_id)
        await reading(aapi, site_id, 30_000)
        transaction = await start(cp, 1, tag)
        await eventually(
            lambda: aapi.get(f"/sites/{site_id}/load"),
            lambda r: [s["transaction_id"] for s in r.json()["sessions"]] == [transaction],
        )
        panel = (await admin.get(f"/sites/{site_id}/load")).text
        row = panel.split(f'data-transaction="{transaction}"')[1].split("</tr>")[0]
        assert "Its station refuses limits" in row
        decisions = panel.split('id="load-decisions"')[1].split("</ul>")[0]
        assert "A station refused its limit" in decisions
        assert "left alone for an hour; its sessions are not limited" in decisions

        page = (await admin.get(f"/stations/{station}")).text
        notice = page.split('id="refuses-limits"')[1].split("</p>")[0]
        assert "This station refuses load management" in notice
        assert "Rejected" in notice
        assert page.split('id="failsafe">')[1].startswith("—")
