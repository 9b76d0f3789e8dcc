"""Every message an OCPP 2.0.1 charging station sends, through a real WebSocket: each gets a
schema-valid CALLRESULT (the ``ocpp`` client validates every answer against the official
schema and raises on a CALLERROR), and what it says is stored where the REST API shows it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from ocpp.v201 import call, call_result

from tests.conftest import Ids, register_station
from tests.support.ocpp201 import TestChargePoint201, charge_point201, iso
from tests.support.server import RunningServer

# Helpers -----------------------------------------------------------------------------------


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
    response = api.get(f"/stations/{station}/events", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def one_event(api: httpx.Client, station: str, kind: str) -> dict[str, Any]:
    found = events(api, station, kind=kind)
    assert len(found) == 1, found
    return found[0]


def station_detail(api: httpx.Client, station: str) -> dict[str, Any]:
    response = api.get(f"/stations/{station}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def connector_status(api: httpx.Client, station: str) -> dict[tuple[int, int], str]:
    return {
        (c["evse_id"], c["connector_id"]): c["status"]
        for c in station_detail(api, station)["connectors"]
    }


def device_model(api: httpx.Client, station: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"/stations/{station}/device-model", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def logged_answers(api: httpx.Client, station: str, action: str) -> list[Any]:
    """The frames the CSMS sent in answer to ``action`` (the log is written in batches)."""
    response = api.get(
        f"/stations/{station}/messages", params={"action": action, "direction": "out"}
    )
    assert response.status_code == 200, response.text
    return [m["frame"] for m in response.json()["items"]]


# Realistic, schema-valid payloads ----------------------------------------------------------

NOW = datetime.now(UTC).replace(microsecond=0)
SCHEDULE = {
    "id": 1,
    "startSchedule": iso(NOW),
    "duration": 3600,
    "chargingRateUnit": "W",
    "chargingSchedulePeriod": [
        {"startPeriod": 0, "limit": 11000.0, "numberPhases": 3},
        {"startPeriod": 1800, "limit": 7400.0, "numberPhases": 3},
    ],
}
CSR = (
    "-----BEGIN CERTIFICATE REQUEST-----\n"
    "MIIBVjCB/QIBADBvMQswCQYDVQQGEwJGSTEQMA4GA1UECgwHS2lsb3dhdHQxGjAY\n"
    "-----END CERTIFICATE REQUEST-----\n"
)

# Every action a charging station initiates in OCPP 2.0.1, with a realistic payload.
STATION_ACTIONS: dict[str, dict[str, Any]] = {
    "BootNotification": {
        "reason": "PowerUp",
        "chargingStation": {"vendorName": "Alfen", "model": "Eve Double", "serialNumber": "A1"},
    },
    "Heartbeat": {},
    "StatusNotification": {
        "timestamp": iso(NOW),
        "connectorStatus": "Available",
        "evseId": 1,
        "connectorId": 1,
    },
    "Authorize": {"idToken": {"idToken": "04A2B3C4D5E6F7", "type": "ISO14443"}},
    "TransactionEvent": {
        "eventType": "Started",
        "timestamp": iso(NOW),
        "triggerReason": "CablePluggedIn",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "all-actions-1", "chargingState": "EVConnected"},
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": [
            {
                "timestamp": iso(NOW),
                "sampledValue": [
                    {
                        "value": 1234.5,
                        "context": "Transaction.Begin",
                        "measurand": "Energy.Active.Import.Register",
                        "unitOfMeasure": {"unit": "kWh"},
                    }
                ],
            }
        ],
    },
    "MeterValues": {
        "evseId": 1,
        "meterValue": [
            {
                "timestamp": iso(NOW),
                "sampledValue": [{"value": 230.4, "measurand": "Voltage", "phase": "L1-N"}],
            }
        ],
    },
    "NotifyReport": {
        "requestId": 1,
        "generatedAt": iso(NOW),
        "seqNo": 0,
        "reportData": [
            {
                "component": {"name": "ChargingStation"},
                "variable": {"name": "Model"},
                "variableAttribute": [{"type": "Actual", "value": "Eve Double"}],
                "variableCharacteristics": {"dataType": "string", "supportsMonitoring": False},
            }
        ],
    },
    "NotifyEvent": {
        "generatedAt": iso(NOW),
        "seqNo": 0,
        "eventData": [
            {
                "eventId": 1,
                "timestamp": iso(NOW),
                "trigger": "Alerting",
                "actualValue": "true",
                "eventNotificationType": "HardWiredNotification",
                "component": {"name": "ChargingStation"},
                "variable": {"name": "Problem"},
            }
        ],
    },
    "SecurityEventNotification": {
        "type": "StartupOfTheDevice",
        "timestamp": iso(NOW),
        "techInfo": "cold boot",
    },
    "FirmwareStatusNotification": {"status": "Downloading", "requestId": 1},
    "LogStatusNotification": {"status": "Uploading", "requestId": 2},
    "DataTransfer": {"vendorId": "com.alfen", "messageId": "Ping", "data": {"n": 1}},
    "NotifyChargingLimit": {
        "chargingLimit": {"chargingLimitSource": "EMS", "isGridCritical": False},
        "evseId": 1,
        "chargingSchedule": [SCHEDULE],
    },
    "ClearedChargingLimit": {"chargingLimitSource": "EMS", "evseId": 1},
    "ReportChargingProfiles": {
        "requestId": 3,
        "chargingLimitSource": "CSO",
        "evseId": 1,
        "chargingProfile": [
            {
                "id": 10,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [SCHEDULE],
            }
        ],
    },
    "ReservationStatusUpdate": {"reservationId": 42, "reservationUpdateStatus": "Expired"},
    "NotifyEVChargingNeeds": {
        "evseId": 1,
        "maxScheduleTuples": 3,
        "chargingNeeds": {
            "requestedEnergyTransfer": "AC_three_phase",
            "departureTime": iso(NOW + timedelta(hours=8)),
            "acChargingParameters": {
                "energyAmount": 20000,
                "evMinCurrent": 6,
                "evMaxCurrent": 32,
                "evMaxVoltage": 400,
            },
        },
    },
    "NotifyEVChargingSchedule": {"timeBase": iso(NOW), "evseId": 1, "chargingSchedule": SCHEDULE},
    "NotifyDisplayMessages": {
        "requestId": 5,
        "messageInfo": [
            {
                "id": 1,
                "priority": "NormalCycle",
                "state": "Idle",
                "message": {"format": "UTF8", "language": "fi", "content": "Tervetuloa"},
            }
        ],
    },
    "NotifyCustomerInformation": {
        "data": "idToken 04A2B3C4D5E6F7: 3 sessions in local list",
        "seqNo": 0,
        "generatedAt": iso(NOW),
        "requestId": 7,
    },
    "NotifyMonitoringReport": {
        "requestId": 8,
        "seqNo": 0,
        "generatedAt": iso(NOW),
        "monitor": [
            {
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "Power"},
                "variableMonitoring": [
                    {
                        "id": 1,
                        "transaction": False,
                        "value": 22000,
                        "type": "UpperThreshold",
                        "severity": 4,
                    }
                ],
            }
        ],
    },
    "PublishFirmwareStatusNotification": {
        "status": "Published",
        "location": ["http://192.168.1.10/fw/eve-6.4.0.bin", "ftp://192.168.1.10/eve-6.4.0.bin"],
        "requestId": 4,
    },
    "SignCertificate": {"csr": CSR, "certificateType": "ChargingStationCertificate"},
    "Get15118EVCertificate": {
        "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
        "action": "Install",
        "exiRequest": "gAQA8BJ0ZXN0LWNvbnRyYWN0LWNlcnRpZmljYXRlLXJlcXVlc3Q=",
    },
    "GetCertificateStatus": {
        "ocspRequestData": {
            "hashAlgorithm": "SHA256",
            "issuerNameHash": "9e9b3a4c5a0c4d0f9f23e5d5b1d5e0b7a8e9f5c1d2b3a4c5d6e7f8091a2b3c4d",
            "issuerKeyHash": "2c1d3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f",
            "serialNumber": "4a6f7e8d9c0b",
            "responderURL": "http://ocsp.example.com",
        }
    },
}

# What each is answered (a subset of the answer, in the client's snake_case).
EXPECTED_ANSWERS: dict[str, dict[str, Any]] = {
    "BootNotification": {"status": "Accepted"},
    "Authorize": {"id_token_info": {"status": "Unknown"}},
    "DataTransfer": {"status": "UnknownVendorId"},
    "NotifyEVChargingNeeds": {"status": "Rejected"},
    "NotifyEVChargingSchedule": {"status": "Accepted"},
    "SignCertificate": {"status": "Rejected"},
    "Get15118EVCertificate": {"status": "Failed", "exi_response": ""},
    "GetCertificateStatus": {"status": "Failed"},
}


@pytest.mark.parametrize("action", list(STATION_ACTIONS))
async def test_every_station_action_is_answered_with_a_call_result(
    server: RunningServer, api: httpx.Client, ids: Ids, action: str
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point201(server.ocpp_url, station) as cp:
        answer = await cp.send_action(action, STATION_ACTIONS[action])
        # The socket carries on.
        assert parse((await cp.heartbeat()).current_time)
    assert type(answer) is getattr(call_result, action)
    for key, value in EXPECTED_ANSWERS.get(action, {}).items():
        assert getattr(answer, key) == value, (key, answer)
    expected = 2 if action == "Heartbeat" else 1
    frames = await eventually(
        lambda: (found := logged_answers(api, station, action)) and len(found) >= expected and found
    )
    assert len(frames) == expected
    assert frames[0][0] == 3
    assert isinstance(frames[0][2], dict)


def test_the_table_covers_every_station_initiated_action() -> None:
    assert len(STATION_ACTIONS) == 25
    for action in STATION_ACTIONS:
        assert hasattr(call, action), action
        assert hasattr(call_result, action), action


# Events ------------------------------------------------------------------------------------


async def test_notify_event_is_kept_and_a_connector_availability_event_updates_it(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station, connectors=2)
    problem_at = iso(datetime.now(UTC) - timedelta(minutes=3))
    now = iso()
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.status(1, 1, "Available", timestamp=problem_at)
        await cp.send_action(
            "NotifyEvent",
            {
                "generatedAt": now,
                "seqNo": 0,
                "tbc": False,
                "eventData": [
                    {
                        "eventId": 101,
                        "timestamp": problem_at,
                        "trigger": "Alerting",
                        "actualValue": "true",
                        "techCode": "E42",
                        "techInfo": "RCD tripped",
                        "cleared": False,
                        "eventNotificationType": "HardWiredNotification",
                        "component": {"name": "ChargingStation"},
                        "variable": {"name": "Problem"},
                    },
                    {
                        "eventId": 102,
                        "timestamp": now,
                        "trigger": "Delta",
                        "actualValue": "Occupied",
                        "eventNotificationType": "HardWiredNotification",
                        "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
                        "variable": {"name": "AvailabilityState"},
                        "transactionId": "tx-ev-1",
                    },
                ],
            },
        )
    found = events(api, station, kind="notify_event")
    assert len(found) == 2
    by_id = {e["data"]["event_id"]: e for e in found}
    problem = by_id[101]
    assert problem["severity"] == "warning"
    assert problem["timestamp"] == problem_at
    assert problem["data"]["trigger"] == "Alerting"
    assert problem["data"]["actual_value"] == "true"
    assert problem["data"]["tech_code"] == "E42"
    assert problem["data"]["tech_info"] == "RCD tripped"
    assert problem["data"]["cleared"] is False
    assert problem["data"]["component"] == {"name": "ChargingStation"}
    assert problem["data"]["variable"] == {"name": "Problem"}
    assert problem["data"]["notification_type"] == "HardWiredNotification"
    assert "ChargingStation.Problem" in problem["message"]
    occupied = by_id[102]
    assert occupied["severity"] == "info"
    assert occupied["data"]["transaction_id"] == "tx-ev-1"
    assert connector_status(api, station)[(1, 1)] == "Occupied"
    history = api.get(f"/stations/{station}/connectors/1/1/history").json()["items"]
    assert sorted(h["status"] for h in history) == ["Available", "Occupied"]


async def test_connector_faulted_by_notify_event_raises_a_fault(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station, connectors=2)
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.status(2, 1, "Available")
        await cp.send_action(
            "NotifyEvent",
            {
                "generatedAt": iso(),
                "seqNo": 0,
                "eventData": [
                    {
                        "eventId": 7,
                        "timestamp": iso(),
                        "trigger": "Delta",
                        "actualValue": "Faulted",
                        "eventNotificationType": "HardWiredNotification",
                        "component": {"name": "Connector", "evse": {"id": 2, "connectorId": 1}},
                        "variable": {"name": "AvailabilityState"},
                    },
                    # Not a connector state: kept as an event, changes no connector.
                    {
                        "eventId": 8,
                        "timestamp": iso(),
                        "trigger": "Delta",
                        "actualValue": "Faulted",
                        "eventNotificationType": "HardWiredNotification",
                        "component": {"name": "EVSE", "evse": {"id": 1}},
                        "variable": {"name": "AvailabilityState"},
                    },
                ],
            },
        )
    statuses = connector_status(api, station)
    assert statuses[(2, 1)] == "Faulted"
    assert statuses[(1, 1)] == "Unknown"
    assert one_event(api, station, "connector_fault")["data"]["evse_id"] == 2
    assert len(events(api, station, kind="notify_event")) == 2


async def test_security_event_notification_is_a_station_event(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    happened = iso(datetime.now(UTC) - timedelta(minutes=10))
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.send_action(
            "SecurityEventNotification",
            {"type": "TamperDetectionActivated", "timestamp": happened, "techInfo": "lid open"},
        )
    event = one_event(api, station, "security")
    assert event["timestamp"] == happened
    assert event["severity"] == "warning"
    assert event["data"] == {"type": "TamperDetectionActivated", "tech_info": "lid open"}
    assert "TamperDetectionActivated" in event["message"]


async def test_firmware_and_log_status_are_stored_on_the_station(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point201(server.ocpp_url, station) as cp:
        for status in ("Downloading", "Downloaded", "SignatureVerified", "Installing"):
            await cp.send_action("FirmwareStatusNotification", {"status": status, "requestId": 9})
        await cp.send_action("LogStatusNotification", {"status": "Uploading", "requestId": 10})
        await cp.send_action("LogStatusNotification", {"status": "Uploaded", "requestId": 10})
        await cp.send_action("FirmwareStatusNotification", {"status": "Installed"})
    detail = station_detail(api, station)
    assert detail["firmware_status"] == "Installed"
    assert detail["diagnostics_status"] == "Uploaded"
    firmware = events(api, station, kind="firmware_status")
    assert [e["data"]["status"] for e in reversed(firmware)] == [
        "Downloading",
        "Downloaded",
        "SignatureVerified",
        "Installing",
        "Installed",
    ]
    logs = events(api, station, kind="diagnostics_status")
    assert [e["data"]["status"] for e in reversed(logs)] == ["Uploading", "Uploaded"]


async def test_publish_firmware_status_is_an_event_and_leaves_firmware_status(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    locations = STATION_ACTIONS["PublishFirmwareStatusNotification"]["location"]
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.send_action("FirmwareStatusNotification", {"status": "Installed"})
        await cp.send_action(
            "PublishFirmwareStatusNotification",
            STATION_ACTIONS["PublishFirmwareStatusNotification"],
        )
    published = [
        e for e in events(api, station, kind="firmware_status") if "publication" in e["message"]
    ]
    assert len(published) == 1
    assert published[0]["data"] == {"status": "Published", "locations": locations}
    assert station_detail(api, station)["firmware_status"] == "Installed"


DATA = [
    pytest.param({"n": 1, "nested": {"list": [1, 2.5, "x"], "ok": True}}, id="object"),
    pytest.param([1, 2, 3], id="array"),
    pytest.param("plain text", id="string"),
    pytest.param(42, id="number"),
]


@pytest.mark.parametrize("data", DATA)
async def test_data_transfer_is_unknown_vendor_and_its_data_kept(
    server: RunningServer, api: httpx.Client, ids: Ids, data: Any
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point201(server.ocpp_url, station) as cp:
        answer = await cp.send_action(
            "DataTransfer", {"vendorId": "com.example", "messageId": "Telemetry", "data": data}
        )
        bare = await cp.send_action("DataTransfer", {"vendorId": "com.example"})
    assert answer.status == "UnknownVendorId"
    assert answer.data is None
    assert bare.status == "UnknownVendorId"
    kept = events(api, station, kind="data_transfer")
    assert len(kept) == 2
    with_data = next(e for e in kept if e["data"]["message_id"] == "Telemetry")
    assert with_data["data"]["vendor_id"] == "com.example"
    stored = with_data["data"]["data"]
    # Text stays text; any other JSON is kept as its JSON text.
    assert (stored if isinstance(data, str) else json.loads(stored)) == data
    without = next(e for e in kept if e["data"]["message_id"] is None)
    assert without["data"]["data"] is None


# Smart charging, reservations, display, customer information, monitoring -----------------

KEPT_AS_EVENTS = [
    pytest.param("NotifyChargingLimit", "charging_limit", id="notify-charging-limit"),
    pytest.param("ClearedChargingLimit", "charging_limit", id="cleared-charging-limit"),
    pytest.param("ReportChargingProfiles", "charging_profiles", id="report-charging-profiles"),
    pytest.param("ReservationStatusUpdate", "reservation", id="reservation-status-update"),
    pytest.param("NotifyEVChargingNeeds", "ev_charging_needs", id="ev-charging-needs"),
    pytest.param("NotifyEVChargingSchedule", "ev_charging_schedule", id="ev-charging-schedule"),
    pytest.param("NotifyDisplayMessages", "display_messages", id="display-messages"),
    pytest.param("NotifyCustomerInformation", "customer_information", id="customer-information"),
    pytest.param("NotifyMonitoringReport", "monitoring_report", id="monitoring-report"),
]


@pytest.mark.parametrize(("action", "kind"), KEPT_AS_EVENTS)
async def test_notification_is_kept_as_a_station_event_with_its_payload(
    server: RunningServer, api: httpx.Client, ids: Ids, action: str, kind: str
) -> None:
    station = ids.station()
    register_station(api, station)
    payload = STATION_ACTIONS[action]
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.send_action(action, payload)
    event = one_event(api, station, kind)
    # Kept as received; the schema's default "tbc": false is filled in where it was left out.
    kept = dict(event["data"])
    if "tbc" not in payload and kept.get("tbc") is False:
        del kept["tbc"]
    assert kept == payload
    assert event["severity"] == "info"
    assert event["message"]
    assert abs(parse(event["timestamp"]) - datetime.now(UTC)) < timedelta(minutes=1)


async def test_notification_messages_say_what_happened(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point201(server.ocpp_url, station) as cp:
        for action in (
            "NotifyChargingLimit",
            "ClearedChargingLimit",
            "ReservationStatusUpdate",
            "NotifyCustomerInformation",
        ):
            await cp.send_action(action, STATION_ACTIONS[action])
    limits = [e["message"] for e in events(api, station, kind="charging_limit")]
    assert any("EMS" in m and "cleared" in m for m in limits)
    assert any("EMS" in m and "EVSE 1" in m and "cleared" not in m for m in limits)
    assert "42" in one_event(api, station, "reservation")["message"]
    assert "Expired" in one_event(api, station, "reservation")["message"]
    assert "7" in one_event(api, station, "customer_information")["message"]


async def test_ev_charging_needs_is_declined_with_a_reason(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point201(server.ocpp_url, station) as cp:
        answer = await cp.send_action(
            "NotifyEVChargingNeeds", STATION_ACTIONS["NotifyEVChargingNeeds"]
        )
    assert answer.status == "Rejected"
    assert answer.status_info == {"reason_code": "NoSchedule"}


# Certificates ------------------------------------------------------------------------------


async def test_sign_certificate_is_declined_and_recorded_without_authentication(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """At security profile 0 anyone may claim the identity: no certificate for it (the
    signing itself is tested in test_station_security.py); a V2G certificate is never
    Kilowatt's to sign."""
    station = ids.station()
    register_station(api, station)
    async with charge_point201(server.ocpp_url, station) as cp:
        answer = await cp.send_action("SignCertificate", STATION_ACTIONS["SignCertificate"])
        v2g = await cp.send_action(
            "SignCertificate", {"csr": CSR, "certificateType": "V2GCertificate"}
        )
    assert answer.status == "Rejected"
    assert answer.status_info["reason_code"] == "NotAuthenticated"
    assert v2g.status == "Rejected"
    assert v2g.status_info["reason_code"] == "NotSupported"
    [unauthenticated] = events(api, station, kind="security")
    assert unauthenticated["data"]["certificate_type"] == "ChargingStationCertificate"
    [not_ours] = events(api, station, kind="certificate")
    assert not_ours["data"]["certificate_type"] == "V2GCertificate"
    assert {unauthenticated["severity"], not_ours["severity"]} == {"warning"}


async def test_iso15118_certificate_requests_fail_cleanly(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point201(server.ocpp_url, station) as cp:
        ev = await cp.send_action("Get15118EVCertificate", STATION_ACTIONS["Get15118EVCertificate"])
        ocsp = await cp.send_action("GetCertificateStatus", STATION_ACTIONS["GetCertificateStatus"])
    assert ev.status == "Failed"
    assert ev.exi_response == ""
    assert ev.status_info["reason_code"] == "NotSupported"
    assert ocsp.status == "Failed"
    assert ocsp.ocsp_result is None
    assert ocsp.status_info["reason_code"] == "NotSupported"


# The message log ---------------------------------------------------------------------------


async def test_201_frames_are_logged_verbatim(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.boot("PowerUp")
        await cp.status(1, 1, "Available", timestamp="2026-03-01T10:00:00Z")

    def enough() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = api.get(f"/stations/{station}/messages").json()["items"]
        return items if len(items) >= 4 else []

    logged = await eventually(enough)
    status_in = next(
        m for m in logged if m["action"] == "StatusNotification" and m["direction"] == "in"
    )
    assert status_in["message_type"] == 2
    assert status_in["frame"][2:] == [
        "StatusNotification",
        {
            "timestamp": "2026-03-01T10:00:00Z",
            "connectorStatus": "Available",
            "evseId": 1,
            "connectorId": 1,
        },
    ]
    status_out = next(
        m for m in logged if m["action"] == "StatusNotification" and m["direction"] == "out"
    )
    assert status_out["frame"] == [3, status_in["unique_id"], {}]


async def test_the_client_helper_is_a_real_201_charge_point(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """Sanity check of the test station itself: it speaks ocpp2.0.1 and answers CSMS calls."""
    station = ids.station()
    register_station(api, station)
    async with charge_point201(server.ocpp_url, station) as cp:
        assert isinstance(cp, TestChargePoint201)
        assert cp._connection.subprotocol == "ocpp2.0.1"
        assert (await cp.boot()).status == "Accepted"
    assert station_detail(api, station)["protocol_version"] == "2.0.1"
