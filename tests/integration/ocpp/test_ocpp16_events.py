"""OCPP 1.6 reports a station makes about itself (boot, status, faults, firmware, diagnostics,
vendor data, security events) and the raw message log, all seen through the REST API."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from ocpp.v16 import call

from tests.conftest import Ids, register_station
from tests.support.ocpp16 import charge_point, exchange, iso, raw_socket
from tests.support.server import RunningServer


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {result!r})")
        await asyncio.sleep(0.1)


def events(api: httpx.Client, station: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"/stations/{station}/events", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def messages(api: httpx.Client, station: str, **params: Any) -> dict[str, Any]:
    response = api.get(f"/stations/{station}/messages", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def logged(api: httpx.Client, station: str, count: int) -> list[dict[str, Any]]:
    """The station's logged frames once at least ``count`` have been written (in batches)."""

    def enough() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = messages(api, station)["items"]
        return items if len(items) >= count else []

    items: list[dict[str, Any]] = await eventually(enough)
    return items


def connectors(api: httpx.Client, station: str) -> list[dict[str, Any]]:
    response = api.get(f"/stations/{station}/connectors")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


# Boot --------------------------------------------------------------------------------------


async def test_boot_notification_is_stored_on_the_station(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    before = datetime.now(UTC) - timedelta(seconds=5)
    async with charge_point(server.ocpp_url, station) as cp:
        boot = await cp.call(
            call.BootNotification(
                charge_point_vendor="Kempower",
                charge_point_model="S-Series",
                charge_point_serial_number="KP-0042",
                charge_box_serial_number="BOX-7",
                firmware_version="4.2.1",
                iccid="8935800000000000001",
                imsi="244050000000001",
                meter_type="Eastron SDM630",
                meter_serial_number="MTR-99",
            ),
            suppress=False,
        )
    assert boot.status == "Accepted"
    assert abs(parse(boot.current_time) - datetime.now(UTC)) < timedelta(minutes=1)
    detail = api.get(f"/stations/{station}").json()
    assert detail["vendor"] == "Kempower"
    assert detail["model"] == "S-Series"
    assert detail["serial_number"] == "KP-0042"
    assert detail["firmware_version"] == "4.2.1"
    assert detail["iccid"] == "8935800000000000001"
    assert detail["imsi"] == "244050000000001"
    assert detail["meter_type"] == "Eastron SDM630"
    assert detail["meter_serial_number"] == "MTR-99"
    assert detail["protocol_version"] == "1.6"
    assert parse(detail["last_boot_at"]) > before
    boots = events(api, station, kind="boot")
    assert len(boots) == 1
    assert boots[0]["data"]["vendor"] == "Kempower"
    assert boots[0]["data"]["status"] == "Accepted"


async def test_reboot_overwrites_what_the_station_said_before(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        await cp.call(
            call.BootNotification(
                charge_point_vendor="TestVendor",
                charge_point_model="TestModel",
                charge_box_serial_number="BOX-ONLY",
                firmware_version="1.2.4",
            ),
            suppress=False,
        )
    detail = api.get(f"/stations/{station}").json()
    assert detail["firmware_version"] == "1.2.4"
    assert detail["serial_number"] == "BOX-ONLY"
    assert len(events(api, station, kind="boot")) == 2


# Status and faults -------------------------------------------------------------------------


async def test_faulted_connector_shows_error_and_raises_an_event(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    at = iso()
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.status(2, "Available", timestamp=iso(datetime.now(UTC) - timedelta(minutes=5)))
        fault = {
            "timestamp": at,
            "info": "RCD tripped",
            "vendor_id": "ACME",
            "vendor_error_code": "E42",
        }
        await cp.status(2, "Faulted", "GroundFailure", **fault)
        # The same fault reported again is not a second fault.
        await cp.status(2, "Faulted", "GroundFailure", **fault)
    two = next(c for c in connectors(api, station) if c["evse_id"] == 2)
    assert two["status"] == "Faulted"
    assert two["error_code"] == "GroundFailure"
    assert two["info"] == "RCD tripped"
    assert two["vendor_id"] == "ACME"
    assert two["vendor_error_code"] == "E42"
    assert parse(two["status_at"]) == parse(at)
    one = next(c for c in connectors(api, station) if c["evse_id"] == 1)
    assert one["status"] == "Unknown"

    faults = events(api, station, kind="connector_fault")
    assert len(faults) == 1
    raised = faults[0]
    assert raised["severity"] == "error"
    assert parse(raised["timestamp"]) == parse(at)
    assert raised["data"]["evse_id"] == 2
    assert raised["data"]["connector_id"] == 1
    assert raised["data"]["error_code"] == "GroundFailure"
    assert raised["data"]["vendor_error_code"] == "E42"
    assert raised["data"]["info"] == "RCD tripped"
    assert "GroundFailure" in raised["message"]


async def test_connector_0_status_goes_on_the_station(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.status(0, "Unavailable")
        detail = api.get(f"/stations/{station}").json()
        assert detail["status"] == "Unavailable"
        assert detail["error_code"] == "NoError"
        await cp.status(0, "Faulted", error="PowerMeterFailure")
    detail = api.get(f"/stations/{station}").json()
    assert detail["status"] == "Faulted"
    assert detail["error_code"] == "PowerMeterFailure"
    # No connector 0 appears: connector 0 is the whole station.
    assert sorted(c["evse_id"] for c in detail["connectors"]) == [1, 2]
    assert all(c["status"] == "Unknown" for c in detail["connectors"])


async def test_status_for_an_unknown_connector_creates_it(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station, connectors=1)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.status(3, "Preparing")
        await cp.status(3, "Charging")
    found = connectors(api, station)
    assert [(c["evse_id"], c["connector_id"]) for c in found] == [(1, 1), (3, 1)]
    three = found[1]
    assert three["status"] == "Charging"
    assert three["error_code"] == "NoError"
    history = api.get(f"/stations/{station}/connectors/3/1/history").json()["items"]
    assert sorted(h["status"] for h in history) == ["Charging", "Preparing"]


# Other reports -----------------------------------------------------------------------------


async def test_data_transfer_is_answered_unknown_vendor_and_kept(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point(server.ocpp_url, station) as cp:
        answer = await cp.call(
            call.DataTransfer(vendor_id="com.acme", message_id="Temp", data='{"c": 41}'),
            suppress=False,
        )
        bare = await cp.call(call.DataTransfer(vendor_id="org.other"), suppress=False)
    assert answer.status == "UnknownVendorId"
    assert answer.data is None
    assert bare.status == "UnknownVendorId"
    transfers = events(api, station, kind="data_transfer")
    assert [e["data"] for e in transfers] == [
        {"vendor_id": "org.other", "message_id": None, "data": None},
        {"vendor_id": "com.acme", "message_id": "Temp", "data": '{"c": 41}'},
    ]


async def test_firmware_and_diagnostics_status_go_on_the_station(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.call(call.FirmwareStatusNotification(status="Downloading"), suppress=False)
        await cp.call(call.FirmwareStatusNotification(status="Installed"), suppress=False)
        await cp.call(call.DiagnosticsStatusNotification(status="Uploading"), suppress=False)
        await cp.call(call.DiagnosticsStatusNotification(status="UploadFailed"), suppress=False)
    detail = api.get(f"/stations/{station}").json()
    assert detail["firmware_status"] == "Installed"
    assert detail["diagnostics_status"] == "UploadFailed"
    firmware = events(api, station, kind="firmware_status")
    assert [e["data"]["status"] for e in firmware] == ["Installed", "Downloading"]
    diagnostics = events(api, station, kind="diagnostics_status")
    assert [e["data"]["status"] for e in diagnostics] == ["UploadFailed", "Uploading"]


async def test_security_event_notification_becomes_a_security_event(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    at = "2026-01-20T06:30:00Z"
    async with charge_point(server.ocpp_url, station) as cp:
        answer = await cp.call(
            call.SecurityEventNotification(
                type="InvalidFirmwareSignature", timestamp=at, tech_info="sha256 mismatch"
            ),
            suppress=False,
        )
        await cp.call(
            call.SecurityEventNotification(
                type="SettingSystemTime", timestamp=iso(), tech_info=None
            ),
            suppress=False,
        )
    assert answer is not None
    found = events(api, station, kind="security")
    assert len(found) == 2
    invalid = next(e for e in found if e["data"]["type"] == "InvalidFirmwareSignature")
    assert invalid["data"]["tech_info"] == "sha256 mismatch"
    assert invalid["severity"] == "warning"
    assert invalid["timestamp"] == at
    assert "InvalidFirmwareSignature" in invalid["message"]


# Message log -------------------------------------------------------------------------------


async def test_message_log_records_frames_in_and_out(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.call(
            call.BootNotification(charge_point_vendor="LogV", charge_point_model="LogM"),
            unique_id="boot-log-1",
            suppress=False,
        )
        heartbeat = await cp.call(call.Heartbeat(), unique_id="hb-log-1", suppress=False)
        await cp.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
            unique_id="st-log-1",
            suppress=False,
        )

    items = await logged(api, station, 6)
    assert len(items) == 6
    # Newest first: the status answer, the status call, ..., the boot call.
    assert [(m["direction"], m["action"], m["unique_id"]) for m in items] == [
        ("out", "StatusNotification", "st-log-1"),
        ("in", "StatusNotification", "st-log-1"),
        ("out", "Heartbeat", "hb-log-1"),
        ("in", "Heartbeat", "hb-log-1"),
        ("out", "BootNotification", "boot-log-1"),
        ("in", "BootNotification", "boot-log-1"),
    ]
    assert [m["message_type"] for m in items] == [3, 2, 3, 2, 3, 2]
    assert [m["id"] for m in items] == sorted((m["id"] for m in items), reverse=True)
    by_key = {(m["direction"], m["action"]): m for m in items}
    assert by_key[("in", "BootNotification")]["frame"] == [
        2,
        "boot-log-1",
        "BootNotification",
        {"chargePointVendor": "LogV", "chargePointModel": "LogM"},
    ]
    assert by_key[("out", "Heartbeat")]["frame"] == [
        3,
        "hb-log-1",
        {"currentTime": heartbeat.current_time},
    ]
    assert by_key[("out", "StatusNotification")]["frame"] == [3, "st-log-1", {}]

    incoming = messages(api, station, direction="in")["items"]
    assert [m["action"] for m in incoming] == [
        "StatusNotification",
        "Heartbeat",
        "BootNotification",
    ]
    assert {m["direction"] for m in incoming} == {"in"}
    outgoing = messages(api, station, direction="out", action="Heartbeat")["items"]
    assert [(m["direction"], m["unique_id"]) for m in outgoing] == [("out", "hb-log-1")]
    assert messages(api, station, action="Authorize")["items"] == []

    first = messages(api, station, limit=4)
    assert [m["id"] for m in first["items"]] == [m["id"] for m in items[:4]]
    assert first["next_cursor"] == items[3]["id"]
    rest = messages(api, station, limit=4, cursor=first["next_cursor"])
    assert [m["id"] for m in rest["items"]] == [m["id"] for m in items[4:]]
    assert rest["next_cursor"] is None

    bad = api.get(f"/stations/{station}/messages", params={"direction": "sideways"})
    assert bad.status_code == 422
    assert api.get(f"/stations/{ids.station('NOSUCH')}/messages").status_code == 404


async def test_message_log_keeps_bad_frames_and_their_errors(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with raw_socket(server.ocpp_url, station) as ws:
        await exchange(ws, "definitely { not json")
        await exchange(ws, json.dumps([2, "nope-1", "Nope", {}]))
    items = await logged(api, station, 4)
    assert len(items) == 4
    rows = [(m["direction"], m["message_type"], m["unique_id"]) for m in items]
    assert rows == [
        ("out", 4, "nope-1"),
        ("in", 2, "nope-1"),
        ("out", 4, "-1"),
        ("in", 2, "-1"),
    ]
    # Text that is not JSON is kept verbatim.
    assert items[3]["frame"] == "definitely { not json"
    assert items[2]["frame"][:3] == [4, "-1", "FormationViolation"]
    assert items[0]["frame"][:3] == [4, "nope-1", "NotImplemented"]
    assert items[1]["action"] == "Nope"
