"""Every message an OCPP 2.0.1 charging station sends, through a real WebSocket: each gets a
schema-valid CALLRESULT (the ``ocpp`` client validates every answer against the official
schema and raises on a CALLERROR), and what it says is stored where the REST API shows it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from ocpp.exceptions import SecurityError
from ocpp.v201 import call, call_result

from tests.conftest import Ids, create_token, register_station
from tests.support.ocpp201 import charge_point201, iso
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


# Boot and registration ---------------------------------------------------------------------


async def test_boot_notification_with_reason_is_stored_on_the_station(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    before = datetime.now(UTC) - timedelta(seconds=5)
    async with charge_point201(server.ocpp_url, station) as cp:
        first = await cp.boot("PowerUp")
        boot = await cp.boot(
            "FirmwareUpdate",
            vendor="Kempower",
            model="S-Series",
            serial_number="KP-0042",
            firmware_version="5.1.0",
            modem={"iccid": "8935800000000000001", "imsi": "244050000000001"},
        )
    assert first.status == "Accepted"
    assert boot.status == "Accepted"
    assert boot.interval == server.settings.heartbeat_interval
    assert abs(parse(boot.current_time) - datetime.now(UTC)) < timedelta(minutes=1)
    detail = station_detail(api, station)
    assert detail["vendor"] == "Kempower"
    assert detail["model"] == "S-Series"
    assert detail["serial_number"] == "KP-0042"
    assert detail["firmware_version"] == "5.1.0"
    assert detail["iccid"] == "8935800000000000001"
    assert detail["imsi"] == "244050000000001"
    assert detail["boot_reason"] == "FirmwareUpdate"
    assert detail["protocol_version"] == "2.0.1"
    assert parse(detail["last_boot_at"]) > before
    boots = events(api, station, kind="boot")
    assert [(b["data"]["reason"], b["data"]["vendor"], b["data"]["status"]) for b in boots] == [
        ("FirmwareUpdate", "Kempower", "Accepted"),
        ("PowerUp", "TestVendor", "Accepted"),
    ]


async def test_pending_station_is_accepted_by_an_operator_and_triggered_to_boot(
    pending_server: RunningServer, ids: Ids
) -> None:
    station = ids.station("PEND")
    with pending_server.api() as api:
        async with charge_point201(pending_server.ocpp_url, station) as cp:
            boot = await cp.boot("PowerUp")
            assert boot.status == "Pending"
            assert boot.interval == pending_server.settings.pending_retry_interval
            assert station_detail(api, station)["registration_status"] == "Pending"

            # Until accepted, anything but BootNotification is refused as a security matter.
            with pytest.raises(SecurityError):
                await cp.heartbeat()
            with pytest.raises(SecurityError):
                await cp.status(1, 1, "Available")
            with pytest.raises(SecurityError):
                await cp.transaction_event("Started", "pending-tx", 0, "CablePluggedIn", 0)
            assert station_detail(api, station)["connectors"] == []
            assert api.get("/transactions", params={"station_id": station}).json()["items"] == []

            patched = api.patch(f"/stations/{station}", json={"registration_status": "Accepted"})
            assert patched.status_code == 200, patched.text
            trigger = await cp.wait_for_call("TriggerMessage")
            assert trigger["requestedMessage"] == "BootNotification"

            boot = await cp.boot("Triggered")
            assert boot.status == "Accepted"
            assert boot.interval == pending_server.settings.heartbeat_interval
            assert parse((await cp.heartbeat()).current_time)
            await cp.status(1, 1, "Available")
        detail = station_detail(api, station)
        assert detail["registration_status"] == "Accepted"
        assert detail["boot_reason"] == "Triggered"
        assert [(c["evse_id"], c["connector_id"], c["status"]) for c in detail["connectors"]] == [
            (1, 1, "Available")
        ]
        # The CSMS's TriggerMessage and the station's answer are in the message log.
        sent = await eventually(
            lambda: [
                m
                for m in api.get(
                    f"/stations/{station}/messages", params={"action": "TriggerMessage"}
                ).json()["items"]
                if m["direction"] == "out"
            ]
        )
        assert sent[0]["frame"][0] == 2
        assert sent[0]["frame"][3] == {"requestedMessage": "BootNotification"}


async def test_unknown_station_accepted_at_once_under_the_accept_policy(
    accepting_server: RunningServer, ids: Ids
) -> None:
    station = ids.station("ACC")
    async with charge_point201(accepting_server.ocpp_url, station) as cp:
        assert (await cp.boot("PowerUp")).status == "Accepted"
        assert parse((await cp.heartbeat()).current_time)
    with accepting_server.api() as api:
        detail = station_detail(api, station)
    assert detail["registration_status"] == "Accepted"
    assert detail["protocol_version"] == "2.0.1"


async def test_heartbeat_answers_the_current_time(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point201(server.ocpp_url, station) as cp:
        beat = await cp.heartbeat()
    assert abs(parse(beat.current_time) - datetime.now(UTC)) < timedelta(minutes=1)
    assert station_detail(api, station)["last_seen_at"] is not None


# Status ------------------------------------------------------------------------------------


async def test_status_notification_is_reflected_on_connectors(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station, connectors=2)
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.status(1, 1, "Available")
        await cp.status(2, 1, "Available")
        await cp.status(1, 1, "Occupied")
        await cp.status(2, 1, "Faulted")
        # A connector the operator did not declare (EVSE 2, a second cable) is created.
        await cp.status(2, 2, "Reserved")
        # An older report (replayed) does not overwrite a newer state.
        await cp.status(1, 1, "Available", timestamp=iso(datetime.now(UTC) - timedelta(hours=1)))
    assert connector_status(api, station) == {
        (1, 1): "Occupied",
        (2, 1): "Faulted",
        (2, 2): "Reserved",
    }
    fault = one_event(api, station, "connector_fault")
    assert fault["severity"] == "error"
    assert (fault["data"]["evse_id"], fault["data"]["connector_id"]) == (2, 1)
    history = api.get(f"/stations/{station}/connectors/1/1/history").json()["items"]
    assert sorted(h["status"] for h in history) == ["Available", "Available", "Occupied"]


async def test_status_unavailable_and_back(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station, connectors=1)
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.status(1, 1, "Unavailable")
        assert connector_status(api, station) == {(1, 1): "Unavailable"}
        await cp.status(1, 1, "Available")
    assert connector_status(api, station) == {(1, 1): "Available"}


# Authorization -----------------------------------------------------------------------------


async def test_authorize_answers_group_and_cache_expiry_from_the_token(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    tag, group, plain = ids.tag(), ids.tag("GRP"), ids.tag("PLAIN")
    create_token(api, tag, group_id=group, expires_at="2031-06-30T12:00:00Z")
    create_token(api, plain)
    async with charge_point201(server.ocpp_url, station) as cp:
        grouped = await cp.authorize(tag)
        bare = await cp.authorize(plain)
        unknown = await cp.authorize(ids.tag("NOPE"))
        emaid = await cp.authorize(tag, type="eMAID")
    info = grouped.id_token_info
    assert info["status"] == "Accepted"
    assert parse(info["cache_expiry_date_time"]) == datetime(2031, 6, 30, 12, tzinfo=UTC)
    assert info["group_id_token"] == {"id_token": group, "type": "Central"}
    assert bare.id_token_info == {"status": "Accepted"}
    assert unknown.id_token_info == {"status": "Unknown"}
    # A value registered as another type still identifies the token.
    assert emaid.id_token_info["status"] == "Accepted"


async def test_authorize_blocked_and_expired_tokens(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    blocked, expired, lapsed = ids.tag("BLK"), ids.tag("EXP"), ids.tag("LAP")
    create_token(api, blocked, status="Blocked")
    create_token(api, expired, status="Expired")
    create_token(api, lapsed, expires_at="2021-01-01T00:00:00Z")
    async with charge_point201(server.ocpp_url, station) as cp:
        answers = [await cp.authorize(t) for t in (blocked, expired, lapsed)]
    assert [a.id_token_info["status"] for a in answers] == ["Blocked", "Expired", "Expired"]


# Device model ------------------------------------------------------------------------------

REPORT_PART_1 = [
    {
        "component": {"name": "ChargingStation"},
        "variable": {"name": "Model"},
        "variableAttribute": [
            {"type": "Actual", "value": "Eve Double", "mutability": "ReadOnly", "constant": True}
        ],
        "variableCharacteristics": {"dataType": "string", "supportsMonitoring": False},
    },
    {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "HeartbeatInterval"},
        "variableAttribute": [
            {"type": "Actual", "value": "300", "mutability": "ReadWrite", "persistent": True}
        ],
        "variableCharacteristics": {
            "unit": "s",
            "dataType": "integer",
            "minLimit": 10,
            "maxLimit": 86400,
            "supportsMonitoring": False,
        },
    },
    {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "MessageTimeout", "instance": "Default"},
        "variableAttribute": [{"type": "Actual", "value": "30", "mutability": "ReadOnly"}],
        "variableCharacteristics": {
            "unit": "s",
            "dataType": "integer",
            "supportsMonitoring": False,
        },
    },
    {
        "component": {"name": "EVSE", "evse": {"id": 1}},
        "variable": {"name": "Power"},
        "variableAttribute": [
            {"type": "Actual", "value": "0", "mutability": "ReadOnly"},
            {"type": "MaxSet", "value": "22000", "mutability": "ReadWrite"},
        ],
        "variableCharacteristics": {
            "unit": "W",
            "dataType": "decimal",
            "maxLimit": 22000,
            "supportsMonitoring": True,
        },
    },
    {
        "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
        "variable": {"name": "ConnectorType"},
        "variableAttribute": [{"type": "Actual", "value": "cType2", "mutability": "ReadOnly"}],
        "variableCharacteristics": {
            "dataType": "OptionList",
            "valuesList": "cType2,cCCS2,cG105",
            "supportsMonitoring": False,
        },
    },
]

REPORT_PART_2 = [
    # New values for known variables (the characteristics left out this time).
    {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "HeartbeatInterval"},
        "variableAttribute": [
            {"type": "Actual", "value": "60", "mutability": "ReadWrite", "persistent": True}
        ],
    },
    {
        "component": {"name": "EVSE", "evse": {"id": 1}},
        "variable": {"name": "Power"},
        "variableAttribute": [{"type": "Actual", "value": "7400.5"}],
    },
    # And a component the first part did not mention.
    {
        "component": {"name": "EVSE", "evse": {"id": 2}},
        "variable": {"name": "AvailabilityState"},
        "variableAttribute": [{"type": "Actual", "value": "Available", "mutability": "ReadOnly"}],
        "variableCharacteristics": {
            "dataType": "OptionList",
            "valuesList": "Available,Occupied,Reserved,Unavailable,Faulted",
            "supportsMonitoring": True,
        },
    },
]


async def test_notify_report_device_model_is_stored_and_queryable(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.notify_report(4711, REPORT_PART_1, seq_no=0, tbc=True)
        stored = device_model(api, station)
        assert len(stored) == 6
        await cp.notify_report(4711, REPORT_PART_2, seq_no=1)

    everything = device_model(api, station)
    keys = sorted(
        (
            v["component"],
            v["component_instance"],
            v["evse_id"],
            v["connector_id"],
            v["variable"],
            v["variable_instance"],
            v["attribute_type"],
            v["value"],
        )
        for v in everything
    )
    assert keys == [
        ("ChargingStation", "", 0, 0, "Model", "", "Actual", "Eve Double"),
        ("Connector", "", 1, 1, "ConnectorType", "", "Actual", "cType2"),
        ("EVSE", "", 1, 0, "Power", "", "Actual", "7400.5"),
        ("EVSE", "", 1, 0, "Power", "", "MaxSet", "22000"),
        ("EVSE", "", 2, 0, "AvailabilityState", "", "Actual", "Available"),
        ("OCPPCommCtrlr", "", 0, 0, "HeartbeatInterval", "", "Actual", "60"),
        ("OCPPCommCtrlr", "", 0, 0, "MessageTimeout", "Default", "Actual", "30"),
    ]

    heartbeat = device_model(api, station, component="OCPPCommCtrlr", variable="HeartbeatInterval")
    assert len(heartbeat) == 1
    hb = heartbeat[0]
    # The second part changed the value and kept what it did not repeat.
    assert hb["value"] == "60"
    assert hb["unit"] == "s"
    assert hb["data_type"] == "integer"
    assert hb["mutability"] == "ReadWrite"
    assert hb["persistent"] is True
    assert hb["min_limit"] == 10
    assert hb["max_limit"] == 86400
    assert hb["supports_monitoring"] is False

    model = device_model(api, station, component="ChargingStation")
    assert [(m["variable"], m["value"], m["constant"]) for m in model] == [
        ("Model", "Eve Double", True)
    ]
    on_evse_1 = device_model(api, station, evse_id=1)
    assert sorted((v["component"], v["variable"], v["attribute_type"]) for v in on_evse_1) == [
        ("Connector", "ConnectorType", "Actual"),
        ("EVSE", "Power", "Actual"),
        ("EVSE", "Power", "MaxSet"),
    ]
    connector_type = device_model(api, station, variable="ConnectorType")[0]
    assert connector_type["data_type"] == "OptionList"
    assert connector_type["values_list"] == "cType2,cCCS2,cG105"
    power = device_model(api, station, component="EVSE", variable="Power", evse_id=1)
    assert {p["attribute_type"]: (p["value"], p["unit"], p["max_limit"]) for p in power} == {
        "Actual": ("7400.5", "W", 22000),
        "MaxSet": ("22000", "W", 22000),
    }
    assert device_model(api, station, component="NoSuchComponent") == []


async def test_device_model_of_an_unknown_station_is_404(api: httpx.Client, ids: Ids) -> None:
    response = api.get(f"/stations/{ids.station('NONE')}/device-model")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_device_model_is_per_station(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    one, two = ids.station("ONE"), ids.station("TWO")
    register_station(api, one)
    register_station(api, two)
    async with (
        charge_point201(server.ocpp_url, one) as cp1,
        charge_point201(server.ocpp_url, two) as cp2,
    ):
        await cp1.notify_report(1, REPORT_PART_1[:2])
        await cp2.notify_report(1, REPORT_PART_2[2:])
    assert sorted(v["variable"] for v in device_model(api, one)) == ["HeartbeatInterval", "Model"]
    assert [v["variable"] for v in device_model(api, two)] == ["AvailabilityState"]
