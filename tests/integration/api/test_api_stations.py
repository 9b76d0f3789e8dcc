"""REST API v1 stations and connectors, checked over HTTP against the running server; the
state that only a connected station can create comes from a real OCPP 1.6 charge point."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from ocpp.v16 import call
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from tests.conftest import Ids, create_token, register_station
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer

T = TypeVar("T")
MISSING_ID = 2_000_000_000


def create_site(api: httpx.Client, name: str) -> dict[str, Any]:
    response = api.post("/sites", json={"name": name})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def identities(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [s["ocpp_id"] for s in response.json()["items"]]


def assert_field_error(response: httpx.Response, error: str, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) - {"reason"} == {"error", "detail", "fields"}  # reason: when named
    assert body["error"] == error
    assert field in body["detail"]
    assert [f["field"] for f in body["fields"]] == [field]
    assert all(f["message"] for f in body["fields"])


def expect_field_error_or_fail(response: httpx.Response, error: str, field: str) -> None:
    """Like ``assert_field_error``, for requests that currently crash the server .

    It fails without a Python traceback on purpose: the server runs in a thread of this
    process and logs the 500's traceback just as the test fails, and CPython 3.11.7 builds
    ASTs for both tracebacks with shared, thread-unsafe recursion bookkeeping
    (python/cpython#106905), which now and then aborts the whole run with INTERNALERROR.
    """
    ok = response.status_code == 422 and response.json().get("error") == error
    if not ok or [f["field"] for f in response.json()["fields"]] != [field]:
        pytest.fail(
            f"expected 422 {error} naming {field!r}, got {response.status_code}: "
            f"{response.text[:200]}",
            pytrace=False,
        )


def expect_a_clean_answer_or_fail(response: httpx.Response, field: str) -> None:
    """A null for an optional text field may clear it (200) or be refused (422 naming the
    field), but never crash; fails without a traceback (see above)."""
    if response.status_code == 200:
        return
    if response.status_code != 422 or [f["field"] for f in response.json()["fields"]] != [field]:
        pytest.fail(
            f"expected 200 or a 422 naming {field!r}, got {response.status_code}: "
            f"{response.text[:200]}",
            pytrace=False,
        )


def expect_status_or_fail(response: httpx.Response, *allowed: int) -> None:
    """For requests that currently crash the server : one of ``allowed``, errors in
    the JSON shape; fails without a traceback (see ``expect_field_error_or_fail``)."""
    ok = response.status_code in allowed
    if ok and response.status_code >= 400:
        ok = response.headers.get("content-type") == "application/json" and {
            "error",
            "detail",
        } <= set(response.json())
    if not ok:
        pytest.fail(
            f"{response.request.method} {response.request.url.path}: expected {allowed}, "
            f"got {response.status_code}: {response.text[:200]}",
            pytrace=False,
        )


async def listed(client: httpx.AsyncClient, params: dict[str, Any]) -> list[str]:
    return identities(await client.get("/stations", params=params))


async def fetch(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def eventually(
    probe: Callable[[], Awaitable[T]], ok: Callable[[T], bool], timeout: float = 10
) -> T:
    """Poll ``probe`` until ``ok`` holds (for what the server writes off the message path)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if ok(value) or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.1)


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """The API for async tests, which must not block the loop their charge point runs on."""
    async with httpx.AsyncClient(
        base_url=f"{server.base_url}/api/v1",
        headers={"Authorization": f"Bearer {server.api_key}"},
        timeout=30,
    ) as client:
        yield client


async def within(awaitable: Awaitable[T], timeout: float = 10) -> T:
    return await asyncio.wait_for(awaitable, timeout)


# Registration --------------------------------------------------------------------------------


def test_register_a_station_with_its_connectors(api: httpx.Client, ids: Ids) -> None:
    site = create_site(api, f"Site {ids.suffix}")
    station = ids.station()
    response = api.post(
        "/stations",
        json={
            "ocpp_id": station,
            "name": "Lobby charger",
            "site_id": site["id"],
            "connectors": [
                {"evse_id": 1, "current_type": "DC", "standard": "CCS2", "max_power_w": 150_000},
                {"evse_id": 2},
            ],
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["ocpp_id"] == station
    assert created["name"] == "Lobby charger"
    assert created["site_id"] == site["id"]
    assert created["registration_status"] == "Accepted"
    assert created["online"] is False
    assert created["protocol_version"] is None
    assert created["last_seen_at"] is None
    assert created["status"] == "Unknown"
    assert created["error_code"] == "NoError"
    assert [
        (c["evse_id"], c["connector_id"], c["current_type"], c["standard"], c["max_power_w"])
        for c in created["connectors"]
    ] == [(1, 1, "DC", "CCS2", 150_000), (2, 1, "AC", "Type2", None)]
    assert {c["status"] for c in created["connectors"]} == {"Unknown"}
    assert {c["status_at"] for c in created["connectors"]} == {None}

    fetched = api.get(f"/stations/{station}")
    assert fetched.status_code == 200
    shown_once = {"username", "password", "authorization_key"}
    assert fetched.json() == {k: v for k, v in created.items() if k not in shown_once}


async def test_a_new_station_is_secure_by_default(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    """Without a security_profile a new station gets profile 1 and a password, in the 201
    answer only; it is refused without it and let in with it. Profile 0 only when asked."""
    secure, open_ = ids.station("SEC"), ids.station("OPEN")
    response = await aapi.post("/stations", json={"ocpp_id": secure})
    assert response.status_code == 201, response.text
    created = response.json()
    password = created["password"]
    assert (created["security_profile"], created["has_password"]) == (1, True)
    assert (created["username"], len(password)) == (secure, 20)
    assert password.isalnum()
    assert created["authorization_key"] == password.encode().hex()
    fetched = (await aapi.get(f"/stations/{secure}")).json()
    assert "password" not in fetched
    assert password not in str(fetched)
    audit = (await aapi.get("/audit", params={"object_id": secure})).json()["items"]
    assert audit[0]["changes"]["security_profile"] == 1
    assert audit[0]["changes"]["issued"] == "password"
    assert password not in str(audit)

    url = f"{server.ocpp_url}/{secure}"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, subprotocols=[Subprotocol("ocpp1.6")], open_timeout=10):
            pass
    assert refused.value.response.status_code == 401
    basic = "Basic " + base64.b64encode(f"{secure}:{password}".encode()).decode()
    async with connect(
        url,
        subprotocols=[Subprotocol("ocpp1.6")],
        additional_headers={"Authorization": basic},
        open_timeout=10,
    ) as websocket:
        await websocket.send(
            '[2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]'
        )
        assert '"Accepted"' in str(await asyncio.wait_for(websocket.recv(), 10))

    explicit = await aapi.post("/stations", json={"ocpp_id": open_, "security_profile": 0})
    assert explicit.status_code == 201, explicit.text
    body = explicit.json()
    assert (body["security_profile"], body["password"], body["has_password"]) == (0, None, False)
    async with connect(
        f"{server.ocpp_url}/{open_}", subprotocols=[Subprotocol("ocpp1.6")], open_timeout=10
    ):
        pass
    certificate = await aapi.post(
        "/stations", json={"ocpp_id": ids.station("CERT"), "security_profile": 3}
    )
    assert (certificate.json()["security_profile"], certificate.json()["password"]) == (3, None)

    schema = (await aapi.get(f"{server.base_url}/api/openapi.json")).json()
    field = schema["components"]["schemas"]["StationIn"]["properties"]["security_profile"]
    assert (field["default"], field["minimum"], field["maximum"]) == (1, 0, 3)
    assert "explicitly" in field["description"]


def test_register_without_connectors_or_site(api: httpx.Client, ids: Ids) -> None:
    station = ids.station("BARE")
    created = api.post("/stations", json={"ocpp_id": station, "registration_status": "Pending"})
    assert created.status_code == 201
    body = created.json()
    assert (body["site_id"], body["name"], body["connectors"]) == (None, "", [])
    assert body["registration_status"] == "Pending"


def test_every_allowed_identity_character_round_trips(api: httpx.Client, ids: Ids) -> None:
    station = f"a.b_c-d~e*f+g@h=i{ids.suffix}"
    register_station(api, station)
    fetched = api.get(f"/stations/{station}")
    assert fetched.status_code == 200
    assert fetched.json()["ocpp_id"] == station
    assert identities(api.get("/stations", params={"q": f"h=i{ids.suffix}"})) == [station]


def test_a_duplicate_identity_is_409(api: httpx.Client, ids: Ids) -> None:
    station = ids.station()
    register_station(api, station, connectors=1)
    again = api.post("/stations", json={"ocpp_id": station, "name": "second"})
    assert again.status_code == 409
    body = again.json()
    assert body == {"error": "conflict", "detail": body["detail"]}
    assert station in body["detail"]
    assert api.get(f"/stations/{station}").json()["name"] == ""


@pytest.mark.parametrize(
    ("ocpp_id", "error"),
    [
        ("CP 1", "invalid_input"),
        (" CP1", "invalid_input"),
        ("CP:1", "invalid_input"),
        ("CP/1", "invalid_input"),
        ("CPä1", "invalid_input"),
        ("C" * 49, "validation_error"),
        ("", "validation_error"),
    ],
)
def test_an_invalid_identity_is_422(api: httpx.Client, ocpp_id: str, error: str) -> None:
    response = api.post("/stations", json={"ocpp_id": ocpp_id, "connectors": [{"evse_id": 1}]})
    assert_field_error(response, error, "ocpp_id")


def test_a_48_character_identity_is_accepted(api: httpx.Client, ids: Ids) -> None:
    station = ids.station("L").ljust(48, "x")
    assert len(station) == 48
    register_station(api, station)
    assert api.get(f"/stations/{station}").status_code == 200


@pytest.mark.parametrize("ocpp_id", [".", ".."])
def test_a_dot_segment_identity_is_422(api: httpx.Client, ocpp_id: str) -> None:
    response = api.post("/stations", json={"ocpp_id": ocpp_id})
    if response.status_code == 201:
        # Registered (the bug): remove it again from the shared server, which takes a
        # percent-encoded path.
        encoded = ocpp_id.replace(".", "%2E")
        url = api.base_url.copy_with(
            raw_path=f"{api.base_url.raw_path.decode()}stations/{encoded}".encode()
        )
        assert api.delete(url).status_code == 204
    assert_field_error(response, "invalid_input", "ocpp_id")


@pytest.mark.parametrize(
    ("body", "error", "field"),
    [
        ({"site_id": MISSING_ID}, "invalid_input", "site_id"),
        ({"registration_status": "Maybe"}, "validation_error", "registration_status"),
        ({"connectors": [{"evse_id": 1}, {"evse_id": 1}]}, "invalid_input", "connectors"),
        ({"connectors": [{"evse_id": 0}]}, "validation_error", "connectors.0.evse_id"),
        ({"connectors": [{"evse_id": 1, "max_power_w": 0}]}, "validation_error", "max_power_w"),
        (
            {"connectors": [{"evse_id": 1, "current_type": "3P"}]},
            "validation_error",
            "current_type",
        ),
        ({"vendor": "ACME"}, "validation_error", "vendor"),
        ({"security_profile": 4}, "validation_error", "security_profile"),
        ({"security_profile": "none"}, "validation_error", "security_profile"),
    ],
)
def test_register_refuses_bad_input_and_creates_nothing(
    api: httpx.Client, ids: Ids, body: dict[str, Any], error: str, field: str
) -> None:
    station = ids.station()
    response = api.post("/stations", json={"ocpp_id": station, **body})
    assert response.status_code == 422, response.text
    found = response.json()
    assert found["error"] == error
    assert len(found["fields"]) == 1
    assert found["fields"][0]["field"].endswith(field)
    assert api.get(f"/stations/{station}").status_code == 404


# Listing -------------------------------------------------------------------------------------


async def test_list_filters_by_site_online_status_and_q(
    server: RunningServer, api: httpx.Client, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site = create_site(api, f"Filter {ids.suffix}")
    other_site = create_site(api, f"Other {ids.suffix}")
    accepted = ids.station("ACC")
    pending = ids.station("PEN")
    rejected = ids.station("REJ")
    register_station(api, accepted, site_id=site["id"], name="Garage north")
    register_station(
        api, pending, site_id=site["id"], name="Garage south", registration_status="Pending"
    )
    register_station(
        api, rejected, site_id=other_site["id"], name="Yard", registration_status="Rejected"
    )
    mine = {"q": ids.suffix}

    assert await listed(aapi, mine) == [accepted, pending, rejected]
    assert await listed(aapi, {"site_id": site["id"]}) == [accepted, pending]
    assert await listed(aapi, {"site_id": other_site["id"]}) == [rejected]
    assert await listed(aapi, {"site_id": MISSING_ID}) == []
    for status, expected in (("Accepted", accepted), ("Pending", pending), ("Rejected", rejected)):
        params = {**mine, "registration_status": status}
        assert await listed(aapi, params) == [expected]
    assert await listed(aapi, {"q": f"pen-{ids.suffix.lower()}"}) == [pending]
    garage = {"q": "garage", "site_id": site["id"]}
    assert await listed(aapi, garage) == [accepted, pending]
    assert await listed(aapi, {**mine, "online": "false"}) == [
        accepted,
        pending,
        rejected,
    ]
    assert await listed(aapi, {**mine, "online": "true"}) == []

    async with charge_point(server.ocpp_url, accepted) as cp:
        assert (await cp.boot()).status == "Accepted"
        assert await listed(aapi, {**mine, "online": "true"}) == [accepted]
        assert await listed(aapi, {**mine, "online": "false"}) == [
            pending,
            rejected,
        ]
        detail = (await aapi.get(f"/stations/{accepted}")).json()
        assert detail["online"] is True
        assert detail["protocol_version"] == "1.6"
        assert detail["vendor"] == "TestVendor"
        assert detail["model"] == "TestModel"
        assert detail["serial_number"] == "SN-1"

    offline = await eventually(
        lambda: listed(aapi, {**mine, "online": "true"}),
        lambda found: found == [],
    )
    assert offline == []
    assert (await aapi.get(f"/stations/{accepted}")).json()["online"] is False


def test_q_treats_underscore_literally(api: httpx.Client, ids: Ids) -> None:
    wanted = f"CP_{ids.suffix}"
    register_station(api, wanted, connectors=0)
    register_station(api, f"CPX{ids.suffix}", connectors=0)
    assert identities(api.get("/stations", params={"q": wanted})) == [wanted]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"registration_status": "Maybe"}, "query.registration_status"),
        ({"online": "perhaps"}, "query.online"),
        ({"site_id": "north"}, "query.site_id"),
        ({"limit": 0}, "query.limit"),
    ],
)
def test_list_refuses_bad_filters(api: httpx.Client, params: dict[str, Any], field: str) -> None:
    response = api.get("/stations", params=params)
    assert_field_error(response, "validation_error", field)


def test_list_pages_with_limit_and_next_cursor(api: httpx.Client, ids: Ids) -> None:
    made = [ids.station(f"PG{n}") for n in range(5)]
    for station in made:
        register_station(api, station, connectors=0)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"q": ids.suffix, "limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        page = api.get("/stations", params=params).json()
        pages += 1
        assert len(page["items"]) == (2 if pages < 3 else 1)
        seen.extend(s["ocpp_id"] for s in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, int)
    assert pages == 3
    assert seen == made


@pytest.mark.parametrize("big", [2**31, 2**63])
def test_numbers_beyond_the_database_range_never_crash(
    request: pytest.FixtureRequest, server: RunningServer, api: httpx.Client, ids: Ids, big: int
) -> None:
    expect_status_or_fail(api.get("/stations", params={"site_id": big}), 200, 422)
    expect_status_or_fail(api.get("/stations", params={"cursor": big}), 200, 422)
    refused = api.post("/stations", json={"ocpp_id": ids.station("NOSITE"), "site_id": big})
    expect_status_or_fail(refused, 422)
    station = ids.station()
    register_station(api, station, connectors=1)
    base = f"/stations/{station}/connectors"
    expect_status_or_fail(api.post(base, json={"evse_id": big}), 201, 422)
    expect_status_or_fail(api.post(base, json={"evse_id": 2, "max_power_w": big}), 201, 422)
    expect_status_or_fail(api.patch(f"{base}/1/1", json={"max_power_w": big}), 200, 422)


# Changing ------------------------------------------------------------------------------------


def test_patch_name_site_and_registration_status(api: httpx.Client, ids: Ids) -> None:
    first = create_site(api, f"First {ids.suffix}")
    second = create_site(api, f"Second {ids.suffix}")
    station = ids.station()
    registered = register_station(api, station, connectors=1, site_id=first["id"])

    response = api.patch(
        f"/stations/{station}",
        json={"name": "Renamed", "site_id": second["id"], "registration_status": "Rejected"},
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["name"] == "Renamed"
    assert changed["site_id"] == second["id"]
    assert changed["registration_status"] == "Rejected"
    assert changed["ocpp_id"] == station
    assert changed["connectors"] == registered["connectors"]
    assert api.get(f"/stations/{station}").json() == changed
    assert identities(api.get("/stations", params={"site_id": second["id"]})) == [station]
    assert identities(api.get("/stations", params={"site_id": first["id"]})) == []

    unassigned = api.patch(f"/stations/{station}", json={"site_id": None})
    assert unassigned.status_code == 200
    assert unassigned.json()["site_id"] is None
    assert unassigned.json()["name"] == "Renamed"


@pytest.mark.parametrize(
    ("body", "error", "field"),
    [
        ({"site_id": MISSING_ID}, "invalid_input", "site_id"),
        ({"registration_status": "Maybe"}, "validation_error", "registration_status"),
        ({"ocpp_id": "NEW-ID"}, "validation_error", "ocpp_id"),
        ({"online": True}, "validation_error", "online"),
        ({"name": "x" * 201}, "validation_error", "name"),
    ],
)
def test_patch_refuses_bad_input_and_changes_nothing(
    api: httpx.Client, ids: Ids, body: dict[str, Any], error: str, field: str
) -> None:
    station = ids.station()
    before = register_station(api, station, connectors=1, name="Kept")
    response = api.patch(f"/stations/{station}", json=body)
    assert_field_error(response, error, field)
    assert api.get(f"/stations/{station}").json() == before


def test_patch_with_null_registration_status_is_422(api: httpx.Client, ids: Ids) -> None:
    station = ids.station()
    register_station(api, station, connectors=1)
    response = api.patch(f"/stations/{station}", json={"registration_status": None})
    expect_field_error_or_fail(response, "validation_error", "registration_status")


def test_patch_with_null_name_never_crashes(api: httpx.Client, ids: Ids) -> None:
    station = ids.station()
    register_station(api, station, connectors=1, name="Named")
    response = api.patch(f"/stations/{station}", json={"name": None})
    expect_a_clean_answer_or_fail(response, "name")
    if response.status_code == 200:
        assert response.json()["name"] == ""


async def test_accepting_a_pending_station_asks_it_to_boot_again(
    server: RunningServer, api: httpx.Client, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station, connectors=1, registration_status="Pending")
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Pending"
        accepted = await aapi.patch(
            f"/stations/{station}", json={"registration_status": "Accepted"}
        )
        assert accepted.status_code == 200
        trigger = await cp.wait_for_call("TriggerMessage")
        assert trigger == {"requestedMessage": "BootNotification"}
        assert (await cp.boot()).status == "Accepted"
        rejected = await aapi.patch(
            f"/stations/{station}", json={"registration_status": "Rejected"}
        )
        assert rejected.status_code == 200
        assert (await cp.boot()).status == "Rejected"


# Connectors ----------------------------------------------------------------------------------


def test_connectors_list_add_patch_delete(api: httpx.Client, ids: Ids) -> None:
    station = ids.station()
    register_station(api, station, connectors=2)
    base = f"/stations/{station}/connectors"

    listed = api.get(base)
    assert listed.status_code == 200
    assert [(c["evse_id"], c["connector_id"]) for c in listed.json()] == [(1, 1), (2, 1)]

    added = api.post(
        base,
        json={
            "evse_id": 3,
            "connector_id": 2,
            "current_type": "DC",
            "standard": "CHAdeMO",
            "max_power_w": 50_000,
        },
    )
    assert added.status_code == 201, added.text
    assert added.json() == {
        "evse_id": 3,
        "connector_id": 2,
        "current_type": "DC",
        "standard": "CHAdeMO",
        "max_power_w": 50_000,
        "state": "offline",  # its station is not connected
        "status": "Unknown",
        "error_code": "NoError",
        "info": "",
        "vendor_id": "",
        "vendor_error_code": "",
        "status_at": None,
    }
    duplicate = api.post(base, json={"evse_id": 3, "connector_id": 2})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == "conflict"
    assert "EVSE 3 connector 2" in duplicate.json()["detail"]

    patched = api.patch(f"{base}/1/1", json={"max_power_w": 11_000, "current_type": "DC"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["max_power_w"] == 11_000
    assert patched.json()["current_type"] == "DC"
    assert patched.json()["standard"] == "Type2"
    standard = api.patch(f"{base}/1/1", json={"standard": "CCS2"})
    assert standard.json()["standard"] == "CCS2"
    assert standard.json()["max_power_w"] == 11_000
    unlimited = api.patch(f"{base}/1/1", json={"max_power_w": None})
    assert unlimited.status_code == 200
    assert unlimited.json()["max_power_w"] is None

    assert api.delete(f"{base}/2/1").status_code == 204
    after = api.get(f"/stations/{station}").json()["connectors"]
    assert [(c["evse_id"], c["connector_id"], c["current_type"], c["standard"]) for c in after] == [
        (1, 1, "DC", "CCS2"),
        (3, 2, "DC", "CHAdeMO"),
    ]
    assert api.delete(f"{base}/2/1").status_code == 404


def test_unknown_connectors_and_stations_are_404(api: httpx.Client, ids: Ids) -> None:
    station = ids.station()
    register_station(api, station, connectors=1)
    missing = ids.station("NONE")
    cases = [
        ("PATCH", f"/stations/{station}/connectors/9/1", {"max_power_w": 1000}),
        ("PATCH", f"/stations/{station}/connectors/1/2", {"max_power_w": 1000}),
        ("DELETE", f"/stations/{station}/connectors/9/1", None),
        ("GET", f"/stations/{missing}", None),
        ("PATCH", f"/stations/{missing}", {"name": "x"}),
        ("DELETE", f"/stations/{missing}", None),
        ("GET", f"/stations/{missing}/connectors", None),
        ("POST", f"/stations/{missing}/connectors", {"evse_id": 1}),
        ("PATCH", f"/stations/{missing}/connectors/1/1", {"max_power_w": 1000}),
        ("DELETE", f"/stations/{missing}/connectors/1/1", None),
        ("GET", f"/stations/{missing}/events", None),
        ("GET", f"/stations/{missing}/messages", None),
        ("GET", f"/stations/{missing}/connectors/1/1/history", None),
    ]
    for method, path, body in cases:
        response = api.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        found = response.json()
        assert found["error"] == "not_found", (method, path)
        assert set(found) - {"reason"} == {"error", "detail"}
    detail = api.get(f"/stations/{missing}").json()["detail"]
    assert detail == f"station {missing} not found"
    connector = api.delete(f"/stations/{station}/connectors/9/1").json()["detail"]
    assert connector == f"connector {station}/9/1 not found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_power_w": 0}, "max_power_w"),
        ({"max_power_w": -1}, "max_power_w"),
        ({"current_type": "3P"}, "current_type"),
        ({"evse_id": 4}, "evse_id"),
        ({"standard": "x" * 21}, "standard"),
    ],
)
def test_connector_patch_refuses_bad_input(
    api: httpx.Client, ids: Ids, body: dict[str, Any], field: str
) -> None:
    station = ids.station()
    before = register_station(api, station, connectors=1)
    response = api.patch(f"/stations/{station}/connectors/1/1", json=body)
    assert_field_error(response, "validation_error", field)
    assert api.get(f"/stations/{station}/connectors").json() == before["connectors"]


@pytest.mark.parametrize("field", ["current_type", "standard"])
def test_connector_patch_with_null_for_a_required_field_is_422(
    api: httpx.Client, ids: Ids, field: str
) -> None:
    station = ids.station()
    register_station(api, station, connectors=1)
    response = api.patch(f"/stations/{station}/connectors/1/1", json={field: None})
    expect_field_error_or_fail(response, "validation_error", field)


def test_add_connector_refuses_bad_input(api: httpx.Client, ids: Ids) -> None:
    station = ids.station()
    register_station(api, station, connectors=1)
    base = f"/stations/{station}/connectors"
    assert_field_error(api.post(base, json={"evse_id": 0}), "validation_error", "evse_id")
    assert_field_error(
        api.post(base, json={"evse_id": 2, "connector_id": 0}), "validation_error", "connector_id"
    )
    assert_field_error(api.post(base, json={}), "validation_error", "evse_id")
    assert len(api.get(base).json()) == 1


async def test_connector_status_from_the_station_shows_in_the_api(
    server: RunningServer, api: httpx.Client, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station, connectors=2)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        await cp.status(1, "Preparing", timestamp="2026-01-05T08:00:00Z")
        await cp.status(1, "Faulted", "GroundFailure", timestamp="2026-01-05T08:05:00Z")
        await cp.status(2, "Available", timestamp="2026-01-05T08:00:00Z")
    connectors = (await aapi.get(f"/stations/{station}/connectors")).json()
    assert [(c["evse_id"], c["status"], c["error_code"]) for c in connectors] == [
        (1, "Faulted", "GroundFailure"),
        (2, "Available", "NoError"),
    ]
    assert connectors[0]["status_at"] == "2026-01-05T08:05:00Z"
    history = await aapi.get(f"/stations/{station}/connectors/1/1/history", params={"limit": 1})
    assert history.status_code == 200
    page = history.json()
    assert [(h["status"], h["error_code"]) for h in page["items"]] == [("Faulted", "GroundFailure")]
    assert page["next_cursor"] is not None
    rest = (
        await aapi.get(
            f"/stations/{station}/connectors/1/1/history", params={"cursor": page["next_cursor"]}
        )
    ).json()
    assert [h["status"] for h in rest["items"]] == ["Preparing"]
    assert rest["next_cursor"] is None


# Deleting ------------------------------------------------------------------------------------


def test_delete_a_station_without_transactions(api: httpx.Client, ids: Ids) -> None:
    station = ids.station()
    register_station(api, station, connectors=2)
    deleted = api.delete(f"/stations/{station}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    gone = api.get(f"/stations/{station}")
    assert gone.status_code == 404
    assert gone.json() == {"error": "not_found", "detail": f"station {station} not found"}
    assert api.get(f"/stations/{station}/connectors").status_code == 404
    assert api.delete(f"/stations/{station}").status_code == 404
    assert identities(api.get("/stations", params={"q": station})) == []
    # The identity is free again.
    again = register_station(api, station, connectors=1)
    assert [c["evse_id"] for c in again["connectors"]] == [1]


async def test_delete_a_connected_station_with_history_but_no_transactions(
    server: RunningServer, api: httpx.Client, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station, connectors=1)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        await cp.status(1, "Available")
        await cp.meter(1, None, 5_000)
        deleted = await aapi.delete(f"/stations/{station}")
        assert deleted.status_code == 204, deleted.text
        # The operator removed it: the server closes its socket.
        await within(cp._connection.wait_closed())
        assert cp._connection.close_code == 1008
        assert cp._connection.close_reason == "station removed by an operator"
    assert (await aapi.get(f"/stations/{station}")).status_code == 404


async def test_a_station_with_a_transaction_cannot_be_deleted(
    server: RunningServer, api: httpx.Client, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station, connectors=1)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        started = await cp.start_tx(1, tag, 1_000)
        assert started.id_tag_info["status"] == "Accepted"
        await cp.stop_tx(started.transaction_id, 2_000)

    refused = await aapi.delete(f"/stations/{station}")
    assert refused.status_code == 409
    body = refused.json()
    assert body == {"error": "conflict", "detail": body["detail"]}
    assert station in body["detail"]
    assert "1 transaction" in body["detail"]
    assert "Rejected" in body["detail"]
    assert (await aapi.get(f"/stations/{station}")).status_code == 200
    assert (await aapi.get(f"/transactions/{started.transaction_id}")).status_code == 200
    decommissioned = await aapi.patch(
        f"/stations/{station}", json={"registration_status": "Rejected"}
    )
    assert decommissioned.status_code == 200
    assert (await aapi.delete(f"/stations/{station}")).status_code == 409


# Events and the message log ------------------------------------------------------------------


async def test_events_and_messages_of_a_station_are_pages(
    server: RunningServer, api: httpx.Client, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station, connectors=1)
    empty = await aapi.get(f"/stations/{station}/messages")
    assert empty.status_code == 200
    assert empty.json() == {"items": [], "next_cursor": None}
    assert (await aapi.get(f"/stations/{station}/events")).json() == {
        "items": [],
        "next_cursor": None,
    }

    async with charge_point(server.ocpp_url, station) as cp:
        boot = await cp.boot()
        await cp.call(call.Heartbeat())

    events = await eventually(
        lambda: fetch(aapi, f"/stations/{station}/events"),
        lambda page: [e["kind"] for e in page["items"]] == ["disconnected", "boot", "connected"],
    )
    assert [e["kind"] for e in events["items"]] == ["disconnected", "boot", "connected"]
    assert events["next_cursor"] is None
    boot_event = events["items"][1]
    assert boot_event["severity"] == "info"
    assert boot_event["data"]["vendor"] == "TestVendor"
    assert boot_event["data"]["status"] == "Accepted"
    only_boot = await fetch(aapi, f"/stations/{station}/events", kind="boot")
    assert [e["id"] for e in only_boot["items"]] == [boot_event["id"]]
    first = await fetch(aapi, f"/stations/{station}/events", limit=2)
    assert [e["kind"] for e in first["items"]] == ["disconnected", "boot"]
    rest = await fetch(aapi, f"/stations/{station}/events", limit=2, cursor=first["next_cursor"])
    assert [e["kind"] for e in rest["items"]] == ["connected"]
    assert rest["next_cursor"] is None

    messages = await eventually(
        lambda: fetch(aapi, f"/stations/{station}/messages"),
        lambda page: len(page["items"]) >= 4,
    )
    frames = [(m["action"], m["direction"], m["message_type"]) for m in messages["items"]]
    assert frames == [
        ("Heartbeat", "out", 3),
        ("Heartbeat", "in", 2),
        ("BootNotification", "out", 3),
        ("BootNotification", "in", 2),
    ]
    boot_call = messages["items"][3]
    assert boot_call["frame"][0] == 2
    assert boot_call["frame"][2] == "BootNotification"
    assert boot_call["frame"][3]["chargePointVendor"] == "TestVendor"
    boot_result = messages["items"][2]
    assert boot_result["unique_id"] == boot_call["unique_id"]
    assert boot_result["frame"][2]["status"] == "Accepted"
    assert boot_result["frame"][2]["interval"] == boot.interval

    incoming = await fetch(aapi, f"/stations/{station}/messages", direction="in")
    assert [m["action"] for m in incoming["items"]] == ["Heartbeat", "BootNotification"]
    log = f"/stations/{station}/messages"
    by_action = await fetch(aapi, log, action="BootNotification", limit=1)
    assert [m["direction"] for m in by_action["items"]] == ["out"]
    older = await fetch(
        aapi, log, action="BootNotification", limit=1, cursor=by_action["next_cursor"]
    )
    assert [m["direction"] for m in older["items"]] == ["in"]
    assert older["next_cursor"] is None
    future = await fetch(aapi, log, since="2999-01-01T00:00:00Z")
    assert future["items"] == []
    naive = await aapi.get(log, params={"since": "2026-01-01T00:00:00"})
    assert_field_error(naive, "validation_error", "query.since")
