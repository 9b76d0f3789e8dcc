"""REST API v1 faults: a real OCPP 1.6 station reports a fault, the record appears explained by
the dictionary, and ends when the connector is well again; the dictionary's CRUD."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.conftest import Ids, register_station
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _faults(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/faults", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_station_reporting_a_fault_opens_an_explained_record_that_ends_when_well(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station("FAULT")
    register_station(api, station)
    vendor_code = _unique("E")
    entry = api.post(
        "/fault-codes",
        json={"code": vendor_code, "vendor": "testvendor", "description": "Door open"},
    )
    assert entry.status_code == 201, entry.text

    async def run() -> None:
        async with charge_point(server.ocpp_url, station) as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.status(1, "Available")
            await cp.status(1, "Faulted", "GroundFailure")
            await cp.status(2, "Faulted", "OtherError", vendor_error_code=vendor_code)
            # The same fault reported again is still the one fault.
            await cp.status(2, "Faulted", "OtherError", vendor_error_code=vendor_code)

    asyncio.run(run())
    open_faults = _faults(api, station_id=station, state="open")
    assert [(f["evse_id"], f["error_code"]) for f in open_faults] == [
        (2, "OtherError"),
        (1, "GroundFailure"),
    ]
    ground = open_faults[1]
    assert ground["description"] == "Ground fault: the residual current device tripped."
    assert ground["ended_at"] is None
    assert ground["open"] is True
    # The vendor's own code is explained by the dictionary entry for that vendor.
    assert open_faults[0]["vendor_error_code"] == vendor_code
    assert open_faults[0]["description"] == "Door open"
    assert api.get(f"/faults/{ground['id']}").json() == ground

    async def recover() -> None:
        async with charge_point(server.ocpp_url, station) as cp:
            await cp.status(1, "Available")

    asyncio.run(recover())
    ended = api.get(f"/faults/{ground['id']}").json()
    assert ended["ended_at"] is not None
    assert ended["open"] is False
    assert [f["evse_id"] for f in _faults(api, station_id=station, state="open")] == [2]
    assert [f["id"] for f in _faults(api, station_id=station, state="ended")] == [ground["id"]]
    assert [f["id"] for f in _faults(api, station_id=station, code="GroundFailure")] == [
        ground["id"]
    ]
    assert _faults(api, station_id=station, **{"from": "2999-01-01T00:00:00Z"}) == []


def test_the_dictionary_creates_reads_changes_and_deletes_entries(api: httpx.Client) -> None:
    code = _unique("E")
    made = api.post("/fault-codes", json={"code": code, "description": "Any vendor"})
    assert made.status_code == 201, made.text
    entry = made.json()
    assert entry["vendor"] == ""
    assert entry["code"] == code
    # The same code for the same vendor (without case) is a conflict; another vendor's is not.
    again = api.post("/fault-codes", json={"code": code, "description": "again"})
    assert again.status_code == 409, again.text
    other = api.post(
        "/fault-codes", json={"code": code, "vendor": "ACME", "description": "ACME's"}
    ).json()
    clash = api.post("/fault-codes", json={"code": code, "vendor": " acme ", "description": "x"})
    assert clash.status_code == 409
    listed = api.get("/fault-codes", params={"q": code}).json()["items"]
    assert {e["id"] for e in listed} == {entry["id"], other["id"]}

    changed = api.patch(f"/fault-codes/{entry['id']}", json={"description": "Changed"})
    assert changed.status_code == 200
    assert changed.json()["description"] == "Changed"
    moved = api.patch(f"/fault-codes/{entry['id']}", json={"vendor": "Acme"})
    assert moved.status_code == 409, moved.text
    assert api.patch(f"/fault-codes/{entry['id']}", json={"code": ""}).status_code == 422

    assert api.delete(f"/fault-codes/{entry['id']}").status_code == 204
    assert api.get(f"/fault-codes/{entry['id']}").status_code == 404


def test_bulk_delete_removes_all_or_nothing(api: httpx.Client) -> None:
    made = [
        api.post("/fault-codes", json={"code": _unique("B"), "description": "d"}).json()
        for _ in range(3)
    ]
    ids = [e["id"] for e in made]
    missing = api.post("/fault-codes/delete", json={"ids": [ids[0], 1_999_999_999]})
    assert missing.status_code == 404
    assert api.get(f"/fault-codes/{ids[0]}").status_code == 200
    deleted = api.post("/fault-codes/delete", json={"ids": ids[:2]})
    assert deleted.status_code == 200, deleted.text
    assert [e["id"] for e in deleted.json()["deleted"]] == ids[:2]
    assert [api.get(f"/fault-codes/{i}").status_code for i in ids] == [404, 404, 200]
    assert api.post("/fault-codes/delete", json={"ids": []}).status_code == 422


def test_a_bad_time_range_is_refused(api: httpx.Client) -> None:
    response = api.get(
        "/faults", params={"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
    )
    assert response.status_code == 422, response.text


def test_a_fault_report_that_arrives_after_a_newer_recovery_opens_nothing(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """A station replaying its offline queue late: the connector is well by the newest report,
    so an older Faulted report neither changes its status nor opens a fault."""
    station = ids.station("LATE")
    register_station(api, station)

    async def run() -> None:
        async with charge_point(server.ocpp_url, station) as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.status(1, "Available", timestamp="2026-01-01T12:00:00Z")
            await cp.status(1, "Faulted", "GroundFailure", timestamp="2026-01-01T11:00:00Z")

    asyncio.run(run())
    assert _faults(api, station_id=station) == []
    connector = api.get(f"/stations/{station}").json()["connectors"][0]
    assert (connector["status"], connector["error_code"]) == ("Available", "NoError")
