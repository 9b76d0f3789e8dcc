"""The dashboard's frame over HTTP: security and timing headers, static files from npm, and
the live event stream of a signed-in operator, limited to what the operator may see."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import orjson
import pytest

from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer
from tests.support.tenants import created
from tests.support.web import Visitor, new_operator


def test_pages_carry_a_strict_policy_and_their_server_time(server: RunningServer) -> None:
    operator = new_operator(server)
    with Visitor(server) as visitor:
        visitor.sign_in(operator["email"])
        home = visitor.client.get("/")
    assert home.status_code == 200
    policy = home.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    timing = home.headers["server-timing"]
    assert timing.startswith("app;dur=")
    assert float(timing.split("=", 1)[1]) > 0


def test_the_front_end_libraries_come_from_npm_and_nothing_else_of_node_modules(
    server: RunningServer,
) -> None:
    with httpx.Client(base_url=server.base_url) as client:
        htmx = client.get("/static/vendor/htmx.min.js")
        assert htmx.status_code == 200
        assert "htmx" in htmx.text[:2000]
        assert "max-age" in htmx.headers["cache-control"]
        for vendor in ("chart.umd.min.js", "leaflet.js", "leaflet.css", "htmx-sse.js"):
            assert client.get(f"/static/vendor/{vendor}").status_code == 200, vendor
        for other in (
            "leaflet/package.json",
            "../package.json",
            "htmx.org/dist/htmx.js",
            "%2e%2e/package-lock.json",
        ):
            assert client.get(f"/static/vendor/{other}").status_code == 404, other
        assert client.get("/static/kilowatt.css").status_code == 200
        assert client.get("/static/kilowatt.js").status_code == 200


def test_the_live_stream_wants_a_signed_in_operator(server: RunningServer) -> None:
    with httpx.Client(base_url=server.base_url, follow_redirects=False) as client:
        answer = client.get("/live")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=/live"
        hx = client.get("/live", headers={"HX-Request": "true"})
        assert hx.status_code == 204
        assert hx.headers["hx-redirect"] == "/login?next=/live"


async def _events(
    server: RunningServer, cookies: httpx.Cookies, wanted: int, seen: list[dict[str, Any]]
) -> None:
    """Read connector.status events from /live into ``seen`` until ``wanted`` arrived."""
    async with (
        httpx.AsyncClient(base_url=server.base_url, cookies=cookies, timeout=30) as client,
        client.stream("GET", "/live") as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        topic = ""
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                topic = line.removeprefix("event: ")
            elif line.startswith("data: ") and topic == "connector.status":
                seen.append(orjson.loads(line.removeprefix("data: ")))
                if len(seen) >= wanted:
                    return


@pytest.mark.asyncio
async def test_the_live_stream_shows_a_site_limited_operator_only_its_sites(
    server: RunningServer,
) -> None:
    marker = uuid.uuid4().hex[:8].upper()
    with server.api() as api:
        ours = created(api.post("/sites", json={"name": f"Ours {marker}"}))
        theirs = created(api.post("/sites", json={"name": f"Theirs {marker}"}))
        for site, name in ((ours, "OURS"), (theirs, "THEIRS")):
            created(
                api.post(
                    "/stations",
                    json={
                        "ocpp_id": f"{name}-{marker}",
                        "site_id": site["id"],
                        "security_profile": 0,
                    },
                )
            )
    operator = new_operator(server, "viewer", site_ids=[ours["id"]])
    with Visitor(server) as visitor:
        visitor.sign_in(operator["email"])
        cookies = visitor.client.cookies
    seen: list[dict[str, Any]] = []
    reader = asyncio.create_task(_events(server, cookies, 1, seen))
    await asyncio.sleep(0.5)  # subscribed before the stations speak
    async with (
        charge_point(server.ocpp_url, f"THEIRS-{marker}") as other,
        charge_point(server.ocpp_url, f"OURS-{marker}") as mine,
    ):
        await other.boot()
        await mine.boot()
        await other.status(1, "Faulted", "GroundFailure")
        await mine.status(1, "Charging")
        await asyncio.wait_for(reader, 15)
    stations = {event["station"] for event in seen}
    assert stations == {f"OURS-{marker}"}
    assert seen[0]["status"] == "Charging"
