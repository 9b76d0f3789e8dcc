"""The quick jump in Chromium: Ctrl-K or "/" opens it on any page, a name found without its
accents, Enter opens the first place found."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import Page, expect


def test_ctrl_k_finds_a_site_without_its_accents_and_enter_opens_it(
    page: Page, api: httpx.Client
) -> None:
    marker = uuid.uuid4().hex[:8]
    response = api.post("/sites", json={"name": f"Södermalm Jump {marker}", "city": "Stockholm"})
    assert response.status_code == 201, response.text
    site = response.json()["id"]
    page.goto("/sessions")
    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog", name="Jump to")
    expect(dialog).to_be_visible()
    search = dialog.get_by_role("searchbox")
    expect(search).to_be_focused()
    search.fill(f"sodermalm jump {marker}")
    hit = dialog.get_by_role("link", name=re.compile(f"Södermalm Jump {marker}"))
    expect(hit).to_be_visible()
    search.press("Enter")
    page.wait_for_url(f"**/sites/{site}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Södermalm Jump {marker}")


def test_slash_opens_the_jump_and_a_station_is_found_by_its_id(
    page: Page, api: httpx.Client
) -> None:
    ocpp_id = f"JMP-{uuid.uuid4().hex[:8].upper()}"
    response = api.post(
        "/stations",
        json={"ocpp_id": ocpp_id, "connectors": [{"evse_id": 1}], "security_profile": 0},
    )
    assert response.status_code == 201, response.text
    page.goto("/sites")
    page.locator("main").click()
    page.keyboard.press("/")
    dialog = page.get_by_role("dialog", name="Jump to")
    expect(dialog).to_be_visible()
    dialog.get_by_role("searchbox").fill(ocpp_id.lower())
    hit = dialog.get_by_role("link", name=re.compile(ocpp_id))
    expect(hit).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(hit).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/stations/{ocpp_id}")
    # nothing found is said in words
    page.keyboard.press("Control+k")
    dialog.get_by_role("searchbox").fill("no such place anywhere")
    expect(dialog.locator("#jump-none")).to_have_text("Nothing found for “no such place anywhere”.")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
