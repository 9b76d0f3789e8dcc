"""Every page of the dashboard in Chromium, on a laptop (1440x900) and a phone (390x844): no
console error, no sideways scrolling of the page, and no serious or critical accessibility
violation found by axe-core (npm ``axe-core``, injected into each page before its own scripts,
so the page's Content-Security-Policy is not loosened for it).

The pages are the known ones of a small network (a site, a station that charged once and
faulted once, a driver) and whatever the pages link to: a page added later is visited through
the navigation without this file changing. Links of the same shape (``/stations/*``) are
visited once. One browser context per size, pages in a loop."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import create_token, register_station
from tests.e2e.conftest import Operator, Problems, sign_in
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"laptop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
MOST_PAGES = 45
"""Page shapes visited at most (the dashboard has about 30)."""
SKIPPED = re.compile(
    r"^/(logout|live|static/|files/|api/(?!docs$))|\.(xlsx|csv|pdf|zip|json|txt)$|/export"
)
"""Not pages: the sign-out, the event stream, files and downloads, the API's JSON."""
SERIOUS = ("serious", "critical")
NOT_OURS = {"/api/docs"}
"""Pages whose markup is a library's: console and width are still checked, axe is not. Swagger
UI at /api/docs, measured with this axe-core at both sizes, has serious violations of its own:
color-contrast (its version stamp, the spec's URL, grey texts: about 25 nodes) and
nested-interactive (each operation's summary is a button holding buttons: one per operation)."""


@dataclass
class World:
    site_id: int
    station: str
    session_id: int
    driver_email: str


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def _charge_and_fault(server: RunningServer, station: str, tag: str) -> int:
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(minutes=30)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        await cp.status(1, "Available")
        await cp.status(2, "Available")
        started = await cp.start_tx(1, tag, 1_000_000, iso(start))
        for minute in (5, 10, 15, 20):
            await cp.meter(
                1,
                started.transaction_id,
                1_000_000 + minute * 200,
                iso(start + timedelta(minutes=minute)),
            )
        await cp.stop_tx(started.transaction_id, 1_004_321, iso(start + timedelta(minutes=25)))
        await cp.status(2, "Faulted", "GroundFailure")
        return int(started.transaction_id)


@pytest.fixture(scope="module")
def world(dashboard: RunningServer) -> World:
    marker = uuid.uuid4().hex[:8].upper()
    station = f"EVERY-{marker}"
    email = f"every-{marker.lower()}@example.test"
    with dashboard.api() as api:
        site = api.post(
            "/sites",
            json={
                "name": f"Södermalm Every {marker}",
                "timezone": "Europe/Stockholm",
                "city": "Stockholm",
                "latitude": 59.315,
                "longitude": 18.07,
            },
        )
        assert site.status_code == 201, site.text
        site_id = site.json()["id"]
        register_station(api, station, site_id=site_id, name=f"Every page {marker}")
        driver = api.post("/drivers", json={"email": email, "name": f"Åsa Every {marker}"})
        assert driver.status_code == 201, driver.text
        tag = f"EV{marker}"
        create_token(api, tag, driver_id=driver.json()["id"])
    with ThreadPoolExecutor(1) as pool:
        session = pool.submit(asyncio.run, _charge_and_fault(dashboard, station, tag)).result(60)
    return World(site_id, station, session, email)


def known_pages(world: World) -> list[str]:
    station = world.station
    return [
        "/",
        "/sites",
        f"/sites/{world.site_id}",
        "/stations",
        f"/stations/{station}",
        f"/connectors/{station}/1/1",
        f"/connectors/{station}/2/1",
        "/sessions",
        f"/sessions/{world.session_id}",
        "/faults",
        "/faults/codes",
        "/assets",
        "/assets/import",
        "/assets/sites/new",
        f"/assets/sites/{world.site_id}/edit",
        f"/assets/sites/{world.site_id}/delete",
        "/assets/stations/new",
        f"/assets/stations/{station}",
        f"/assets/stations/{station}/edit",
        f"/assets/stations/{station}/delete",
        "/account/two-factor",
        "/jump?q=sodermalm",
        "/api/docs",
    ]


def shape(path: str) -> str:
    """A path with its ids as ``*``: ``/stations/EVERY-1A/…`` and ``/stations/X/…`` are one."""
    parts = urlsplit(path).path.split("/")
    return "/".join("*" if re.search(r"[0-9A-Z%]", part) else part for part in parts)


@dataclass
class Finding:
    path: str
    what: str


def settled(page: Page) -> None:
    """Wait until no htmx request is in flight: an element waiting for its panel is dimmed
    (.htmx-request), and axe would judge the dimmed text's contrast (a site page's load panel,
    fetched as the page loads, on a busy machine)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=15_000)


def axe_violations(page: Page) -> list[str]:
    found = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {
                resultTypes: ["violations"],
                preload: false,
                runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
            }));
        }"""
    )
    return [
        f"axe {v['impact']} {v['id']}: {v['help']} at {json.dumps(v['nodes'])}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def links(page: Page) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]", "elements => elements.map((a) => a.getAttribute('href'))"
    )
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if SKIPPED.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def visit_all(page: Page, problems: Problems, start: list[str], width: int) -> list[Finding]:
    findings: list[Finding] = []
    queue = list(start)
    seen: set[str] = set()
    while queue and len(seen) < MOST_PAGES:
        path = queue.pop(0)
        if shape(path) in seen:
            continue
        seen.add(shape(path))
        problems.messages.clear()
        # generous: /api/docs loads Swagger UI's 1.5 MB bundle, slow on a busy machine
        response = page.goto(path, wait_until="load", timeout=60_000)
        assert response is not None
        if response.status != 200:
            findings.append(Finding(path, f"answered {response.status}"))
            continue
        page.wait_for_timeout(200)  # the page's scripts draw their charts and maps
        settled(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            findings.append(Finding(path, f"the page scrolls sideways: {scroll}px wide"))
        if urlsplit(path).path not in NOT_OURS:
            findings += [Finding(path, message) for message in axe_violations(page)]
        findings += [Finding(path, message) for message in problems.messages]
        queue += [link for link in links(page) if shape(link) not in seen]
    assert len(seen) >= 15, f"only {len(seen)} pages reached: {sorted(seen)}"
    return findings


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def sized(
    request: pytest.FixtureRequest, browser: Browser, dashboard: RunningServer
) -> Iterator[tuple[Page, Problems, int]]:
    viewport = SIZES[request.param]
    context = browser.new_context(viewport=viewport, base_url=dashboard.base_url)
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = Problems()
    page.on("response", problems.response)
    page.on("console", problems.console)
    page.on("pageerror", problems.thrown)
    try:
        yield page, problems, viewport["width"]
    finally:
        context.close()


@pytest.mark.timeout(300)
def test_every_page_reads_well_with_no_error_and_no_serious_accessibility_problem(
    sized: tuple[Page, Problems, int], dashboard: RunningServer, admin: Operator, world: World
) -> None:
    assert AXE.is_file(), "axe-core is missing from node_modules: run `make install` (npm ci)"
    page, problems, width = sized
    page.goto("/login")
    page.wait_for_timeout(100)
    signed_out = [Finding("/login", m) for m in axe_violations(page) + problems.messages]
    if page.evaluate("document.documentElement.scrollWidth") > width:
        signed_out.append(Finding("/login", "the page scrolls sideways"))
    sign_in(page, dashboard, admin)
    findings = signed_out + visit_all(page, problems, known_pages(world), width)
    assert not findings, "\n".join(f"{f.path}: {f.what}" for f in findings)
