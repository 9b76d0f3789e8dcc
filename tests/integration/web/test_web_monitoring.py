"""Site monitoring and the connector page over HTTP, with real OCPP 1.6 stations: figures,
fuzzy site search, power limits (SetChargingProfile / ClearChargingProfile reach the station),
remote commands, validation (422, nothing sent) and who may see and do what."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import Ids
from tests.support.commands import async_api, online16, online201, token
from tests.support.server import RunningServer
from tests.support.tenants import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Visitor:
    """A signed-in dashboard user over async HTTP (a blocking client would stall the station)."""

    def __init__(self, server: RunningServer) -> None:
        self.client = httpx.AsyncClient(
            base_url=server.base_url, follow_redirects=False, timeout=60
        )
        self.csrf = ""

    async def sign_in(self, email: str) -> Visitor:
        form = await self.client.get("/login")
        found = CSRF.search(form.text)
        assert found is not None
        answer = await self.client.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": found.group(1)}
        )
        assert answer.status_code == 303, answer.text
        home = await self.client.get("/")
        token_ = CSRF.search(home.text)
        assert token_ is not None
        self.csrf = token_.group(1)
        return self

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params)

    async def post(self, path: str, data: Any) -> httpx.Response:
        """A form post (``data``: a dict, or pairs for repeated fields) with the CSRF token."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        return await self.client.post(
            path,
            content=urlencode([("csrf_token", self.csrf), *pairs]),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def operator(aapi: httpx.AsyncClient, role: str, **fields: Any) -> str:
    email = f"mon-{role}-{uuid.uuid4().hex[:8]}@example.com"
    response = await aapi.post(
        "/users", json={"email": email, "password": PASSWORD, "role": role, **fields}
    )
    assert response.status_code == 201, response.text
    return email


async def visitor(
    server: RunningServer, aapi: httpx.AsyncClient, role: str, **fields: Any
) -> Visitor:
    return await Visitor(server).sign_in(await operator(aapi, role, **fields))


async def new_site(aapi: httpx.AsyncClient, name: str) -> int:
    response = await aapi.post("/sites", json={"name": name, "timezone": "Europe/Helsinki"})
    assert response.status_code == 201, response.text
    site_id: int = response.json()["id"]
    return site_id


async def place(aapi: httpx.AsyncClient, station: str, site_id: int) -> None:
    response = await aapi.patch(f"/stations/{station}", json={"site_id": site_id})
    assert response.status_code == 200, response.text


async def selection_keys(who: Visitor, site_id: int) -> list[str]:
    """The values of the site page's connector checkboxes (what its power form posts)."""
    page = await who.get(f"/sites/{site_id}")
    return re.findall(r'name="connector" value="([^"]+)"', page.text)


async def number_of(who: Visitor, site_id: int, station: str) -> str:
    """The station's key in connector URLs (its OCPP identity), as the site page links it."""
    page = await who.get(f"/sites/{site_id}")
    found = re.search(r'href="/connectors/([^/"]+)/\d+/\d+">' + re.escape(station) + "/", page.text)
    assert found is not None, page.text
    return found.group(1)


def connector_row(html: str, label: str) -> str:
    """The table row of the connector ``label`` (station/evse/connector)."""
    rows = [chunk.split("</tr>")[0] for chunk in html.split("<tr ")[1:]]
    found = [row for row in rows if f">{label}</a>" in row]
    assert len(found) == 1, f"no single row for {label}"
    return found[0]


async def test_the_site_page_shows_figures_statuses_and_the_connectors(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    site_id = await new_site(aapi, f"Depot {ids.suffix}")
    await token(aapi, tag)
    admin = await visitor(server, aapi, "admin")
    async with online16(server, aapi, station) as cp:
        await place(aapi, station, site_id)
        await cp.status(1, "Available")
        await cp.status(2, "Available")
        first = await cp.start_tx(1, tag, 1000)
        await cp.stop_tx(first.transaction_id, 6000)
        second = await cp.start_tx(1, tag, 6000)
        await cp.stop_tx(second.transaction_id, 8500)
        running = await cp.start_tx(2, tag, 0)
        await cp.status(2, "Charging")

        page = await admin.get(f"/sites/{site_id}")
        assert page.status_code == 200, page.text
        html = page.text
        assert f"Depot {ids.suffix}" in html
        assert re.search(r'id="figure-ac">2<', html)
        assert re.search(r'id="figure-dc">0<', html)
        assert re.search(r'id="figure-in-use">1<', html)
        assert re.search(r'id="figure-sessions">3<', html)
        assert re.search(r'id="figure-largest">5.0 kWh<', html)
        assert re.search(r'id="figure-smallest">2.5 kWh<', html)
        assert 'data-state="charging"' in html
        assert "status-charging" in connector_row(html, f"{station}/2/1")
        assert "status-available" in connector_row(html, f"{station}/1/1")
        assert "/connectors/" in html

        # The connector list is searchable by id, state and power.
        charging = await admin.get(f"/sites/{site_id}", state="charging")
        assert f"{station}/2/1" in charging.text
        assert f"{station}/1/1</a>" not in charging.text
        by_id = await admin.get(f"/sites/{site_id}", q=f"{station}/1")
        assert f"{station}/1/1</a>" in by_id.text
        assert f"{station}/2/1</a>" not in by_id.text
        powerful = await admin.get(f"/sites/{site_id}", min_kw="50")
        assert f"{station}/1/1</a>" not in powerful.text
        wrong = await admin.get(f"/sites/{site_id}", min_kw="lots")
        assert wrong.status_code == 422
        assert 'id="f-min_kw-error"' in wrong.text

        # The connector page: identity, figures, the running session and its readings.
        station_id = await number_of(admin, site_id, station)
        await cp.meter(2, running.transaction_id, 1500)
        connector = await admin.get(f"/connectors/{station_id}/2/1")
        assert connector.status_code == 200, connector.text
        assert f"/sessions/{running.transaction_id}" in connector.text
        assert re.search(r'id="live-power"[^>]*>7.40<', connector.text)
        assert re.search(r'id="live-energy"[^>]*>1.50<', connector.text)
        assert re.search(r'id="total-sessions">1<', connector.text)
        assert re.search(r'id="total-energy">1.5 kWh<', connector.text)  # the running one so far
        first_connector = await admin.get(f"/connectors/{station_id}/1/1")
        assert re.search(r'id="total-energy">7.5 kWh<', first_connector.text)
        assert re.search(r'id="today-sessions">2<', first_connector.text)
        assert station_id == station  # stations are named by their identity, as in the API
        assert f'action="/connectors/{station_id}/1/1/power"' in first_connector.text
        missing = await admin.get(f"/connectors/{station_id}/9/1")
        assert missing.status_code == 404
        missing = await admin.get("/connectors/NO-SUCH-STATION/1/1")
        assert missing.status_code == 404
    await admin.client.aclose()


async def test_fuzzy_site_search_finds_a_site_by_some_of_its_letters(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await new_site(aapi, f"Harbour Garage {ids.suffix}")
    other = await new_site(aapi, f"Mountain View {ids.suffix}")
    admin = await visitor(server, aapi, "admin")
    found = await admin.get("/sites", q="hrbr")
    assert found.status_code == 200
    assert f'href="/sites/{site_id}"' in found.text
    assert f'href="/sites/{other}"' not in found.text
    everything = await admin.get("/sites")
    assert f'href="/sites/{other}"' in everything.text
    await admin.client.aclose()


async def test_a_user_limited_to_one_site_sees_only_that_site(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    mine = await new_site(aapi, f"Mine {ids.suffix}")
    theirs = await new_site(aapi, f"Theirs {ids.suffix}")
    viewer = await visitor(server, aapi, "viewer", site_ids=[mine])
    listing = await viewer.get("/sites")
    assert f'href="/sites/{mine}"' in listing.text
    assert f'href="/sites/{theirs}"' not in listing.text
    assert (await viewer.get(f"/sites/{theirs}")).status_code == 404
    page = await viewer.get(f"/sites/{mine}")
    assert page.status_code == 200
    assert "Set limit" not in page.text  # a viewer may not send commands
    refused = await viewer.post(f"/sites/{mine}/power", {"action": "clear"})
    assert refused.status_code == 403
    await viewer.client.aclose()


async def test_power_limits_reach_the_station_and_show_as_the_setting(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    site_id = await new_site(aapi, f"Limits {ids.suffix}")
    admin = await visitor(server, aapi, "admin")
    async with online16(server, aapi, station) as cp:
        await place(aapi, station, site_id)
        await cp.status(1, "Available")
        await cp.status(2, "Available")
        station_id = await number_of(admin, site_id, station)
        keys = await selection_keys(admin, site_id)
        assert len(keys) == 2

        # Bad input: an error beside the field, nothing sent.
        bad = await admin.post(
            f"/sites/{site_id}/power",
            [("action", "set"), ("limit_kw", "-3"), *(("connector", k) for k in keys)],
        )
        assert bad.status_code == 422
        assert 'id="f-limit_kw-error"' in bad.text
        none = await admin.post(f"/sites/{site_id}/power", {"action": "set", "limit_kw": "7"})
        assert none.status_code == 422
        assert 'id="connectors-error"' in none.text
        assert not [c for c in cp.calls if c[0] == "SetChargingProfile"]

        answer = await admin.post(
            f"/sites/{site_id}/power",
            [("action", "set"), ("limit_kw", "7.4"), *(("connector", k) for k in keys)],
        )
        assert answer.status_code == 200, answer.text
        sent = [payload for action, payload in cp.calls if action == "SetChargingProfile"]
        assert sorted(p["connectorId"] for p in sent) == [1, 2]
        for payload in sent:
            profile = payload["csChargingProfiles"]
            assert profile["chargingProfilePurpose"] == "TxDefaultProfile"
            assert profile["chargingSchedule"]["chargingRateUnit"] == "W"
            assert profile["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 7400.0
        assert answer.text.count('data-result="accepted"') == 2
        assert "Limited to 7.4 kW" in connector_row(answer.text, f"{station}/1/1")
        assert "Limited to 7.4 kW" in connector_row(answer.text, f"{station}/2/1")

        # The station refuses on EVSE 2's removal: reported per connector.
        cp.answers["ClearChargingProfile"] = ["Accepted", "Unknown"]
        cleared = await admin.post(
            f"/sites/{site_id}/power", [("action", "clear"), *(("connector", k) for k in keys)]
        )
        assert cleared.status_code == 200
        clears = [payload for action, payload in cp.calls if action == "ClearChargingProfile"]
        assert len(clears) == 2
        assert 'data-result="rejected"' in cleared.text
        assert 'data-result="accepted"' in cleared.text
        rows = [connector_row(cleared.text, f"{station}/{n}/1") for n in (1, 2)]
        assert sum("Limited to 7.4 kW" in row for row in rows) == 1
        assert sum("No limit" in row for row in rows) == 1

        # The connector page shows (and sets) the same setting.
        page = await admin.post(
            f"/connectors/{station_id}/1/1/power", {"action": "set", "limit_kw": "11"}
        )
        assert page.status_code == 200
        assert re.search(r'id="power-setting">Limited to 11 kW<', page.text)
    await admin.client.aclose()


async def test_remote_commands_from_the_connector_page(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    site_id = await new_site(aapi, f"Commands {ids.suffix}")
    await token(aapi, tag)
    technician = await visitor(server, aapi, "technician")
    async with online16(server, aapi, station) as cp:
        await place(aapi, station, site_id)
        await cp.status(1, "Available")
        station_id = await number_of(technician, site_id, station)
        base = f"/connectors/{station_id}/1/1/commands"

        empty = await technician.post(f"{base}/remote-start", {"id_tag": ""})
        assert empty.status_code == 422
        assert 'id="f-id_tag-error"' in empty.text
        no_session = await technician.post(f"{base}/remote-stop", {})
        assert no_session.status_code == 422
        assert 'id="stop-error"' in no_session.text
        assert not [c for c in cp.calls if c[0].startswith("Remote")]

        started = await technician.post(f"{base}/remote-start", {"id_tag": tag})
        assert started.status_code == 200
        assert (await cp.next_call("RemoteStartTransaction")) == {"idTag": tag, "connectorId": 1}
        assert 'data-outcome="accepted"' in started.text
        answer = await cp.start_tx(1, tag, 0)

        stopped = await technician.post(f"{base}/remote-stop", {})
        assert stopped.status_code == 200
        request = await cp.next_call("RemoteStopTransaction")
        assert request == {"transactionId": answer.transaction_id}

        cp.answers["UnlockConnector"] = "UnlockFailed"
        unlocked = await technician.post(f"{base}/unlock", {})
        assert (await cp.next_call("UnlockConnector")) == {"connectorId": 1}
        assert 'data-outcome="rejected"' in unlocked.text

        asked = await technician.post(f"{base}/reset", {"type": "hard"})
        assert 'id="confirm-command"' in asked.text
        assert not [c for c in cp.calls if c[0] == "Reset"]
        reset = await technician.post(f"{base}/reset", {"type": "hard", "confirm": "yes"})
        assert (await cp.next_call("Reset")) == {"type": "Hard"}
        assert 'data-outcome="accepted"' in reset.text

        off = await technician.post(
            f"{base}/availability", {"operative": "inoperative", "confirm": "yes"}
        )
        assert (await cp.next_call("ChangeAvailability")) == {
            "connectorId": 1,
            "type": "Inoperative",
        }
        assert off.status_code == 200
        bad = await technician.post(f"{base}/availability", {"operative": "maybe"})
        assert bad.status_code == 422
    viewer = await visitor(server, aapi, "viewer")
    page = await viewer.get(f"/connectors/{station_id}/1/1")
    assert page.status_code == 200
    assert "Stop session" not in page.text
    assert (await viewer.post(f"{base}/unlock", {})).status_code == 403
    await technician.client.aclose()
    await viewer.client.aclose()


async def test_a_power_limit_on_a_201_station_uses_its_own_profile_shape(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station("CS")
    site_id = await new_site(aapi, f"Twenty {ids.suffix}")
    admin = await visitor(server, aapi, "operator")
    async with online201(server, aapi, station) as cs:
        await place(aapi, station, site_id)
        station_id = await number_of(admin, site_id, station)
        answer = await admin.post(
            f"/connectors/{station_id}/1/1/power", {"action": "set", "limit_kw": "22"}
        )
        assert answer.status_code == 200, answer.text
        request = await cs.next_call("SetChargingProfile")
        assert request["evseId"] == 1
        profile = request["chargingProfile"]
        assert profile["chargingProfilePurpose"] == "TxDefaultProfile"
        assert profile["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] == 22000.0
        assert 'data-result="accepted"' in answer.text
        assert re.search(r'id="power-setting">Limited to 22 kW<', answer.text)
        removed = await admin.post(f"/connectors/{station_id}/1/1/power", {"action": "clear"})
        assert (await cs.next_call("ClearChargingProfile"))["chargingProfileId"] == 7101
        assert re.search(r'id="power-setting"><span class="muted">No limit<', removed.text)
    await admin.client.aclose()


async def test_open_faults_show_on_the_site_and_the_connector_page(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    site_id = await new_site(aapi, f"Faults {ids.suffix}")
    admin = await visitor(server, aapi, "admin")
    async with online16(server, aapi, station) as cp:
        await place(aapi, station, site_id)
        await cp.status(1, "Available")
        await cp.status(2, "Faulted", error="GroundFailure")
        station_id = await number_of(admin, site_id, station)
        site = await admin.get(f"/sites/{site_id}")
        assert 'id="faults"' in site.text
        assert "Ground failure" in site.text.split('id="faults"')[1]
        faulted = await admin.get(f"/connectors/{station_id}/2/1")
        assert "Ground failure" in faulted.text.split('id="faults-title"')[1]
        explained = "Ground fault: the residual current device tripped."
        assert explained in faulted.text.split('id="faults-title"')[1]
        assert re.search(r'id="error-code" data-code="GroundFailure">Ground failure<', faulted.text)
        assert ">GroundFailure<" not in site.text + faulted.text
        healthy = await admin.get(f"/connectors/{station_id}/1/1")
        assert 'id="no-faults"' in healthy.text
    await admin.client.aclose()
