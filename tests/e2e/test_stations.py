"""The stations pages in a browser, with real OCPP 1.6 stations: the list with live online
state, a station's page with its message log filtered by action, and a command's result."""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from ocpp.v16 import call
from playwright.sync_api import Page, expect

from tests.e2e.conftest import wait_live
from tests.support.ocpp16 import charge_point, iso
from tests.support.server import RunningServer


def _station(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8].upper()}"


class ConnectedStation:
    """A 1.6 charge point in a thread of its own (Playwright's sync API holds this thread's
    loop): it boots, reports its connectors and a heartbeat, and stays connected, answering
    the CSMS's calls, until the block ends."""

    def __init__(self, server: RunningServer, station: str) -> None:
        self.server = server
        self.station = station
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> ConnectedStation:
        self.thread.start()
        assert self.ready.wait(20), self.error
        assert self.error is None, self.error
        return self

    def __exit__(self, *_: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(20)

    def _run(self) -> None:
        try:
            asyncio.run(self._drive())
        except BaseException as error:
            self.error = error
            self.ready.set()

    async def _drive(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with charge_point(self.server.ocpp_url, self.station) as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.status(1, "Available")
            await cp.status(2, "Faulted", "HighTemperature")
            await cp.call(call.Heartbeat())
            self.ready.set()
            await self._stop.wait()


def _wait_for_the_log(api: httpx.Client, station: str) -> None:
    """The log is written in batches every half second: wait until the heartbeat is in."""
    for _ in range(50):
        logged = api.get(f"/stations/{station}/messages", params={"action": "Heartbeat"})
        if len(logged.json()["items"]) == 2:
            return
        threading.Event().wait(0.1)
    raise AssertionError("the heartbeat never reached the message log")


def test_the_list_finds_stations_and_shows_them_going_online_live(
    page: Page, api: httpx.Client, dashboard: RunningServer
) -> None:
    station = _station("LST")
    registered = api.post(
        "/stations",
        json={"ocpp_id": station, "connectors": [{"evse_id": 1}], "security_profile": 0},
    )
    assert registered.status_code == 201, registered.text
    page.goto("/stations")
    page.get_by_label("Search").fill(station)
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#stations tbody tr")
    expect(rows).to_have_count(1)
    badge = page.locator(f'[data-online-station="{station}"]')
    expect(badge).to_have_text("Offline")
    wait_live(page)
    with ConnectedStation(dashboard, station):
        expect(badge).to_have_text("Online")
        expect(badge).to_have_class("badge status-online")
    expect(badge).to_have_text("Offline")
    page.reload()
    row = page.locator(f'#stations tr[data-station="{station}"]')
    expect(row).to_contain_text("TestVendor")
    expect(row).to_contain_text("OCPP 1.6")
    expect(row).to_contain_text("1.2.3")
    # Search finds stations by vendor and model too.
    page.goto("/stations?q=TestModel&online=offline")
    expect(page.locator("#stations")).to_contain_text("TestModel")


def test_a_station_page_filters_its_message_log_by_action(
    page: Page, dashboard: RunningServer
) -> None:
    station = _station("LOG")
    with ConnectedStation(dashboard, station), dashboard.api() as api:
        _wait_for_the_log(api, station)
        page.goto(f"/stations/{station}")
        expect(page.get_by_role("heading", name=station)).to_be_visible()
        # Connectors with their status, linked to the connector pages; the open fault.
        connectors = page.locator("#connectors")
        expect(connectors.get_by_role("link", name="EVSE 1 / 1")).to_have_attribute(
            "href", f"/connectors/{station}/1/1"
        )
        expect(page.locator(f'[data-connector="{station}|2|1"]')).to_have_text("Faulted")
        expect(page.locator("#station-open-faults")).to_contain_text(
            "Temperature inside the station is too high."
        )
        log = page.locator("#message-log")
        page.get_by_label("Action").fill("Heartbeat")
        page.get_by_role("button", name="Filter").click()
        expect(log.locator("#messages tbody tr")).to_have_count(2)
        actions = log.locator("#messages td.log-action").all_inner_texts()
        # Both directions of the exchange: the station's CALL and our CALLRESULT.
        assert actions == ["Heartbeat", "Heartbeat"], actions
        page.get_by_label("Direction").select_option("in")
        page.get_by_role("button", name="Filter").click()
        expect(log.locator("#messages tbody tr")).to_have_count(1)
        page.get_by_label("Action").fill("StatusNotification")
        page.get_by_role("button", name="Filter").click()
        expect(log.locator("#messages tbody tr")).to_have_count(2)
        expect(log.locator("#messages td.log-action").first).to_have_text("StatusNotification")


def test_a_command_from_the_station_page_shows_its_result(
    page: Page, dashboard: RunningServer
) -> None:
    station = _station("CMD")
    with ConnectedStation(dashboard, station):
        page.goto(f"/stations/{station}")
        expect(page.locator("#recent-commands")).to_have_count(0)  # none sent yet
        page.locator("#command-clear-cache").get_by_role("button", name="Clear cache").click()
        outcome = page.locator("#command-result .command-status")
        expect(outcome).to_have_text("Accepted by the station")
        expect(page.locator("#command-result")).to_contain_text("Command Clear cache:")
        # The recent commands panel follows, without reloading the page.
        recent = page.locator("#recent-commands tbody tr")
        expect(recent).to_have_count(1)
        expect(recent.first).to_contain_text("Clear cache")
        expect(recent.first.locator("[data-status]")).to_have_attribute("data-status", "accepted")
        reset = page.locator("#command-reset")
        reset.get_by_label("Hard").check()
        reset.get_by_role("button", name="Reset").click()
        confirm = page.locator("#confirm-command")
        expect(confirm).to_contain_text("A hard reset restarts station")
        confirm.get_by_role("button", name="Reset anyway").click()
        expect(page.locator("#command-result")).to_contain_text("Command Reset:")
        expect(outcome).to_have_attribute("data-status", "accepted")
        expect(recent).to_have_count(2)
        expect(recent.first).to_contain_text("Reset")
    # The station has gone: the command is not sent, and the page says so.
    page.locator("#command-clear-cache").get_by_role("button", name="Clear cache").click()
    expect(page.locator("#command-result")).to_contain_text("The station is not connected")


def test_a_station_at_a_site_shows_its_times_in_the_sites_time_zone(
    page: Page, api: httpx.Client, dashboard: RunningServer
) -> None:
    """Fault start, last seen and the message log in New York time, the zone named once per
    table; the list names it too when every station shown is at that site."""
    site = api.post(
        "/sites", json={"name": f"NY {uuid.uuid4().hex[:8]}", "timezone": "America/New_York"}
    )
    assert site.status_code == 201, site.text
    site_id = site.json()["id"]
    station = _station("TZ")
    registered = api.post(
        "/stations",
        json={
            "ocpp_id": station,
            "site_id": site_id,
            "connectors": [{"evse_id": 1}],
            "security_profile": 0,
        },
    )
    assert registered.status_code == 201, registered.text
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)

    async def report() -> None:
        async with charge_point(dashboard.ocpp_url, station) as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.status(1, "Faulted", "HighTemperature", timestamp=iso(started))
            await cp.call(call.Heartbeat())

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, report()).result(timeout=60)
    _wait_for_the_log(api, station)
    page.goto(f"/stations/{station}")
    faults = page.locator("#station-open-faults")
    expect(faults.locator("thead")).to_contain_text("Started (America/New_York)")
    shown = started.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M:%S")
    expect(faults.locator("td.fault-started")).to_have_text(shown)
    expect(page.locator("#station-facts")).to_contain_text("Last seen (America/New_York)")
    expect(page.locator("#last-seen")).to_have_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"))
    expect(page.locator("#messages thead")).to_contain_text("Time (America/New_York)")
    expect(page.locator("#device-model")).to_be_visible()

    page.goto(f"/stations?site={site_id}")
    expect(page.locator("#stations thead")).to_contain_text("Last seen (America/New_York)")
    expect(page.locator(f'#stations tr[data-station="{station}"] td.last-seen')).to_have_attribute(
        "title", "America/New_York"
    )


def test_the_station_page_reads_well_on_a_tablet(tablet: Page, dashboard: RunningServer) -> None:
    station = _station("TAB")
    with ConnectedStation(dashboard, station), dashboard.api() as api:
        _wait_for_the_log(api, station)
        tablet.goto(f"/stations/{station}")
        expect(tablet.locator("#messages")).to_be_visible()
        width = tablet.evaluate("document.documentElement.scrollWidth")
        assert width <= 768, f"the page scrolls sideways: {width}px wide"
