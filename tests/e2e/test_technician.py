"""A technician's tools in a browser, with real OCPP 1.6 stations: a firmware image uploaded
and a two-station campaign run to the end (the stations download and install what they are
sent), and a hard reset that asks first, naming the session it would interrupt."""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ocpp.v16 import call
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LAPTOP, Operator, create_operator, open_page
from tests.support.ocpp16 import TestChargePoint, charge_point
from tests.support.server import RunningServer

INSTALL_STEPS = ("Downloading", "Downloaded", "Installing", "Installed")


def _station(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8].upper()}"


class Station:
    """A 1.6 charge point in a thread of its own: it boots, stays connected, installs every
    firmware update it is sent (reporting each step), and may run a session."""

    def __init__(self, server: RunningServer, station: str, tag: str = "") -> None:
        self.server = server
        self.station = station
        self.tag = tag
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.installed = 0
        self.resets: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> Station:
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
            if self.tag:
                await cp.status(1, "Charging")
                await cp.start_tx(1, self.tag, 1000)
            updates = asyncio.create_task(self._install(cp))
            resets = asyncio.create_task(self._reset(cp))
            self.ready.set()
            await self._stop.wait()
            updates.cancel()
            resets.cancel()

    async def _install(self, cp: TestChargePoint) -> None:
        while True:
            await cp.next_call("UpdateFirmware", timeout=3600)
            for status in INSTALL_STEPS:
                await asyncio.sleep(0.2)
                await cp.call(call.FirmwareStatusNotification(status=status))
            self.installed += 1

    async def _reset(self, cp: TestChargePoint) -> None:
        while True:
            request = await cp.next_call("Reset", timeout=3600)
            self.resets.append(str(request["type"]))


@pytest.fixture(scope="module")
def technician(dashboard: RunningServer) -> Operator:
    return create_operator(dashboard, "technician")


@pytest.fixture
def tech_page(browser: Browser, dashboard: RunningServer, technician: Operator) -> Iterator[Page]:
    """A browser tab at 1280x800, signed in as a technician."""
    yield from open_page(browser, dashboard, technician, LAPTOP)


def test_a_technician_uploads_firmware_and_runs_a_two_station_campaign(
    tech_page: Page, dashboard: RunningServer, tmp_path: Path
) -> None:
    page = tech_page
    version = f"4.{uuid.uuid4().hex[:6]}"
    image = tmp_path / "station-firmware.bin"
    image.write_bytes(b"\x7fELF" + bytes(2048))
    first, second = _station("FWA"), _station("FWB")
    with Station(dashboard, first) as one, Station(dashboard, second) as two:
        page.goto("/")
        page.get_by_role("link", name="Firmware").click()
        expect(page).to_have_url(re.compile(r"/firmware$"))
        page.locator("#upload-form").get_by_label("Image file").set_input_files(str(image))
        page.locator("#upload-form").get_by_label("Version").fill(version)
        page.locator("#upload-form").get_by_role("button", name="Upload").click()
        expect(page.locator("#firmware-notice")).to_have_text(f"Firmware {version} was uploaded.")
        expect(page.locator("#firmware-images")).to_contain_text("station-firmware.bin")

        form = page.locator("#campaign-form")
        form.get_by_label("Image").select_option(label=version)
        form.get_by_label("Name", exact=True).fill(f"Campaign {version}")
        form.get_by_label(first, exact=True).check()
        form.get_by_label(second, exact=True).check()
        form.get_by_role("button", name="Start the campaign").click()
        expect(page).to_have_url(re.compile(r"/firmware/campaigns/\d+$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Campaign {version}")
        rows = page.locator("#campaign-targets tbody tr")
        expect(rows).to_have_count(2)

        # The first batch installs, then the second station gets it: the page follows
        # without a reload until the campaign is completed.
        status = page.locator("#campaign-status")
        expect(status).to_have_attribute("data-status", "completed", timeout=30_000)
        expect(status).to_have_text("Completed")
        expect(page.locator("#campaign-counts")).to_have_text(
            "2 of 2 stations installed, 0 failed."
        )
        for station in (first, second):
            row = page.locator(f'#campaign-targets tr[data-station="{station}"]')
            expect(row).to_contain_text("Installed")
        expect(page.locator("#cancel-campaign")).to_have_count(0)
        assert (one.installed, two.installed) == (1, 1)


def test_a_hard_reset_asks_first_naming_the_running_session(
    tech_page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    page = tech_page
    tag = f"T{uuid.uuid4().hex[:10].upper()}"
    created = api.post("/id-tokens", json={"value": tag})
    assert created.status_code == 201, created.text
    station = _station("RST")
    with Station(dashboard, station, tag=tag) as running:
        sessions = api.get("/transactions", params={"station_id": station}).json()["items"]
        assert len(sessions) == 1, sessions
        session_id = sessions[0]["id"]
        page.goto(f"/stations/{station}")
        reset = page.locator("#command-reset")
        reset.get_by_label("Hard").check()
        reset.get_by_role("button", name="Reset").click()

        confirm = page.locator("#confirm-command")
        expect(confirm).to_contain_text(f"A hard reset restarts station {station} at once")
        expect(confirm).to_contain_text("It interrupts 1 running session:")
        link = confirm.get_by_role("link", name=f"Session {session_id}")
        expect(link).to_have_attribute("href", f"/sessions/{session_id}")
        expect(confirm).to_contain_text(tag)
        assert running.resets == []

        confirm.get_by_role("button", name="Reset anyway").click()
        outcome = page.locator("#command-result .command-status")
        expect(outcome).to_have_attribute("data-status", "accepted")
        assert running.resets == ["Hard"]


def test_the_station_tools_answer_in_place(
    tech_page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    """A vendor operation chosen badly gets its error beside the field, then runs and shows
    the station's answer; a reservation is made and cancelled; the configuration is read
    into the table below; all without leaving the page."""
    page = tech_page
    name = f"rcd-{uuid.uuid4().hex[:6]}"
    created = api.post(
        "/vendor-templates",
        json={"name": name, "vendor_id": "com.example", "message_id": "RcdSelfTest"},
    )
    assert created.status_code == 201, created.text
    tag = f"R{uuid.uuid4().hex[:10].upper()}"
    assert api.post("/id-tokens", json={"value": tag}).status_code == 201
    station = _station("TLS")
    with Station(dashboard, station):
        page.goto(f"/stations/{station}")
        tools = page.locator("#tools")
        expect(tools.get_by_role("heading", name="Tools")).to_be_visible()

        vendor = page.locator("#tool-vendor")
        vendor.get_by_role("button", name="Run").click()
        expect(page.locator("#vendor-template-error")).to_have_text("Choose a vendor operation.")
        page.locator("#tool-vendor").get_by_label("Operation").select_option(name)
        page.locator("#tool-vendor").get_by_role("button", name="Run").click()
        expect(page.locator("#tool-vendor .command-status")).to_have_text("Accepted by the station")

        reservations = page.locator("#tool-reservations")
        reservations.get_by_label("Token").fill(tag)
        reservations.get_by_role("button", name="Reserve").click()
        row = page.locator("#station-reservations tbody tr").first
        expect(row).to_contain_text("Reserved")
        row.get_by_role("button", name="Cancel").click()
        expect(page.locator("#station-reservations tbody tr").first).to_contain_text("Cancelled")

        page.locator("#tool-read-configuration").get_by_role(
            "button", name="Get configuration"
        ).click()
        expect(page.locator("#tool-read-configuration .command-status")).to_have_attribute(
            "data-status", "accepted"
        )
        expect(page.locator("#device-variables")).to_contain_text("HeartbeatInterval")


def _no_page_scroll(page: Page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} scrolls {wide} px sideways"


def test_the_technicians_pages_fit_a_phone(
    browser: Browser, dashboard: RunningServer, technician: Operator, api: httpx.Client
) -> None:
    """At 390x844: the station page with its tools, the firmware page and the vendor
    operations page scroll only downwards."""
    station = _station("PHN")
    phone = {"width": 390, "height": 844}
    for page in open_page(browser, dashboard, technician, phone):
        with Station(dashboard, station):
            page.goto(f"/stations/{station}")
            expect(page.locator("#tool-update-firmware")).to_be_visible()
            _no_page_scroll(page)
            page.goto("/firmware")
            expect(page.locator("#upload-form")).to_be_visible()
            _no_page_scroll(page)
            page.goto("/vendor-operations")
            expect(page.locator("#vendor-form")).to_be_visible()
            _no_page_scroll(page)
