"""REST API v1 reports, on SQLite and PostgreSQL: today's figures follow sessions that a real
OCPP 1.6 charge point drove through the server (running ones with their energy so far),
yesterday is counted until the same time of day, scopes limit the figures, and the status
counts follow StatusNotification. Each test works in an organization of its own."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support.ocpp16 import charge_point, iso
from tests.support.server import RunningServer
from tests.support.tenants import api_client, created, second_organization

Json = dict[str, Any]


@dataclass
class Network:
    key: str
    helsinki: Json
    london: Json
    station_h: str
    station_l: str
    tag: str


@pytest.fixture
def network(server: RunningServer) -> Network:
    """A fresh organization: a site in Helsinki and one in London, a station with two
    connectors at each, and a token."""
    key = second_organization(server, "Reports")
    suffix = uuid.uuid4().hex[:8].upper()
    with api_client(server, key) as api:
        helsinki = created(
            api.post(
                "/sites",
                json={
                    "name": f"Helsinki {suffix}",
                    "timezone": "Europe/Helsinki",
                    "latitude": 60.17,
                    "longitude": 24.94,
                },
            )
        )
        london = created(
            api.post("/sites", json={"name": f"London {suffix}", "timezone": "Europe/London"})
        )
        stations = []
        for site in (helsinki, london):
            ocpp_id = f"REP-{site['id']}-{suffix}"
            created(
                api.post(
                    "/stations",
                    json={
                        "ocpp_id": ocpp_id,
                        "site_id": site["id"],
                        "connectors": [{"evse_id": 1}, {"evse_id": 2}],
                        "security_profile": 0,
                    },
                )
            )
            stations.append(ocpp_id)
        tag = f"REP{suffix}"
        created(api.post("/id-tokens", json={"value": tag}))
    return Network(key, helsinki, london, stations[0], stations[1], tag)


SITE_ZONE = "Europe/Helsinki"
"""The zone of the site the sessions here are at (a session is counted on its site's day)."""


def summary(server: RunningServer, key: str, **params: str) -> Json:
    with api_client(server, key) as api:
        response = api.get("/reports/summary", params=params)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def eventually(
    read: Callable[[], Json], check: Callable[[Json], bool], timeout: float = 10
) -> Json:
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if check(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


async def charge(
    server: RunningServer, station: str, tag: str, connector: int, wh: int, seconds: int
) -> None:
    """One completed session: started ``seconds`` + 5 s ago, stopped 5 s ago."""
    now = datetime.now(UTC).replace(microsecond=0)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        await cp.status(connector, "Available")
        started = await cp.start_tx(
            connector, tag, 1_000, iso(now - timedelta(seconds=seconds + 5))
        )
        assert started.id_tag_info["status"] == "Accepted"
        await cp.stop_tx(started.transaction_id, 1_000 + wh, iso(now - timedelta(seconds=5)))


def test_a_new_organization_reports_zeros(server: RunningServer, network: Network) -> None:
    body = summary(server, network.key)
    assert body["timezone"] == "Europe/Helsinki"  # its first site's
    assert body["today"] == datetime.now(ZoneInfo("Europe/Helsinki")).date().isoformat()
    for name in ("sessions", "energy_wh", "charging_seconds", "new_drivers"):
        figure = body["figures"][name]
        assert figure["today"] == figure["cumulative"] == 0
        assert figure["day_over_day"] is None
    for name in ("top_ups", "revenue"):
        money = body["figures"][name]
        assert money["currency"] == "EUR"
        assert money["today"] == money["cumulative"] == "0.00"
        assert money["day_over_day"] is None
    assert body["status"]["stations"] == {"total": 2, "online": 0, "offline": 2}
    assert body["status"]["connectors"]["offline"] == 4
    assert body["status"]["connectors"]["total"] == 4
    with api_client(server, network.key) as api:
        monthly = api.get("/reports/monthly", params={"months": 3}).json()
    assert len(monthly["months"]) == 3
    assert monthly["months"][-1]["month"] == body["today"][:7]
    assert monthly["currency"] == "EUR"
    assert all(m["sessions"] == 0 and m["revenue"] == "0.00" for m in monthly["months"])


def test_a_completed_session_counts_today_with_its_energy_and_time(
    server: RunningServer, network: Network
) -> None:
    asyncio.run(charge(server, network.station_h, network.tag, 1, 7_500, 600))
    # Days are the site's own (Helsinki): in its zone, a session just ended is today's (or,
    # just after midnight there, yesterday's) whatever the hour in UTC.
    body = summary(server, network.key, timezone=SITE_ZONE)
    figures = body["figures"]
    started = (datetime.now(UTC) - timedelta(seconds=605)).astimezone(ZoneInfo(SITE_ZONE))
    when = "today" if started.date().isoformat() == body["today"] else "yesterday"
    assert figures["sessions"][when] == 1
    assert figures["energy_wh"][when] == 7_500
    assert figures["charging_seconds"][when] == 600
    for name, value in (("sessions", 1), ("energy_wh", 7_500), ("charging_seconds", 600)):
        assert figures[name]["cumulative"] == value
        assert figures[name]["year"] == value or started.year != int(body["today"][:4])
    with api_client(server, network.key) as api:
        months = api.get("/reports/monthly", params={"timezone": SITE_ZONE}).json()["months"]
    assert len(months) == 12
    assert sum(m["sessions"] for m in months) == 1
    assert sum(m["energy_wh"] for m in months) == 7_500


def test_a_running_session_counts_its_energy_and_time_so_far(
    server: RunningServer, network: Network
) -> None:
    """A car charging since ten minutes ago, its meter read, no stop yet: today is not 0."""
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(minutes=10)

    async def running() -> None:
        async with charge_point(server.ocpp_url, network.station_h) as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.status(2, "Charging")
            started = await cp.start_tx(2, network.tag, 50_000, iso(start))
            assert started.id_tag_info["status"] == "Accepted"
            await cp.meter(2, started.transaction_id, 51_000, iso(now - timedelta(minutes=5)))
            await cp.meter(2, started.transaction_id, 53_200, iso(now - timedelta(minutes=1)))

    asyncio.run(running())
    body = summary(server, network.key, timezone=SITE_ZONE)
    figures = body["figures"]
    local_start = start.astimezone(ZoneInfo(SITE_ZONE))
    when = "today" if local_start.date().isoformat() == body["today"] else "yesterday"
    assert figures["sessions"][when] == 1
    assert figures["energy_wh"][when] == 3_200  # the latest reading less the start
    assert figures["energy_wh"]["cumulative"] == 3_200
    assert figures["energy_wh"]["month"] == 3_200 or local_start.month != int(body["today"][5:7])
    elapsed = (datetime.now(UTC) - start).total_seconds()
    assert 600 <= figures["charging_seconds"][when] <= elapsed + 1
    assert 600 <= figures["charging_seconds"]["cumulative"] <= elapsed + 1
    with api_client(server, network.key) as api:
        months = api.get("/reports/monthly", params={"timezone": SITE_ZONE}).json()["months"]
    assert sum(m["energy_wh"] for m in months) == 3_200


def _zone_at_midday() -> str:
    """A fixed-offset zone where it is now between 08:00 and 16:00: yesterday's sessions
    around this time of day lie whole within yesterday."""
    hour = datetime.now(UTC).hour
    offset = (12 - hour + 12) % 24 - 12  # -12..11 hours ahead of UTC
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"  # POSIX signs are inverted


def test_yesterday_is_counted_until_the_same_time_of_day(
    server: RunningServer, network: Network
) -> None:
    zone = _zone_at_midday()
    with api_client(server, network.key) as api:
        site = created(api.post("/sites", json={"name": f"Noon {zone}", "timezone": zone}))
        station = f"NOON-{site['id']}"
        created(
            api.post(
                "/stations",
                json={
                    "ocpp_id": station,
                    "site_id": site["id"],
                    "connectors": [{"evse_id": 1}],
                    "security_profile": 0,
                },
            )
        )
    cutoff = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    minute = timedelta(minutes=1)
    sessions = [  # (start, stop, Wh) around this time of day, yesterday
        (cutoff - 20 * minute, cutoff - 10 * minute, 2_000),  # before: counts whole
        (cutoff - 10 * minute, cutoff + 10 * minute, 4_000),  # across: half of it
        (cutoff + 10 * minute, cutoff + 20 * minute, 8_000),  # after: not yet
    ]

    async def drive() -> None:
        async with charge_point(server.ocpp_url, station) as cp:
            assert (await cp.boot()).status == "Accepted"
            for start, stop, wh in sessions:
                started = await cp.start_tx(1, network.tag, 1_000, iso(start))
                await cp.stop_tx(started.transaction_id, 1_000 + wh, iso(stop))

    asyncio.run(drive())
    body = summary(server, network.key, timezone=zone)
    figures = body["figures"]
    assert figures["sessions"]["yesterday"] == 2
    # The server's "now" is a few seconds after ours: the session across moves a little.
    assert abs(figures["energy_wh"]["yesterday"] - (2_000 + 2_000)) <= 40
    assert abs(figures["charging_seconds"]["yesterday"] - (600 + 600)) <= 15
    assert figures["sessions"]["cumulative"] == 3
    assert figures["energy_wh"]["cumulative"] == 14_000
    until = datetime.fromisoformat(body["periods"]["previous_day"]["until"])
    assert abs((until - cutoff).total_seconds()) <= 15
    assert (
        body["periods"]["previous_day"]["first"]
        == cutoff.astimezone(ZoneInfo(zone)).date().isoformat()
    )


def test_a_site_limited_key_sees_only_its_sites_figures(
    server: RunningServer, network: Network
) -> None:
    asyncio.run(charge(server, network.station_h, network.tag, 1, 4_000, 300))
    asyncio.run(charge(server, network.station_l, network.tag, 1, 9_000, 900))
    with api_client(server, network.key) as owner:
        created(owner.post("/drivers", json={"email": f"{uuid.uuid4().hex[:8]}@example.com"}))
        limited = created(
            owner.post(
                "/api-keys",
                json={"name": "london", "role": "viewer", "site_ids": [network.london["id"]]},
            )
        )["secret"]
    everything = summary(server, network.key)
    assert everything["figures"]["sessions"]["cumulative"] == 2
    assert everything["figures"]["energy_wh"]["cumulative"] == 13_000
    assert everything["figures"]["new_drivers"]["cumulative"] == 1
    assert everything["figures"]["new_drivers"]["today"] == 1
    london = summary(server, limited)
    assert london["timezone"] == "Europe/London"
    assert london["figures"]["sessions"]["cumulative"] == 1
    assert london["figures"]["energy_wh"]["cumulative"] == 9_000
    assert london["figures"]["charging_seconds"]["cumulative"] == 900
    assert london["figures"]["new_drivers"] is None  # drivers belong to the organization
    assert london["status"]["stations"]["total"] == 1
    assert london["status"]["connectors"]["total"] == 2
    with api_client(server, limited) as api:
        months = api.get("/reports/monthly").json()["months"]
    assert sum(m["energy_wh"] for m in months) == 9_000
    assert all(m["new_drivers"] is None for m in months)


def test_the_status_counts_follow_status_notifications(
    server: RunningServer, network: Network
) -> None:
    def connectors() -> Json:
        counts: Json = summary(server, network.key)["status"]
        return counts

    async def drive() -> None:
        async with charge_point(server.ocpp_url, network.station_h) as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.status(1, "Available")
            await cp.status(2, "Available")
            counts = await asyncio.to_thread(
                eventually, connectors, lambda c: c["connectors"]["available"] == 2
            )
            assert counts["stations"] == {"total": 2, "online": 1, "offline": 1}
            assert counts["connectors"]["offline"] == 2
            await cp.status(1, "Faulted", "GroundFailure")
            await cp.status(2, "SuspendedEV")
            counts = await asyncio.to_thread(
                eventually, connectors, lambda c: c["connectors"]["faulted"] == 1
            )
            assert counts["connectors"]["suspended"] == 1
            assert counts["connectors"]["charging"] == 0
            assert counts["connectors"]["available"] == 0

    asyncio.run(drive())
    counts = eventually(connectors, lambda c: c["stations"]["online"] == 0)
    assert counts["stations"]["offline"] == 2
    assert counts["connectors"]["offline"] == 4  # whatever their last status
    assert counts["connectors"]["faulted"] == 0


def test_bad_report_parameters_are_refused(server: RunningServer, network: Network) -> None:
    with api_client(server, network.key) as api:
        assert api.get("/reports/summary", params={"timezone": "Mars/Olympus"}).status_code == 422
        assert api.get("/reports/monthly", params={"months": 0}).status_code == 422
        assert api.get("/reports/monthly", params={"months": 37}).status_code == 422
    assert httpx.get(f"{server.base_url}/api/v1/reports/summary").status_code == 401


def test_billed_revenue_and_top_ups_are_reported_as_money(
    server: RunningServer, network: Network
) -> None:
    """A 10 kWh session at 0.30 EUR/kWh with 24 % VAT is 3.72 EUR of revenue today and this
    month; a 20.00 top-up is today's top-ups; a key limited to a site sees no top-ups (wallets
    belong to the organization) and only its sites' revenue."""
    with api_client(server, network.key) as api:
        tariff = created(
            api.post(
                "/tariffs",
                json={
                    "name": "Flat energy",
                    "currency": "EUR",
                    "vat": "24",
                    "elements": [{"price_components": [{"type": "ENERGY", "price": "0.30"}]}],
                },
            )
        )
        created(
            api.post(
                "/tariff-assignments",
                json={
                    "tariff_id": tariff["id"],
                    "scope": "site",
                    "scope_id": network.helsinki["id"],
                },
            )
        )
        wallet = created(api.post("/wallets", json={"name": "Fleet", "owner_kind": "account"}))
        topped = api.post(
            f"/wallets/{wallet['id']}/top-ups",
            json={"amount": "20.00"},
            headers={"Idempotency-Key": f"report-{uuid.uuid4().hex}"},
        )
        assert topped.status_code in (200, 201), topped.text
        limited = created(
            api.post(
                "/api-keys",
                json={"name": "london", "role": "viewer", "site_ids": [network.london["id"]]},
            )
        )["secret"]
    asyncio.run(charge(server, network.station_h, network.tag, 1, 10_000, 600))
    body = eventually(
        lambda: summary(server, network.key, timezone="UTC"),
        lambda b: b["figures"]["revenue"]["today"] != "0.00",
    )
    revenue = body["figures"]["revenue"]
    assert (revenue["today"], revenue["month"], revenue["cumulative"]) == ("3.72",) * 3
    top_ups = body["figures"]["top_ups"]
    assert (top_ups["today"], top_ups["year"], top_ups["cumulative"]) == ("20.00",) * 3
    with api_client(server, network.key) as api:
        monthly = api.get("/reports/monthly", params={"months": 2, "timezone": "UTC"}).json()
    assert [m["revenue"] for m in monthly["months"]][-1] == "3.72"
    london = summary(server, limited)
    assert london["figures"]["top_ups"] is None
    assert london["figures"]["revenue"]["cumulative"] == "0.00"
