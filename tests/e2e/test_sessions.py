"""Sessions pages in Chromium: the filtered list and its XLSX export, one session's meter
curves, and the force stop of a running session, over sessions real OCPP 1.6 charge points
drove through the server."""

from __future__ import annotations

import asyncio
import io
import re
import threading
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Dialog, Page, expect

from tests.conftest import create_token
from tests.e2e.conftest import LAPTOP, create_operator, open_page
from tests.support.ocpp16 import charge_point, iso
from tests.support.server import RunningServer

T = TypeVar("T")


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` in a thread of its own (Playwright's sync API holds this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result(timeout=60)


def _card(server: RunningServer, name: str = "T") -> str:
    """A card Kilowatt knows: its sessions run (an unknown card's start is refused)."""
    tag = f"{name}{uuid.uuid4().hex[:8]}"[:20]
    with server.api() as api:
        create_token(api, tag)
    return tag


def _station(name: str = "SES") -> str:
    return f"{name}-{uuid.uuid4().hex[:8].upper()}"


async def _sessions(
    server: RunningServer, station: str, count: int, meter: bool = False
) -> list[tuple[int, int]]:
    """``count`` completed sessions at ``station``, one a minute over the last minutes (today,
    but in the first minutes after midnight): (id, Wh)."""
    made = []
    now = datetime.now(UTC).replace(microsecond=0)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        for n in range(count):
            start = now - timedelta(minutes=count - n)
            wh = 1_000 * (n + 1) + 123
            started = await cp.start_tx(1, f"T{uuid.uuid4().hex[:8]}", 10_000, iso(start))
            if meter:
                for second in (10, 20, 30):
                    at = start + timedelta(seconds=second)
                    await cp.meter(1, started.transaction_id, 10_000 + second * 10, iso(at))
            await cp.stop_tx(
                started.transaction_id, 10_000 + wh, iso(start + timedelta(seconds=40))
            )
            made.append((int(started.transaction_id), wh))
    return made


def test_filtering_by_station_and_exporting_it_to_excel(
    page: Page, dashboard: RunningServer
) -> None:
    """The newcomer's story: today's sessions of one station, exported to Excel."""
    mine, other = _station("XLS"), _station("OTH")
    made = _run(_sessions(dashboard, mine, 3))
    _run(_sessions(dashboard, other, 1))

    page.goto("/sessions")
    page.get_by_role("link", name="Today").click()
    page.get_by_label("Station").fill(mine)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(f"**/sessions?*station={mine}*")
    rows = page.locator("#sessions tbody tr")
    expect(rows).to_have_count(3)
    shown = [int(value) for value in rows.evaluate_all("rs => rs.map(r => r.dataset.transaction)")]
    assert shown == [tx for tx, _ in reversed(made)]
    expect(page.locator("#sessions")).not_to_contain_text(other)

    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Export to Excel (XLSX)").click()
    download = downloaded.value
    assert download.suggested_filename.endswith(".xlsx")
    path = download.path()
    assert path is not None
    book = load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    table = list(book.active.iter_rows(values_only=True))
    headers = table[0]
    exported = [dict(zip(headers, row, strict=True)) for row in table[1:]]
    assert [(row["Transaction"], row["Energy (Wh)"]) for row in exported] == list(reversed(made))
    assert {row["Station"] for row in exported} == {mine}
    assert {row["Time zone"] for row in exported} == {"UTC"}


def test_a_bad_date_is_answered_beside_its_field(page: Page) -> None:
    response = page.request.get("/sessions?from=2026-13-01&to=2026-01-01")
    assert response.status == 422
    page.set_content(response.text())
    expect(page.locator("#f-from-error")).to_have_text("Enter a date as YYYY-MM-DD.")
    expect(page.locator("#f-from")).to_have_attribute("aria-invalid", "true")


def test_a_session_shows_its_meter_curves(page: Page, dashboard: RunningServer) -> None:
    station = _station("CRV")
    [(transaction, wh)] = _run(_sessions(dashboard, station, 1, meter=True))

    page.goto(f"/sessions/{transaction}")
    expect(page.get_by_role("heading", name=f"Session {transaction}")).to_be_visible()
    facts = page.locator("#session-facts")
    expect(facts).to_contain_text(station)
    expect(facts).to_contain_text(f"{wh / 1000:.3f} kWh")
    expect(facts).to_contain_text("Completed")
    expect(page.get_by_role("link", name="EVSE 1, connector 1")).to_have_attribute(
        "href", f"/connectors/{station}/1/1"
    )
    for curve, points in (("power", 3), ("voltage", 3), ("energy", 3)):
        canvas = page.locator(f"canvas#chart-{curve}")
        expect(canvas).to_have_attribute("data-points", str(points))
    assert page.locator("#force-stop").count() == 0  # it has ended


class RunningStation:
    """A 1.6 charge point with a running session, in its own thread: it answers a
    RemoteStopTransaction with Accepted and then stops the session, as a station does."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.station = _station("STP")
        self.transaction: int | None = None
        self.remote_stop: dict[str, Any] | None = None
        self.ready = threading.Event()
        self.stopped = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RunningStation:
        self.thread.start()
        assert self.ready.wait(15), self.error
        return self

    def __exit__(self, *_: object) -> None:
        self.thread.join(40)

    def _run(self) -> None:
        try:
            asyncio.run(self._drive())
        except BaseException as error:
            self.error = error
            self.ready.set()

    async def _drive(self) -> None:
        async with charge_point(self.server.ocpp_url, self.station) as cp:
            assert (await cp.boot()).status == "Accepted"
            started = await cp.start_tx(1, _card(self.server), 5_000)
            self.transaction = int(started.transaction_id)
            await cp.meter(1, self.transaction, 5_400)
            self.ready.set()
            metering = asyncio.create_task(self._meter(cp))
            self.remote_stop = await cp.next_call("RemoteStopTransaction", timeout=30)
            metering.cancel()
            await asyncio.sleep(0.5)
            await cp.stop_tx(self.transaction, 5_900, reason="Remote")
            self.stopped.set()
            await asyncio.sleep(1)

    async def _meter(self, cp: Any) -> None:
        """A reading a second while it runs."""
        assert self.transaction is not None
        for n in range(60):
            await asyncio.sleep(1)
            await cp.meter(1, self.transaction, 5_400 + 10 * n)


def test_force_stop_of_a_running_session(page: Page, dashboard: RunningServer) -> None:
    with RunningStation(dashboard) as station:
        page.goto(f"/sessions/{station.transaction}")
        expect(page.locator("#session-state")).to_contain_text("Running")
        # New readings of this session are drawn as they come.
        more_than_two = re.compile(r"^([3-9]|\d{2,})$")
        for curve in ("energy", "power", "voltage"):
            expect(page.locator(f"canvas#chart-{curve}")).to_have_attribute(
                "data-points", more_than_two, timeout=15_000
            )
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Force stop").click()
        expect(page.locator("#stop-notice")).to_contain_text("accepted the stop")
        assert station.stopped.wait(20), station.error
    assert station.remote_stop == {"transactionId": station.transaction}
    expect(page.locator("#session-state")).to_contain_text("Completed", timeout=15_000)
    expect(page.locator("#session-facts")).to_contain_text("0.900 kWh")
    expect(page.locator("#stop-reason")).to_have_text("Stopped remotely")
    expect(page.locator("#force-stop")).to_have_count(0)


def test_force_stop_is_a_notice_when_the_station_is_offline(
    page: Page, dashboard: RunningServer
) -> None:
    station = _station("OFF")

    async def leave_running() -> int:
        async with charge_point(dashboard.ocpp_url, station) as cp:
            assert (await cp.boot()).status == "Accepted"
            started = await cp.start_tx(1, _card(dashboard), 100)
            return int(started.transaction_id)

    transaction = _run(leave_running())
    page.goto(f"/sessions/{transaction}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Force stop").click()
    expect(page.locator("#stop-notice")).to_contain_text("not connected")
    expect(page.locator("#session-state")).to_contain_text("Running")


def test_cancelling_the_confirmation_sends_nothing(page: Page, dashboard: RunningServer) -> None:
    station = _station("CNL")

    async def leave_running() -> int:
        async with charge_point(dashboard.ocpp_url, station) as cp:
            assert (await cp.boot()).status == "Accepted"
            return int((await cp.start_tx(1, _card(dashboard, "CANCEL"), 100)).transaction_id)

    transaction = _run(leave_running())
    page.goto(f"/sessions/{transaction}")
    dialogs: list[Dialog] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Force stop").click()
    expect(page.locator("#stop-notice")).to_have_count(0)
    assert len(dialogs) == 1
    assert page.url.endswith(f"/sessions/{transaction}")


@pytest.fixture
def viewer_page(browser: Browser, dashboard: RunningServer) -> Iterator[Page]:
    yield from open_page(browser, dashboard, create_operator(dashboard, "viewer"), LAPTOP)


def test_a_viewer_sees_sessions_but_no_force_stop(
    viewer_page: Page, dashboard: RunningServer
) -> None:
    station = _station("VWR")

    async def leave_running() -> int:
        async with charge_point(dashboard.ocpp_url, station) as cp:
            assert (await cp.boot()).status == "Accepted"
            return int((await cp.start_tx(1, _card(dashboard, "VIEWER"), 100)).transaction_id)

    transaction = _run(leave_running())
    viewer_page.goto(f"/sessions/{transaction}")
    expect(viewer_page.locator("#session-state")).to_contain_text("Running")
    expect(viewer_page.locator("#force-stop")).to_have_count(0)
    response = viewer_page.request.post(
        f"/sessions/{transaction}/stop",
        headers={"X-CSRF-Token": viewer_page.locator("input[name=csrf_token]").first.input_value()},
    )
    assert response.status == 403


def test_the_list_reads_well_on_a_tablet(tablet: Page, dashboard: RunningServer) -> None:
    station = _station("TAB")
    _run(_sessions(dashboard, station, 1))
    tablet.goto(f"/sessions?station={station}")
    expect(tablet.locator("#sessions tbody tr")).to_have_count(1)
    width = tablet.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"the page scrolls sideways: {width}px wide"
