"""The assets pages in Chromium: the Excel template downloaded, filled and uploaded (a bad row
refused with its row and column named, nothing written; then all of it imported), and a site
created and deleted through its pages with the confirmation step."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

import httpx
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from kilowatt.domain.imports import SITE_COLUMNS, STATION_COLUMNS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def sites_named(api: httpx.Client, name: str) -> list[dict[str, object]]:
    response = api.get("/sites", params={"q": name, "limit": 100})
    assert response.status_code == 200, response.text
    return [s for s in response.json()["items"] if s["name"] == name]


def test_an_excel_import_with_one_bad_row_is_refused_with_the_row_named(
    page: Page, api: httpx.Client, tmp_path: Path
) -> None:
    page.goto("/assets")
    page.get_by_role("link", name="Import from Excel").click()
    expect(page.get_by_role("heading", name="Import sites and stations")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the Excel template").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    book = load_workbook(template)
    assert {"Instructions", "Sites", "Stations"} <= set(book.sheetnames)
    sites_sheet, stations_sheet = book["Sites"], book["Stations"]
    site_headers = [c.value for c in sites_sheet[1]]
    station_headers = [c.value for c in stations_sheet[1]]
    assert site_headers == [c.header for c in SITE_COLUMNS]
    assert station_headers == [c.header for c in STATION_COLUMNS]
    assert site_headers[:2] == ["Name", "Time zone"]
    assert station_headers[:2] == ["OCPP identity", "Site"]

    north, south = unique("North depot"), unique("South depot")
    good_id, bad_id = unique("N-1"), "bad identity"  # a space is not allowed
    sites_sheet.append([north, "Europe/Helsinki", "Pohjoinen 1", "Oulu", "90100", "FI"])
    sites_sheet.append([south, "Europe/Stockholm", "Södra 2", "Malmö", "21100", "SE"])
    stations_sheet.append([good_id, north, "Bay 1", "Accepted", None, 2, "AC", "Type2", 22])
    stations_sheet.append([bad_id, south, "Bay 2", "Accepted", None, 1, "DC", "CCS2", 150])
    filled = tmp_path / "filled.xlsx"
    book.save(filled)

    # Refused with 422; sent by the page's own request (a 4xx navigation is a console error),
    # with the page's session and CSRF token, then shown.
    token = page.locator("#import-form input[name=csrf_token]").get_attribute("value")
    answer = page.request.post(
        "/assets/import",
        multipart={
            "csrf_token": token or "",
            "file": {"name": "filled.xlsx", "mimeType": XLSX, "buffer": filled.read_bytes()},
        },
    )
    assert answer.status == 422
    page.set_content(answer.text())
    problems = page.locator("#import-problems")
    expect(problems).to_contain_text("Nothing was imported")
    expect(problems.get_by_role("listitem")).to_have_count(1)
    expect(problems.get_by_role("listitem")).to_contain_text(
        "Sheet Stations, row 3, column A (OCPP identity): 1 to 48 characters"
    )
    assert sites_named(api, north) == []
    assert sites_named(api, south) == []
    assert api.get(f"/stations/{good_id}").status_code == 404

    fixed_id = unique("S-1")
    stations_sheet["A3"] = fixed_id
    book.save(filled)
    page.goto("/assets/import")
    page.get_by_label("Excel workbook (.xlsx)").set_input_files(filled)
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-result")).to_contain_text(
        "Imported 2 sites, 2 stations and 3 connectors."
    )
    [north_site] = sites_named(api, north)
    [south_site] = sites_named(api, south)
    assert south_site["timezone"] == "Europe/Stockholm"
    assert api.get(f"/stations/{good_id}").json()["site_id"] == north_site["id"]
    fixed = api.get(f"/stations/{fixed_id}").json()
    assert fixed["site_id"] == south_site["id"]
    assert [(c["current_type"], c["max_power_w"]) for c in fixed["connectors"]] == [("DC", 150_000)]

    # Both got profile 1 and a password, shown this once, and offered as a CSV file.
    rows = page.locator("#import-passwords tbody tr")
    expect(rows).to_have_count(2)
    shown = {
        rows.nth(n).locator("th").inner_text(): rows.nth(n).locator(".password").inner_text()
        for n in range(2)
    }
    assert set(shown) == {good_id, fixed_id}
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as CSV").click()
    assert download.value.suggested_filename == "kilowatt-station-passwords.csv"
    saved = tmp_path / "passwords.csv"
    download.value.save_as(saved)
    lines = list(csv.reader(saved.read_text(encoding="utf-8").splitlines()))
    assert lines[0][0] == "OCPP identity (user name)"
    assert {line[0]: line[2] for line in lines[1:]} == shown
    assert {line[1] for line in lines[1:]} == {"1"}

    page.get_by_role("link", name="See the assets").click()
    expect(page.locator(f'tr[data-station="{fixed_id}"]')).to_contain_text(south)


def test_a_site_is_created_and_deleted_through_the_pages_with_a_confirmation(
    page: Page, api: httpx.Client
) -> None:
    name = unique("Market hall")
    page.goto("/assets")
    page.get_by_role("link", name="New site").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Time zone").fill("Europe/Sofia")
    page.get_by_label("Latitude").fill("42.69")
    # Half the coordinates: 422, the error beside Latitude, the typing kept, nothing created.
    token = page.locator("form.asset-form input[name=csrf_token]").get_attribute("value")
    answer = page.request.post(
        "/assets/sites/new",
        form={
            "csrf_token": token or "",
            "name": name,
            "timezone": "Europe/Sofia",
            "latitude": "42.69",
            "access": "public",
        },
    )
    assert answer.status == 422
    page.set_content(answer.text())
    expect(page.locator("#f-latitude-error")).to_have_text(
        "Enter both latitude and longitude, or neither."
    )
    expect(page.locator("#f-latitude")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name")).to_have_value(name)
    assert sites_named(api, name) == []
    page.goto("/assets/sites/new")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Time zone").fill("Europe/Sofia")
    page.get_by_label("Latitude").fill("42.69")
    page.get_by_label("Longitude").fill("23.32")
    page.get_by_role("button", name="Create site").click()
    expect(page.get_by_role("status")).to_have_text("The site was created.")
    row = page.locator(f'tr[data-site="{name}"]')
    expect(row).to_contain_text("Europe/Sofia")
    [site] = sites_named(api, name)

    # Keyboard: the row's delete link opens the confirmation, which says what goes.
    row.get_by_role("link", name=f"Delete site {name}").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Delete site {name}?")).to_be_visible()
    expect(page.locator("#delete-summary")).to_contain_text("the access rules")
    assert api.get(f"/sites/{site['id']}").status_code == 200
    page.get_by_role("button", name=f"Delete site {name}").click()
    expect(page.get_by_role("status")).to_have_text("The site was deleted.")
    expect(page.locator(f'tr[data-site="{name}"]')).to_have_count(0)
    assert api.get(f"/sites/{site['id']}").status_code == 404


def test_the_assets_fit_a_tablet(tablet: Page, api: httpx.Client) -> None:
    site = api.post("/sites", json={"name": unique("Tablet site")}).json()
    api.post("/stations", json={"ocpp_id": unique("TAB"), "site_id": site["id"]})
    for path in ("/assets", "/assets/import", "/assets/stations/new"):
        tablet.goto(path)
        width = tablet.evaluate("document.documentElement.scrollWidth")
        assert width <= 768, f"{path} scrolls sideways: {width}px wide"
