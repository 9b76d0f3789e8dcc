"""The issue's "done when", in one go: a newcomer signs in, finds a site on the map, watches a
session's power curve grow live, stops it, and exports the day's sessions to Excel."""

from __future__ import annotations

import asyncio
import io
import uuid
from typing import Any

import httpx
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.e2e.conftest import wait_live
from tests.e2e.test_connector import new_token, start_session
from tests.e2e.test_sites import LIVE, live_station
from tests.support.server import RunningServer


def test_a_newcomer_finds_a_site_on_the_map_watches_stops_and_exports(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    name = f"Newcomer Quay {uuid.uuid4().hex[:6]}"
    site = api.post(
        "/sites",
        json={"name": name, "timezone": "UTC", "latitude": 60.1699, "longitude": 24.9384},
    )
    assert site.status_code == 201, site.text
    site_id = site.json()["id"]
    tag = new_token(api)
    with live_station(dashboard, api, site_id) as station:
        transaction_id = start_session(station, tag)

        # The map on the start page: the site's marker opens its monitoring page.
        page.goto("/")
        marker = page.locator(f'#site-map .home-marker[data-site-id="{site_id}"]')
        expect(marker).to_have_attribute("title", name)
        marker.click()
        page.wait_for_url(f"**/sites/{site_id}")

        # The charging connector, its live values and curve.
        page.get_by_role("link", name=f"{station.ocpp_id}/1/1").click()
        wait_live(page)
        expect(page.locator("#connector-status .badge")).to_have_text("Charging")
        expect(page.locator("#power-chart")).to_have_attribute("data-points", "1")
        station.run(station.cp.meter(1, transaction_id, 2500))
        expect(page.locator("#power-chart")).to_have_attribute("data-points", "2", timeout=LIVE)
        station.run(station.cp.meter(1, transaction_id, 4200))
        expect(page.locator("#power-chart")).to_have_attribute("data-points", "3", timeout=LIVE)
        expect(page.locator("#live-energy")).to_have_text("3.20", timeout=LIVE)

        # Stop it; the station is asked, answers and ends the session.
        async def stop_when_asked() -> Any:
            request = await station.cp.next_call("RemoteStopTransaction")
            await asyncio.sleep(0.2)
            await station.cp.stop_tx(transaction_id, 4500, reason="Remote")
            await station.cp.status(1, "Finishing")
            return request

        asked = station.later(stop_when_asked())
        page.get_by_role("button", name="Stop session").click()
        assert asked.result(15) == {"transactionId": transaction_id}
        expect(page.locator("#session-state")).to_contain_text("Session ended", timeout=LIVE)

    # The day's sessions, exported to Excel from the sessions page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="Today").click()
    rows = page.locator("#sessions tbody tr")
    shown = {int(v) for v in rows.evaluate_all("rs => rs.map(r => r.dataset.transaction)")}
    assert transaction_id in shown
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Export to Excel (XLSX)").click()
    path = downloaded.value.path()
    assert path is not None
    table = list(load_workbook(io.BytesIO(path.read_bytes()), read_only=True).active.values)
    exported = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    ours = [row for row in exported if row["Transaction"] == transaction_id]
    assert len(ours) == 1
    assert ours[0]["Energy (Wh)"] == 3500
    assert ours[0]["Station"] == station.ocpp_id
    assert shown <= {row["Transaction"] for row in exported}  # the list pages, the export not
