"""The connector page in Chromium, with a real OCPP 1.6 station: a running session's live values
and curve, a remote stop that ends it, a remote start picked by driver or token with what came
of its session in words, the tablet layout."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import REMOTE_START_WINDOW, wait_live
from tests.e2e.test_sites import (
    LIVE,
    LiveStation,
    live_station,
    new_site,
    open_live,
)
from tests.support.server import RunningServer


def new_token_value() -> str:
    return f"E2E{uuid.uuid4().hex[:10].upper()}"


def new_token(api: httpx.Client) -> str:
    tag = new_token_value()
    response = api.post("/id-tokens", json={"value": tag})
    assert response.status_code == 201, response.text
    return tag


def start_session(station: LiveStation, tag: str, evse: int = 1) -> int:
    answer = station.run(station.cp.start_tx(evse, tag, 1000))
    station.run(station.cp.status(evse, "Charging"))
    station.run(station.cp.meter(evse, answer.transaction_id, 1500))
    transaction_id: int = answer.transaction_id
    return transaction_id


def connector_url(page: Page, site_id: int, station: str, evse: int = 1) -> str:
    """The connector page's address, as the site page links it."""
    page.goto(f"/sites/{site_id}")
    href = page.get_by_role("link", name=f"{station}/{evse}/1").get_attribute("href")
    assert href is not None
    return href


def points(page: Page) -> int:
    value = page.locator("#power-chart").get_attribute("data-points")
    return int(value or 0)


def test_a_newcomer_finds_the_site_and_watches_the_power_curve_grow_live(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    name = f"Curve Depot {uuid.uuid4().hex[:6]}"
    site_id = new_site(api, name)
    tag = new_token(api)
    with live_station(dashboard, api, site_id) as station:
        transaction_id = start_session(station, tag)

        # From the start page through the navigation and the site search to the connector.
        page.goto("/")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Sites").click()
        page.get_by_label("Search sites by name").fill(name)
        page.get_by_role("link", name=name).click()
        page.wait_for_url(f"**/sites/{site_id}")
        page.get_by_role("link", name=f"{station.ocpp_id}/1/1").click()
        wait_live(page)
        expect(page.get_by_role("heading", name=f"Connector {station.ocpp_id}/1/1")).to_be_visible()

        # The session so far: its readings prefill the live values and the curve.
        expect(page.locator("#connector-status .badge")).to_have_text("Charging")
        expect(page.locator("#session-link")).to_have_attribute(
            "href", f"/sessions/{transaction_id}"
        )
        expect(page.locator("#live-power")).to_have_text("7.40")
        expect(page.locator("#live-voltage")).to_have_text("232")
        expect(page.locator("#live-soc")).to_have_text("55")
        expect(page.locator("#live-energy")).to_have_text("0.50")
        assert points(page) == 1

        # New readings arrive live: the values change and the curve gains points.
        station.run(station.cp.meter(1, transaction_id, 2500))
        expect(page.locator("#live-energy")).to_have_text("1.50", timeout=LIVE)
        expect(page.locator("#power-chart")).to_have_attribute("data-points", "2", timeout=LIVE)
        station.run(station.cp.meter(1, transaction_id, 4000))
        expect(page.locator("#live-energy")).to_have_text("3.00", timeout=LIVE)
        expect(page.locator("#power-chart")).to_have_attribute("data-points", "3", timeout=LIVE)
        drawn = page.evaluate(
            "Chart.getChart(document.getElementById('power-chart')).data.datasets[0].data.length"
        )
        assert drawn == 3


def test_a_remote_stop_from_the_connector_page_ends_the_session(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    site_id = new_site(api, f"Stop Depot {uuid.uuid4().hex[:6]}")
    tag = new_token(api)
    with live_station(dashboard, api, site_id) as station:
        transaction_id = start_session(station, tag)
        open_live(page, connector_url(page, site_id, station.ocpp_id))
        expect(page.locator("#live")).to_have_attribute("data-state", "running")

        async def stop_when_asked() -> Any:
            request = await station.cp.next_call("RemoteStopTransaction")
            await asyncio.sleep(0.2)  # the answer first, as a real station does
            await station.cp.stop_tx(transaction_id, 3000, reason="Remote")
            await station.cp.status(1, "Finishing")
            return request

        asked = station.later(stop_when_asked())
        page.get_by_role("button", name="Stop session").click()

        expect(page.locator("#command-result [data-outcome]")).to_have_text(
            "Accepted by the station"
        )
        assert asked.result(15) == {"transactionId": transaction_id}
        expect(page.locator("#session-state")).to_contain_text("Session ended", timeout=LIVE)
        expect(page.locator("#live")).to_have_attribute("data-state", "ended")
        expect(page.locator("#live-energy")).to_have_text("2.00")
        expect(page.locator("#connector-status .badge")).to_have_text("Finishing", timeout=LIVE)
        expect(page.get_by_role("button", name="Stop session")).to_be_disabled()


def new_driver(api: httpx.Client, name: str, tag: str, **token: Any) -> None:
    """A driver named ``name`` holding the token ``tag``."""
    made = api.post("/drivers", json={"email": f"{tag.lower()}@example.test", "name": name})
    assert made.status_code == 201, made.text
    response = api.post("/id-tokens", json={"value": tag, "driver_id": made.json()["id"], **token})
    assert response.status_code == 201, response.text


def pick(page: Page, search: str, choice: str) -> None:
    """Find ``search`` in the token picker and choose ``choice`` with the keyboard."""
    page.get_by_label("Find a driver or token").fill(search)
    radio = page.get_by_role("radio", name=re.compile(re.escape(choice)))
    radio.press("Space")
    expect(radio).to_be_checked()


def test_a_remote_start_picked_by_driver_name_shows_the_session_it_began(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    site_id = new_site(api, f"Start Depot {uuid.uuid4().hex[:6]}")
    surname = f"Hopper{uuid.uuid4().hex[:6]}"
    tag, blocked = new_token_value(), new_token_value()
    new_driver(api, f"Grace {surname}", tag)
    new_driver(api, f"Grace {surname} Junior", blocked, status="Blocked")
    with live_station(dashboard, api, site_id) as station:
        open_live(page, connector_url(page, site_id, station.ocpp_id))
        page.get_by_label("Find a driver or token").fill(surname)
        expect(page.get_by_role("radio", name=re.compile(blocked))).to_be_disabled()
        expect(page.locator("#token-choices")).to_contain_text("Blocked")
        pick(page, surname, tag)

        async def start_when_asked() -> Any:
            request = await station.cp.next_call("RemoteStartTransaction")
            await asyncio.sleep(0.2)  # the answer first, as a real station does
            answer = await station.cp.start_tx(1, tag, 0)
            return request, answer.transaction_id

        asked = station.later(start_when_asked())
        page.get_by_role("button", name="Start session").press("Enter")
        expect(page.locator("#command-result [data-outcome]")).to_have_text(
            "Accepted by the station"
        )
        request, transaction_id = asked.result(15)
        assert request == {"idTag": tag, "connectorId": 1}
        expect(page.locator("#start-outcome")).to_have_text(
            f"Charging started: session {transaction_id}", timeout=LIVE
        )
        expect(page.locator("#start-session-link")).to_have_attribute(
            "href", f"/sessions/{transaction_id}"
        )
        expect(page.locator("#session-link")).to_have_attribute(
            "href", f"/sessions/{transaction_id}", timeout=LIVE
        )


def test_a_remote_start_refused_by_kilowatt_or_never_begun_is_told_in_words(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    site_id = new_site(api, f"Refused Depot {uuid.uuid4().hex[:6]}")
    tag = new_token(api)
    with live_station(dashboard, api, site_id) as station:
        open_live(page, connector_url(page, site_id, station.ocpp_id))
        pick(page, tag, tag)

        async def start_twice() -> None:
            # The card begins a session at the other connector meanwhile: the station's own
            # start for the remote start is refused (ConcurrentTx).
            await station.cp.next_call("RemoteStartTransaction")
            await asyncio.sleep(0.2)
            await station.cp.start_tx(2, tag, 0)
            answer = await station.cp.start_tx(1, tag, 500)
            assert answer.id_tag_info["status"] == "ConcurrentTx"

        done = station.later(start_twice())
        page.get_by_role("button", name="Start session").click()
        done.result(15)
        expect(page.locator("#start-outcome")).to_have_text(
            "The station began a session but Kilowatt refused the card: it is already charging "
            "at another connector",
            timeout=LIVE,
        )
        expect(page.locator("#start-outcome")).to_have_class(re.compile(r"\bbad\b"))

        # Another card, and the station never begins: the page says so when the window closes.
        other = new_token(api)
        pick(page, other, other)
        page.get_by_role("button", name="Start session").click()
        expect(page.locator("#start-outcome")).to_have_text(
            f"Waiting for the session to start (up to {REMOTE_START_WINDOW} s)…"
        )
        expect(page.locator("#start-outcome")).to_have_text(
            f"No session started within {REMOTE_START_WINDOW} s",
            timeout=REMOTE_START_WINDOW * 1000 + LIVE,
        )


def test_the_connector_page_reads_on_a_tablet_without_sideways_scroll(
    tablet: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    site_id = new_site(api, f"Tablet Depot {uuid.uuid4().hex[:6]}")
    tag = new_token(api)
    with live_station(dashboard, api, site_id) as station:
        start_session(station, tag)
        tablet.goto(connector_url(tablet, site_id, station.ocpp_id))
        expect(tablet.locator("#live-power")).to_have_text("7.40")
        width = tablet.evaluate("document.documentElement.scrollWidth")
        assert width <= 768, f"the page scrolls sideways: {width}px wide"


def test_a_limit_set_on_the_connector_page_shows_at_once_in_every_panel(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    site_id = new_site(api, f"Limit here {uuid.uuid4().hex[:6]}")
    with live_station(dashboard, api, site_id) as station:
        page.goto(connector_url(page, site_id, station.ocpp_id))
        expect(page.locator("#power-setting-fact")).to_have_text("No limit")
        page.get_by_label("Limit (kW)").fill("11")
        page.get_by_role("button", name="Set limit").click()
        expect(page.locator("#power-setting")).to_have_text("Limited to 11 kW")
        # the identity panel's fact too, without a reload
        expect(page.locator("#power-setting-fact")).to_have_text("Limited to 11 kW")
        page.get_by_role("button", name="Remove limit").click()
        expect(page.locator("#power-setting-fact")).to_have_text("No limit")
