"""The fault pages in a browser: the fault-code dictionary (add, duplicate, bulk delete) and the
fault records a real station's status reports open."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Page, expect

from tests.support.ocpp16 import charge_point, iso
from tests.support.server import RunningServer


def in_thread(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` in a thread of its own (Playwright's sync API holds this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, work).result(timeout=60)


def _code(prefix: str = "E") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def _add(page: Page, code: str, description: str, vendor: str = "") -> None:
    form = page.locator("#add-code")
    form.get_by_label("Code").fill(code)
    form.get_by_label("Vendor").fill(vendor)
    form.get_by_label("Description").fill(description)
    form.get_by_role("button", name="Add").click()


def test_editing_the_dictionary_add_duplicate_and_bulk_delete(page: Page) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    first, second, kept = f"D{tag}A", f"D{tag}B", f"D{tag}C"
    page.goto("/faults/codes")
    expect(page.get_by_role("heading", name="Fault-code dictionary")).to_be_visible()
    for code in (first, second, kept):
        _add(page, code, f"Meaning of {code}")
        expect(page.locator("#codes-notice")).to_have_text("Saved.")
        expect(page.locator(f'#codes tr[data-code="{code}"]')).to_contain_text(f"Meaning of {code}")
    # ...and the first code once more, for one vendor: a separate entry.
    _add(page, first, "ACME's meaning", vendor="ACME")
    expect(page.locator("#codes-notice")).to_have_text("Saved.")

    # The same code again for every vendor: 422, the error beside the code field, nothing
    # added. (Sent by the page's own request: a 4xx navigation is a console error.)
    token = page.locator("#add-code input[name=csrf_token]").get_attribute("value")
    answer = page.request.post(
        "/faults/codes",
        form={"csrf_token": token or "", "code": first, "vendor": "", "description": "Again"},
    )
    assert answer.status == 422
    page.set_content(answer.text())
    expect(page.locator("#f-code-error")).to_have_text(
        "This code is already in the dictionary for this vendor."
    )
    expect(page.locator("#f-code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-description")).to_have_value("Again")

    # Bulk delete: both entries of the first code and the second; the confirmation names them.
    page.goto(f"/faults/codes?q=D{tag}")
    expect(page.locator("#codes tbody tr")).to_have_count(4)
    for box in page.get_by_label(f"Select {first}").all():
        box.check()
    page.get_by_label(f"Select {second}").check()
    page.get_by_role("button", name="Delete selected…").click()
    expect(page.get_by_role("heading", name="Delete 3 entries?")).to_be_visible()
    summary = page.locator("#to-delete")
    expect(summary).to_contain_text(first)
    expect(summary).to_contain_text("ACME")
    expect(summary).to_contain_text(second)
    expect(summary).not_to_contain_text(kept)
    page.get_by_role("button", name="Delete 3 entries").click()
    expect(page.locator("#codes-notice")).to_have_text("Deleted 3 entries.")
    page.goto(f"/faults/codes?q=D{tag}")
    expect(page.locator("#codes tbody tr")).to_have_count(1)
    expect(page.locator(f'#codes tr[data-code="{kept}"]')).to_be_visible()


def test_an_entry_is_edited_in_place(page: Page) -> None:
    code = _code("M")
    page.goto("/faults/codes")
    _add(page, code, "Old meaning")
    page.get_by_role("link", name=f"Edit {code}").click()
    page.get_by_label("Description").fill("New meaning")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#codes-notice")).to_have_text("Saved.")
    page.goto(f"/faults/codes?q={code}")
    expect(page.locator(f'#codes tr[data-code="{code}"]')).to_contain_text("New meaning")


def test_deleting_nothing_selected_says_so(page: Page) -> None:
    page.goto("/faults/codes")
    _add(page, _code(), "Something")
    token = page.locator("#add-code input[name=csrf_token]").get_attribute("value")
    answer = page.request.post("/faults/codes/delete", form={"csrf_token": token or ""})
    assert answer.status == 422
    page.set_content(answer.text())
    expect(page.locator("#ids-error")).to_have_text("Select the entries to delete first.")


def test_a_reported_fault_shows_explained_on_the_faults_page(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    station = f"FLT-{uuid.uuid4().hex[:8]}"
    vendor_code = _code("V")
    created = api.post(
        "/fault-codes",
        json={"code": vendor_code, "vendor": "TestVendor", "description": "Cabinet door open"},
    )
    assert created.status_code == 201, created.text

    async def report() -> None:
        async with charge_point(dashboard.ocpp_url, station) as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.status(1, "Faulted", "OtherError", vendor_error_code=vendor_code)
            await cp.status(2, "Faulted", "GroundFailure")
            await cp.status(2, "Available")

    in_thread(report())
    page.goto(f"/faults?station={station}")
    open_faults = page.locator("#open-faults")
    expect(open_faults.locator("tbody tr")).to_have_count(1)
    expect(open_faults).to_contain_text("Cabinet door open")
    expect(open_faults.get_by_role("link", name=station)).to_have_attribute(
        "href", f"/stations/{station}"
    )
    expect(open_faults.get_by_role("link", name="EVSE 1 / 1")).to_have_attribute(
        "href", f"/connectors/{station}/1/1"
    )
    past = page.locator("#past-faults")
    expect(past.locator("tbody tr")).to_have_count(1)
    expect(past).to_contain_text("Ground fault: the residual current device tripped.")

    page.get_by_label("State").select_option("ended")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#open-faults")).to_have_count(0)
    expect(page.locator("#past-faults tbody tr")).to_have_count(1)


def test_fault_times_are_shown_in_the_sites_time_zone(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    """A station at a New York site: its fault's start and end in New York time, the zone
    named; the date filter reads days in the chosen site's zone and says so."""
    tag = uuid.uuid4().hex[:8]
    site = api.post("/sites", json={"name": f"NY {tag}", "timezone": "America/New_York"})
    assert site.status_code == 201, site.text
    site_id = site.json()["id"]
    station = f"FNY-{tag}"
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
    # 02:30 UTC: the evening before in New York, so the local day differs from the UTC one.
    started = (datetime.now(UTC) - timedelta(days=1)).replace(
        hour=2, minute=30, second=0, microsecond=0
    )
    ended = started + timedelta(minutes=45)

    async def report() -> None:
        async with charge_point(dashboard.ocpp_url, station) as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.status(1, "Faulted", "GroundFailure", timestamp=iso(started))
            await cp.status(1, "Available", timestamp=iso(ended))

    in_thread(report())
    new_york = ZoneInfo("America/New_York")
    shown_start = started.astimezone(new_york).strftime("%Y-%m-%d %H:%M:%S")
    shown_end = ended.astimezone(new_york).strftime("%Y-%m-%d %H:%M:%S")
    page.goto(f"/faults?station={station}&state=ended")
    past = page.locator("#past-faults")
    expect(past.locator("tbody tr")).to_have_count(1)
    expect(past.locator("thead")).to_contain_text("Started (America/New_York)")
    expect(past.locator("thead")).to_contain_text("Ended (America/New_York)")
    expect(past.locator("td.fault-started")).to_have_text(shown_start)
    expect(past.locator("td.fault-started")).to_have_attribute("title", "America/New_York")
    expect(past.locator("td.fault-ended")).to_have_text(shown_end)

    # The filter's days are New York days once the site is chosen: the fault's local day finds
    # it, the UTC day (the next one) does not.
    local_day = started.astimezone(new_york).date().isoformat()
    utc_day = started.date().isoformat()
    assert local_day != utc_day
    page.goto(f"/faults?site={site_id}&state=ended&from={local_day}&to={local_day}")
    expect(page.locator("#zone-hint")).to_contain_text("Dates are days in America/New_York")
    expect(page.locator("#past-faults td.fault-started")).to_have_text([shown_start])
    page.goto(f"/faults?site={site_id}&state=ended&from={utc_day}&to={utc_day}")
    expect(page.locator("#no-past-faults")).to_be_visible()
