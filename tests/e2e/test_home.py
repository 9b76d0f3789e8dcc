"""The home page in a browser: its figures equal the reports API's, the map has a marker per
located site that opens the site, the charts render, the status counts follow the stations
live, and it fits a tablet."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections.abc import Coroutine
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import wait_live
from tests.e2e.test_connector import new_token
from tests.e2e.test_sites import live_station
from tests.support.ocpp16 import charge_point, iso
from tests.support.server import RunningServer


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def _site(api: httpx.Client, located: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {"name": _name("Home site"), "timezone": "Europe/Helsinki"}
    if located:
        body |= {"latitude": random.uniform(-50, 65), "longitude": random.uniform(-170, 170)}
    response = api.post("/sites", json=body)
    assert response.status_code == 201, response.text
    site: dict[str, Any] = response.json()
    return site


def _station(api: httpx.Client, site_id: int) -> str:
    ocpp_id = _name("HOME")
    response = api.post(
        "/stations",
        json={
            "ocpp_id": ocpp_id,
            "site_id": site_id,
            "connectors": [{"evse_id": 1}, {"evse_id": 2}],
            "security_profile": 0,
        },
    )
    assert response.status_code == 201, response.text
    return ocpp_id


async def _charge(server: RunningServer, station: str, tag: str) -> None:
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        await cp.status(1, "Available")
        started = await cp.start_tx(1, tag, 10_000)
        await cp.stop_tx(started.transaction_id, 22_345, iso())


def _in_thread(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run OCPP in a thread of its own: Playwright's loop runs in this one."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not errors, errors


def _value(page: Page, element_id: str) -> float | None:
    raw = page.locator(f"#{element_id}").get_attribute("data-value")
    return None if raw in (None, "") else float(raw)


def _all_sites(api: httpx.Client) -> list[dict[str, Any]]:
    sites: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if cursor is not None:
            params["cursor"] = cursor
        body = api.get("/sites", params=params).json()
        sites += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return sites


def test_the_figures_on_the_home_page_equal_those_of_the_api(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    site = _site(api)
    station = _station(api, site["id"])
    tag = _name("T")[:20]
    assert api.post("/id-tokens", json={"value": tag}).status_code == 201
    _in_thread(_charge(dashboard, station, tag))
    assert (
        api.post("/drivers", json={"email": f"{uuid.uuid4().hex[:8]}@example.com"}).status_code
        == 201
    )

    began = time.monotonic()
    page.goto("/")
    summary = api.get("/reports/summary").json()
    # Sessions other tests left running count their time so far: it grew meanwhile.
    running = len(
        api.get("/transactions", params={"state": "active", "limit": 500}).json()["items"]
    )
    drift = running * (time.monotonic() - began + 1)
    figures = summary["figures"]
    assert figures["sessions"]["cumulative"] >= 1
    assert page.locator("#report-day").get_attribute("data-today") == summary["today"]
    for key, name, scale, slack in (
        ("sessions", "sessions", 1, 0.0),
        ("energy", "energy_wh", 1000, 0.0),
        ("hours", "charging_seconds", 3600, drift),
        ("drivers", "new_drivers", 1, 0.0),
    ):
        for period, field in (
            ("today", "today"),
            ("month", "month"),
            ("year", "year"),
            ("cumulative", "cumulative"),
        ):
            shown = _value(page, f"{key}-{period}")
            assert shown is not None, (key, period)
            difference = figures[name][field] / scale - shown
            assert -1e-6 < difference <= slack / scale + 1e-6, (key, period, shown)
    # The text shown is the same number, formatted.
    expect(page.locator("#sessions-cumulative")).to_have_text(
        f"{figures['sessions']['cumulative']:,}"
    )
    expect(page.locator("#energy-cumulative")).to_have_text(
        f"{figures['energy_wh']['cumulative'] / 1000:,.1f}"
    )
    # Money: the same amounts as the API's (decimal strings there), shown in the currency.
    for key, name in (("topups", "top_ups"), ("revenue", "revenue")):
        assert figures[name]["currency"] == "EUR"
        for period in ("today", "month", "year", "cumulative"):
            expect(page.locator(f"#{key}-{period}")).to_contain_text("€")
            shown = _value(page, f"{key}-{period}")
            assert shown is not None, (key, period)
            assert abs(float(figures[name][period]) - shown) < 0.005, (key, period, shown)
    status = summary["status"]
    for name, count in status["stations"].items():
        if name != "total":
            assert _value(page, f"stations-{name}") == count, name
    for name, count in status["connectors"].items():
        if name != "total":
            assert _value(page, f"connectors-{name}") == count, name


def test_the_map_has_a_marker_per_located_site_and_enter_opens_the_site(
    page: Page, api: httpx.Client
) -> None:
    located = _site(api)
    elsewhere = _site(api, located=False)
    page.goto("/")
    sites = _all_sites(api)
    with_coordinates = [
        s for s in sites if s["latitude"] is not None and s["longitude"] is not None
    ]
    markers = page.locator("#site-map .home-marker")
    expect(markers).to_have_count(len(with_coordinates))
    expect(page.locator("#sites-elsewhere")).to_contain_text(elsewhere["name"])
    marker = page.locator(f'#site-map .home-marker[data-site-id="{located["id"]}"]')
    expect(marker).to_have_attribute("title", located["name"])
    marker.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/sites/{located['id']}")


def test_the_monthly_charts_render(page: Page, api: httpx.Client) -> None:
    page.goto("/")
    monthly = api.get("/reports/monthly").json()["months"]
    for chart in ("sessions", "energy", "hours", "revenue"):
        canvas = page.locator(f"#chart-{chart}")
        expect(canvas).to_be_visible()
        labels = page.evaluate(
            "id => { const c = Chart.getChart(id); return c ? c.data.labels : null; }",
            f"chart-{chart}",
        )
        assert labels == [m["month"] for m in monthly], chart
        box = canvas.bounding_box()
        assert box is not None
        assert box["width"] > 100
        assert box["height"] > 100
    sessions = page.evaluate("() => Chart.getChart('chart-sessions').data.datasets[0].data")
    assert sessions == [m["sessions"] for m in monthly]
    revenue = page.evaluate("() => Chart.getChart('chart-revenue').data.datasets[0].data")
    assert len(revenue) == len(monthly)
    assert all(isinstance(amount, int | float) for amount in revenue)
    # The same numbers as a table, for screen readers and the keyboard.
    page.get_by_text("The same figures as a table").click()
    rows = page.locator("#monthly-table tbody tr")
    expect(rows).to_have_count(len(monthly))
    last = monthly[-1]
    cells = rows.last.locator("td")
    expect(rows.last.locator("th")).to_have_text(last["month"])
    expect(cells.nth(0)).to_have_text(str(last["sessions"]))
    expect(cells.nth(1)).to_have_text(str(round(last["energy_wh"] / 1000, 1)))


class Station:
    """A 1.6 charge point in its own thread that sends the statuses it is given."""

    def __init__(self, server: RunningServer, ocpp_id: str) -> None:
        self.server, self.ocpp_id = server, ocpp_id
        self.ready = threading.Event()
        self.done = threading.Event()
        self.statuses: list[str] = []
        self.sent = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        async with charge_point(self.server.ocpp_url, self.ocpp_id) as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.status(1, "Available")
            await cp.status(2, "Available")
            self.ready.set()
            while not self.done.is_set():
                if self.statuses:
                    await cp.status(1, self.statuses.pop(0), "GroundFailure")
                    self.sent.set()
                await asyncio.sleep(0.1)


def test_the_status_counts_follow_a_station_live(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    station = Station(dashboard, _station(api, _site(api)["id"]))
    station.thread.start()
    try:
        assert station.ready.wait(20)
        page.goto("/")
        wait_live(page)
        before = api.get("/reports/summary").json()["status"]["connectors"]
        expect(page.locator("#connectors-faulted")).to_have_attribute(
            "data-value", str(before["faulted"])
        )
        station.statuses.append("Faulted")
        assert station.sent.wait(10)
        expect(page.locator("#connectors-faulted")).to_have_attribute(
            "data-value", str(before["faulted"] + 1)
        )
        expect(page.locator("#connectors-available")).to_have_attribute(
            "data-value", str(before["available"] - 1)
        )
    finally:
        station.done.set()
        station.thread.join(20)


def test_the_tablet_layout_does_not_scroll_sideways(tablet: Page) -> None:
    expect(tablet.locator("#figure-sessions")).to_be_visible()
    expect(tablet.locator("#site-map")).to_be_visible()
    width = tablet.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"the page scrolls sideways: {width}px wide"


def test_the_figures_follow_sessions_live(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    site_id = _site(api)["id"]
    tag = new_token(api)
    with live_station(dashboard, api, site_id) as station:
        page.goto("/")
        wait_live(page)
        before = api.get("/reports/summary").json()["figures"]
        sessions = page.locator("#sessions-cumulative")
        expect(sessions).to_have_text(f"{before['sessions']['cumulative']:,}")
        answer = station.run(station.cp.start_tx(1, tag, 1000))
        expect(sessions).to_have_text(f"{before['sessions']['cumulative'] + 1:,}")
        station.run(station.cp.stop_tx(answer.transaction_id, 6000))
        energy = before["energy_wh"]["cumulative"] + 5000
        expect(page.locator("#energy-cumulative")).to_have_text(f"{energy / 1000:,.1f}")


def test_the_energy_card_counts_a_running_session_and_follows_its_meter(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    """A car charging, no stop yet: today's energy shows what it took so far, and grows with
    its meter readings without a reload."""
    site_id = _site(api)["id"]
    tag = new_token(api)
    with live_station(dashboard, api, site_id) as station:
        before = api.get("/reports/summary").json()["figures"]["energy_wh"]["today"]
        answer = station.run(station.cp.start_tx(1, tag, 10_000))
        station.run(station.cp.meter(1, answer.transaction_id, 12_500))
        page.goto("/")
        wait_live(page)
        today = page.locator("#energy-today")
        expect(today).to_have_attribute("data-value", str((before + 2_500) / 1000))
        expect(today).to_have_text(f"{(before + 2_500) / 1000:,.1f}")
        expect(page.locator("#figures-compared")).to_contain_text("until the same time of day")
        page.evaluate("window.notReloaded = true")
        station.run(station.cp.meter(1, answer.transaction_id, 14_000))
        expect(today).to_have_attribute("data-value", str((before + 4_000) / 1000))
        assert page.evaluate("window.notReloaded") is True
        station.run(station.cp.stop_tx(answer.transaction_id, 14_000))
