"""Deleting sites and stations with what they hold, over HTTP: the confirmation counts the
stations, connectors, sessions and faults; nothing goes until the box saying so is ticked;
several sites or stations ticked in the assets lists go together; other roles are refused
and another organization's (or another site's) assets are out of reach."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer
from tests.support.tenants import api_client, created, second_organization
from tests.support.web import Visitor, new_operator


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.api() as client:
        yield client


@pytest.fixture
def visitor(server: RunningServer) -> Iterator[Visitor]:
    admin = new_operator(server, "admin")
    with Visitor(server) as signed_in:
        yield signed_in.sign_in(admin["email"])


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def new_site(api: httpx.Client) -> dict[str, Any]:
    return created(api.post("/sites", json={"name": unique("Removal site")}))


def listed_station(visitor: Visitor, ocpp_id: str) -> bool:
    """Whether the assets list offers the station for ticking, on whichever of its pages it falls
    (a shared test server may hold more stations than one page shows)."""
    url: str | None = "/assets"
    tick = f'name="station" value="{ocpp_id}" form="stations-select"'
    while url:
        text = visitor.client.get(url).text
        if tick in text:
            return True
        more = re.search(r'href="(/assets\?stations_after=[^"#]+)', text)
        url = more.group(1).replace("&amp;", "&") if more else None
    return False


def new_station(api: httpx.Client, site_id: int | None, connectors: int = 2) -> str:
    ocpp_id = unique("CP-RM")
    created(
        api.post(
            "/stations",
            json={
                "ocpp_id": ocpp_id,
                "site_id": site_id,
                "security_profile": 0,
                "connectors": [{"evse_id": n} for n in range(1, connectors + 1)],
            },
        )
    )
    return ocpp_id


async def _charge(server: RunningServer, station: str, tag: str, sessions: int) -> list[int]:
    ids = []
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        await cp.status(1, "Available")
        for n in range(sessions):
            started = await cp.start_tx(1, tag, 1000 * n)
            ids.append(int(started.transaction_id))
            await cp.stop_tx(int(started.transaction_id), 1000 * n + 700)
        await cp.status(2, "Faulted", "GroundFailure")
    return ids


def charge(server: RunningServer, api: httpx.Client, station: str, sessions: int) -> list[int]:
    """``sessions`` finished sessions at the station, and an open fault on its connector 2."""
    tag = unique("TAG")
    created(api.post("/id-tokens", json={"value": tag}))
    return asyncio.run(_charge(server, station, tag, sessions))


def count(html: str, what: str) -> str:
    found = re.search(rf'<li data-count="{what}">([^<]*)</li>', html)
    assert found is not None, html
    return " ".join(found.group(1).split())


def test_a_site_goes_with_its_stations_sessions_and_faults_after_the_counted_confirmation(
    server: RunningServer, api: httpx.Client, visitor: Visitor
) -> None:
    site = new_site(api)
    busy = new_station(api, site["id"], connectors=2)
    idle = new_station(api, site["id"], connectors=1)
    sessions = charge(server, api, busy, 2)
    confirm = visitor.client.get(f"/assets/sites/{site['id']}/delete")
    assert confirm.status_code == 200
    assert count(confirm.text, "stations") == "2 stations, with 3 connectors"
    assert count(confirm.text, "sessions") == "2 charging sessions, with their meter readings"
    assert "1 fault" in confirm.text
    assert "1 still open" in confirm.text
    assert "What accounting keeps stays" in confirm.text  # charge detail records outlive sessions
    assert "deleted for good" in confirm.text
    assert busy in confirm.text
    assert idle in confirm.text
    # Not ticked: nothing goes.
    refused = visitor.post(f"/assets/sites/{site['id']}/delete", {"stations": "2"})
    assert refused.status_code == 409
    assert "Nothing was deleted." in refused.text
    assert api.get(f"/sites/{site['id']}").status_code == 200
    # Counted 1 but it holds 2: the person saw old counts.
    stale = visitor.post(
        f"/assets/sites/{site['id']}/delete", {"with_contents": "on", "stations": "1"}
    )
    assert stale.status_code == 409
    assert "check the counts again" in stale.text
    deleted = visitor.post(
        f"/assets/sites/{site['id']}/delete", {"with_contents": "on", "stations": "2"}
    )
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/assets?notice=site-deleted#sites"
    assert api.get(f"/sites/{site['id']}").status_code == 404
    for station in (busy, idle):
        assert api.get(f"/stations/{station}").status_code == 404
    for transaction_id in sessions:
        assert api.get(f"/transactions/{transaction_id}").status_code == 404
    audit = api.get("/audit", params={"limit": 200}).json()["items"]
    station_entries = [e for e in audit if e["action"] == "station.delete"]
    assert {e["object_id"] for e in station_entries} >= {busy, idle}


def test_an_empty_site_needs_no_box(api: httpx.Client, visitor: Visitor) -> None:
    site = new_site(api)
    confirm = visitor.client.get(f"/assets/sites/{site['id']}/delete")
    assert "It has no stations." in confirm.text
    assert 'name="with_contents"' not in confirm.text
    assert visitor.post(f"/assets/sites/{site['id']}/delete").status_code == 303
    assert api.get(f"/sites/{site['id']}").status_code == 404


def test_sites_ticked_in_the_list_go_together(api: httpx.Client, visitor: Visitor) -> None:
    first, second = new_site(api), new_site(api)
    station = new_station(api, second["id"])
    overview = visitor.client.get("/assets")
    assert f'name="site" value="{first["id"]}" form="sites-select"' in overview.text
    confirm = visitor.client.get(
        "/assets/sites/delete", params=[("site", first["id"]), ("site", second["id"])]
    )
    assert confirm.status_code == 200
    assert "Delete 2 sites?" in confirm.text
    assert count(confirm.text, "stations") == "1 station, with 2 connectors"
    assert count(confirm.text, "sessions").startswith("0 charging sessions")
    data = {"site": [str(first["id"]), str(second["id"])], "stations": "1"}
    assert visitor.post("/assets/sites/delete", data).status_code == 409
    assert api.get(f"/sites/{first['id']}").status_code == 200  # all or nothing
    done = visitor.post("/assets/sites/delete", {**data, "with_contents": "on"})
    assert done.status_code == 303
    assert done.headers["location"] == "/assets?notice=sites-deleted#sites"
    for site in (first, second):
        assert api.get(f"/sites/{site['id']}").status_code == 404
    assert api.get(f"/stations/{station}").status_code == 404
    assert visitor.client.get("/assets/sites/delete").status_code == 400
    assert visitor.client.get("/assets/sites/delete?site=abc").status_code == 400


def test_stations_ticked_in_the_list_go_with_their_sessions_only_when_told(
    server: RunningServer, api: httpx.Client, visitor: Visitor
) -> None:
    site = new_site(api)
    busy, idle = new_station(api, site["id"]), new_station(api, site["id"])
    [session] = charge(server, api, busy, 1)
    assert listed_station(visitor, busy)
    confirm = visitor.client.get("/assets/stations/delete", params=[("station", busy)])
    assert count(confirm.text, "sessions") == "1 charging session, with its meter readings"
    assert 'name="with_sessions"' in confirm.text
    plain = visitor.client.get("/assets/stations/delete", params=[("station", idle)])
    assert 'name="with_sessions"' not in plain.text
    both = {"station": [busy, idle]}
    refused = visitor.post("/assets/stations/delete", both)
    assert refused.status_code == 409
    assert api.get(f"/stations/{idle}").status_code == 200
    done = visitor.post("/assets/stations/delete", {**both, "with_sessions": "on"})
    assert done.status_code == 303
    assert done.headers["location"] == "/assets?notice=stations-deleted#stations"
    assert api.get(f"/stations/{busy}").status_code == 404
    assert api.get(f"/stations/{idle}").status_code == 404
    assert api.get(f"/transactions/{session}").status_code == 404
    assert api.get(f"/sites/{site['id']}").status_code == 200  # the site stays
    assert visitor.client.get("/assets/stations/delete").status_code == 400
    assert visitor.client.get("/assets/stations/delete?station=nope").status_code == 404


def test_a_viewer_may_not_delete(server: RunningServer, api: httpx.Client) -> None:
    site = new_site(api)
    station = new_station(api, site["id"])
    viewer = new_operator(server, "viewer")
    with Visitor(server) as visitor:
        visitor.sign_in(viewer["email"])
        assert 'form="sites-select"' not in visitor.client.get("/assets").text
        for path in (
            f"/assets/sites/{site['id']}/delete",
            f"/assets/sites/delete?site={site['id']}",
            f"/assets/stations/delete?station={station}",
        ):
            assert visitor.client.get(path).status_code == 403, path
        posted = visitor.post("/assets/sites/delete", {"site": site["id"], "with_contents": "1"})
        assert posted.status_code == 403
        assert visitor.post("/assets/stations/delete", {"station": station}).status_code == 403
    assert api.get(f"/sites/{site['id']}").status_code == 200
    assert api.get(f"/stations/{station}").status_code == 200


def test_another_organizations_and_another_sites_assets_are_out_of_reach(
    server: RunningServer, api: httpx.Client
) -> None:
    site = new_site(api)
    station = new_station(api, site["id"])
    other_key = second_organization(server, "Removals")
    with api_client(server, other_key) as other_api:
        their_site = new_site(other_api)
        stranger = created(
            other_api.post(
                "/users",
                json={
                    "email": f"{unique('x')}@example.com",
                    "password": "a-long-enough-password",
                    "role": "admin",
                },
            )
        )
    mine = new_site(api)
    limited = new_operator(server, "operator", site_ids=[mine["id"]])
    for person in (stranger, limited):
        with Visitor(server) as visitor:
            visitor.sign_in(person["email"])
            assert visitor.client.get(f"/assets/sites/{site['id']}/delete").status_code == 404
            assert (
                visitor.client.get(
                    "/assets/stations/delete", params={"station": station}
                ).status_code
                == 404
            )
            for path, data in (
                (f"/assets/sites/{site['id']}/delete", {"with_contents": "on", "stations": "1"}),
                ("/assets/sites/delete", {"site": site["id"], "with_contents": "on"}),
                ("/assets/stations/delete", {"station": station, "with_sessions": "on"}),
            ):
                assert visitor.post(path, data).status_code == 404, (person["email"], path)
    with Visitor(server) as visitor:
        visitor.sign_in(stranger["email"])
        # Their own site with ours: all or nothing, so nothing.
        mixed = visitor.post(
            "/assets/sites/delete", {"site": [their_site["id"], site["id"]], "with_contents": "on"}
        )
        assert mixed.status_code == 404
    with api_client(server, other_key) as other_api:
        assert other_api.get(f"/sites/{their_site['id']}").status_code == 200
    assert api.get(f"/sites/{site['id']}").status_code == 200
    assert api.get(f"/stations/{station}").status_code == 200


def test_a_stations_own_delete_page_leads_to_deleting_it_with_its_sessions(
    server: RunningServer, api: httpx.Client, visitor: Visitor
) -> None:
    site = new_site(api)
    station = new_station(api, site["id"])
    charge(server, api, station, 1)
    confirm = visitor.client.get(f"/assets/stations/{station}/delete")
    assert f'href="/assets/stations/delete?station={station}"' in confirm.text
    refused = visitor.post(f"/assets/stations/{station}/delete")
    assert refused.status_code == 409
    counted = visitor.client.get("/assets/stations/delete", params={"station": station})
    assert count(counted.text, "sessions") == "1 charging session, with its meter readings"
