"""The test stations themselves (tests/support/station_answers.py): every CSMS-initiated action
of their version is answered with a schema-valid CALLRESULT by default, recorded exactly as
sent, and answered as a test chooses. Driven by a bare WebSocket "CSMS" in the test, so that
a fault here is not mistaken for one of Kilowatt's."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from ocpp.exceptions import NotSupportedError
from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from tests.support.ocpp16 import charge_point
from tests.support.ocpp201 import charge_point201

HASH = {"hashAlgorithm": "SHA256", "issuerNameHash": "a", "issuerKeyHash": "b", "serialNumber": "c"}
LATER = "2030-01-01T00:00:00Z"
TOKEN = {"idToken": "T", "type": "ISO14443"}
SCHEDULE_16 = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6}]}

CALLS_16: dict[str, dict[str, Any]] = {
    "RemoteStartTransaction": {"idTag": "T", "connectorId": 1},
    "RemoteStopTransaction": {"transactionId": 1},
    "Reset": {"type": "Soft"},
    "ChangeAvailability": {"connectorId": 0, "type": "Operative"},
    "UnlockConnector": {"connectorId": 1},
    "GetConfiguration": {"key": ["HeartbeatInterval", "Nope"]},
    "ChangeConfiguration": {"key": "HeartbeatInterval", "value": "60"},
    "TriggerMessage": {"requestedMessage": "Heartbeat"},
    "ClearCache": {},
    "SendLocalList": {
        "listVersion": 4,
        "updateType": "Full",
        "localAuthorizationList": [{"idTag": "T", "idTagInfo": {"status": "Accepted"}}],
    },
    "GetLocalListVersion": {},
    "ReserveNow": {"connectorId": 1, "expiryDate": LATER, "idTag": "T", "reservationId": 1},
    "CancelReservation": {"reservationId": 1},
    "SetChargingProfile": {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 1,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": SCHEDULE_16,
        },
    },
    "GetCompositeSchedule": {"connectorId": 1, "duration": 60},
    "ClearChargingProfile": {"id": 1},
    "ExtendedTriggerMessage": {"requestedMessage": "Heartbeat"},
    "CertificateSigned": {"certificateChain": "x"},
    "InstallCertificate": {"certificateType": "CentralSystemRootCertificate", "certificate": "x"},
    "DeleteCertificate": {"certificateHashData": HASH},
    "GetInstalledCertificateIds": {"certificateType": "CentralSystemRootCertificate"},
}

VARIABLE = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
CALLS_201: dict[str, dict[str, Any]] = {
    "RequestStartTransaction": {"idToken": TOKEN, "remoteStartId": 1, "evseId": 1},
    "RequestStopTransaction": {"transactionId": "t-1"},
    "Reset": {"type": "OnIdle"},
    "ChangeAvailability": {"operationalStatus": "Operative"},
    "UnlockConnector": {"evseId": 1, "connectorId": 1},
    "GetVariables": {
        "getVariableData": [
            VARIABLE,
            {"component": {"name": "Nope"}, "variable": {"name": "Nope"}},
        ]
    },
    "SetVariables": {"setVariableData": [{**VARIABLE, "attributeValue": "60"}]},
    "GetBaseReport": {"requestId": 1, "reportBase": "FullInventory"},
    "GetReport": {"requestId": 2},
    "TriggerMessage": {"requestedMessage": "Heartbeat"},
    "ClearCache": {},
    "SendLocalList": {
        "versionNumber": 4,
        "updateType": "Full",
        "localAuthorizationList": [{"idToken": TOKEN, "idTokenInfo": {"status": "Accepted"}}],
    },
    "GetLocalListVersion": {},
    "ReserveNow": {"id": 1, "expiryDateTime": LATER, "idToken": TOKEN},
    "CancelReservation": {"reservationId": 1},
    "SetChargingProfile": {
        "evseId": 1,
        "chargingProfile": {
            "id": 1,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": [{"id": 1, **SCHEDULE_16}],
        },
    },
    "GetChargingProfiles": {"requestId": 3, "chargingProfile": {}},
    "GetCompositeSchedule": {"duration": 60, "evseId": 1},
    "ClearChargingProfile": {"chargingProfileId": 1},
    "SetDisplayMessage": {
        "message": {
            "id": 1,
            "priority": "NormalCycle",
            "message": {"format": "UTF8", "content": "Hello"},
        }
    },
    "GetDisplayMessages": {"requestId": 4},
    "ClearDisplayMessage": {"id": 1},
    "GetTransactionStatus": {},
    "CostUpdated": {"totalCost": 1.5, "transactionId": "t-1"},
    "CustomerInformation": {"requestId": 5, "report": True, "clear": False},
    "SetNetworkProfile": {
        "configurationSlot": 1,
        "connectionData": {
            "ocppVersion": "OCPP20",
            "ocppTransport": "JSON",
            "ocppCsmsUrl": "wss://csms.example/ocpp",
            "messageTimeout": 30,
            "securityProfile": 2,
            "ocppInterface": "Wired0",
        },
    },
    "GetMonitoringReport": {"requestId": 6},
    "SetMonitoringBase": {"monitoringBase": "All"},
    "SetMonitoringLevel": {"severity": 5},
    "SetVariableMonitoring": {
        "setMonitoringData": [{"value": 1, "type": "Delta", "severity": 5, **VARIABLE}]
    },
    "ClearVariableMonitoring": {"id": [1, 2]},
    "CertificateSigned": {"certificateChain": "x"},
    "InstallCertificate": {"certificateType": "V2GRootCertificate", "certificate": "x"},
    "DeleteCertificate": {"certificateHashData": HASH},
    "GetInstalledCertificateIds": {},
}


class FakeCsms:
    """Sends the CALLs it is given over a bare WebSocket and keeps the replies."""

    def __init__(self, subprotocol: str) -> None:
        self.subprotocol = subprotocol
        self.socket: ServerConnection | None = None
        self.connected = asyncio.Event()

    async def handler(self, websocket: ServerConnection) -> None:
        self.socket = websocket
        self.connected.set()
        await websocket.wait_closed()

    async def call(self, action: str, payload: dict[str, Any], n: int) -> list[Any]:
        assert self.socket is not None
        await self.socket.send(json.dumps([2, f"c{n}", action, payload]))
        reply = json.loads(await asyncio.wait_for(self.socket.recv(), 10))
        assert reply[1] == f"c{n}", reply
        return list(reply)


@contextlib.asynccontextmanager
async def station_and_csms(version: str) -> AsyncIterator[tuple[Any, FakeCsms]]:
    subprotocol = "ocpp1.6" if version == "1.6" else "ocpp2.0.1"
    csms = FakeCsms(subprotocol)
    opener: Callable[..., Any] = charge_point if version == "1.6" else charge_point201
    async with serve(csms.handler, "127.0.0.1", 0, subprotocols=[Subprotocol(subprotocol)]) as srv:
        port = next(iter(srv.sockets)).getsockname()[1]
        async with opener(f"ws://127.0.0.1:{port}/ocpp", "HARNESS") as cp:
            await asyncio.wait_for(csms.connected.wait(), 10)
            yield cp, csms


@pytest.mark.parametrize(("version", "calls"), [("1.6", CALLS_16), ("2.0.1", CALLS_201)])
async def test_every_csms_action_gets_a_valid_default_answer_and_is_recorded(
    version: str, calls: dict[str, dict[str, Any]]
) -> None:
    async with station_and_csms(version) as (cp, csms):
        errors = {}
        for n, (action, payload) in enumerate(calls.items()):
            reply = await csms.call(action, payload, n)
            if reply[0] != 3:
                errors[action] = reply
        assert errors == {}
        assert cp.calls == list(calls.items())
        assert cp.max_outstanding == 1
        assert cp.outstanding == 0


async def test_answers_choose_the_status_the_payload_or_a_callerror() -> None:
    async with station_and_csms("1.6") as (cp, csms):
        cp.answers["Reset"] = "Rejected"
        assert (await csms.call("Reset", {"type": "Hard"}, 1))[2] == {"status": "Rejected"}
        cp.answers["Reset"] = ["Accepted", NotSupportedError(description="no")]
        assert (await csms.call("Reset", {"type": "Hard"}, 2))[2] == {"status": "Accepted"}
        assert (await csms.call("Reset", {"type": "Hard"}, 3))[2:4] == ["NotSupported", "no"]
        assert (await csms.call("Reset", {"type": "Hard"}, 4))[2] == {"status": "Accepted"}
        cp.answers["GetLocalListVersion"] = {"listVersion": 42}
        assert (await csms.call("GetLocalListVersion", {}, 5))[2] == {"listVersion": 42}
        cp.answers["ClearCache"] = lambda request: {"status": "Rejected"}
        assert (await csms.call("ClearCache", {}, 6))[2] == {"status": "Rejected"}
        assert [await cp.next_call("Reset") for _ in range(4)] == [{"type": "Hard"}] * 4
        assert await cp.wait_for_call("ClearCache") == {}


async def test_the_station_keeps_the_state_its_answers_report() -> None:
    async with station_and_csms("2.0.1") as (cp, csms):
        assert (await csms.call("GetLocalListVersion", {}, 1))[2] == {"versionNumber": 0}
        await csms.call("SendLocalList", CALLS_201["SendLocalList"], 2)
        assert (await csms.call("GetLocalListVersion", {}, 3))[2] == {"versionNumber": 4}
        assert cp.local_list == {"T": {"status": "Accepted"}}
        assert (await csms.call("GetChargingProfiles", {"requestId": 1, "chargingProfile": {}}, 4))[
            2
        ] == {"status": "NoProfiles"}
        await csms.call("SetChargingProfile", CALLS_201["SetChargingProfile"], 5)
        assert (await csms.call("GetChargingProfiles", {"requestId": 2, "chargingProfile": {}}, 6))[
            2
        ] == {"status": "Accepted"}
        await csms.call("SetVariables", CALLS_201["SetVariables"], 7)
        got = await csms.call("GetVariables", {"getVariableData": [VARIABLE]}, 8)
        assert got[2]["getVariableResult"][0]["attributeValue"] == "60"
