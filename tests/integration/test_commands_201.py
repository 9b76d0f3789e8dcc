"""Every remote-management operation against an independent OCPP 2.0.1 charging station (the
``ocpp`` library's ChargePoint over a real WebSocket): the station must receive exactly the right
CALL, its answer must be recorded on the command, and the consequences (transactions with the
remoteStartId, reservations, local list versions, variables and reports in the device model)
must show in the REST API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Ids
from tests.support.commands import (
    MISSING_ID,
    async_api,
    command,
    device_model,
    later,
    ocpp_time,
    online201,
    post,
    refused_command,
    reservation,
    token,
    transaction,
    transactions,
)
from tests.support.server import RunningServer


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


def refused(response: httpx.Response, field: str) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_input", body
    assert [f["field"] for f in body["fields"]] == [field], body
    detail: str = body["detail"]
    return detail


# Remote start and stop ---------------------------------------------------------------------


async def test_request_start_names_the_command_and_the_transaction_carries_it(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag, tx_ref = ids.station(), ids.tag(), f"tx-{ids.suffix}"
    await token(aapi, tag)
    async with online201(server, aapi, station) as cp:
        started = await command(aapi, station, "remote_start", {"id_tag": tag, "evse_id": 1})
        request = await cp.next_call("RequestStartTransaction")
        assert request == {
            "idToken": {"idToken": tag, "type": "ISO14443"},
            "remoteStartId": started["id"],
            "evseId": 1,
        }
        assert (started["action"], started["request"], started["response"]) == (
            "RequestStartTransaction",
            request,
            {"status": "Accepted"},
        )

        # The station starts as asked, naming the remoteStartId.
        answer = await cp.transaction_event(
            "Started",
            tx_ref,
            0,
            "RemoteStart",
            meter_wh=1000,
            id_token=tag,
            remote_start_id=started["id"],
            charging_state="Charging",
        )
        assert answer.id_token_info["status"] == "Accepted"
        [opened] = await transactions(aapi, station)
        assert (
            opened["remote_start_id"],
            opened["ocpp_transaction_id"],
            opened["id_tag"],
            opened["state"],
        ) == (started["id"], tx_ref, tag, "active")

        stopped = await command(aapi, station, "remote_stop", {"transaction_id": opened["id"]})
        request = await cp.next_call("RequestStopTransaction")
        assert request == {"transactionId": tx_ref}
        assert (stopped["request"], stopped["response"]) == (request, {"status": "Accepted"})
        await cp.transaction_event(
            "Ended",
            tx_ref,
            1,
            "RemoteStop",
            meter_wh=5000,
            stopped_reason="Remote",
            charging_state="Idle",
        )
        ended = await transaction(aapi, opened["id"])
        assert (ended["state"], ended["stop_reason"], ended["energy_wh"]) == (
            "completed",
            "Remote",
            4000,
        )

        detail = refused(
            await post(aapi, station, "remote_stop", {"transaction_id": opened["id"]}),
            "transaction_id",
        )
        assert "ended" in detail
        refused(
            await post(aapi, station, "remote_stop", {"transaction_id": MISSING_ID}),
            "transaction_id",
        )
        assert cp.actions() == ["RequestStartTransaction", "RequestStopTransaction"]


async def test_request_start_takes_the_token_type_from_the_token_record(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, key_code, unknown = ids.station(), ids.tag("KEY"), ids.tag("UNREG")
    await token(aapi, key_code, type="KeyCode")
    profile = {
        "id": 31,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [
            {
                "id": 1,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            }
        ],
    }
    async with online201(server, aapi, station) as cp:
        done = await command(aapi, station, "remote_start", {"id_tag": key_code})
        assert await cp.next_call("RequestStartTransaction") == {
            "idToken": {"idToken": key_code, "type": "KeyCode"},
            "remoteStartId": done["id"],
        }
        # A token Kilowatt does not know goes only when the operator says so.
        done = await command(
            aapi,
            station,
            "remote_start",
            {"id_tag": unknown, "evse_id": 2, "allow_unknown": True},
        )
        assert (await cp.next_call("RequestStartTransaction"))["idToken"] == {
            "idToken": unknown,
            "type": "ISO14443",
        }
        done = await command(
            aapi,
            station,
            "remote_start",
            {
                "id_tag": unknown,
                "allow_unknown": True,
                "id_token_type": "Central",
                "evse_id": 1,
                "charging_profile": profile,
            },
        )
        assert await cp.next_call("RequestStartTransaction") == {
            "idToken": {"idToken": unknown, "type": "Central"},
            "remoteStartId": done["id"],
            "evseId": 1,
            "chargingProfile": profile,
        }

        # The station may already name its transaction; a refusal is recorded with its reason.
        cp.answers["RequestStartTransaction"] = {"status": "Accepted", "transactionId": "T-9"}
        early = await command(aapi, station, "remote_start", {"id_tag": key_code, "evse_id": 1})
        assert early["response"] == {"status": "Accepted", "transactionId": "T-9"}
        cp.answers["RequestStartTransaction"] = {
            "status": "Rejected",
            "statusInfo": {"reasonCode": "Occupied"},
        }
        rejected = await command(
            aapi, station, "remote_start", {"id_tag": key_code, "evse_id": 1}, status="rejected"
        )
        assert rejected["error"] == "station answered Rejected (Occupied)"


async def test_a_refused_request_stop_leaves_the_transaction_running(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag, tx_ref = ids.station(), ids.tag(), f"tx-{ids.suffix}"
    await token(aapi, tag)
    async with online201(server, aapi, station) as cp:
        await cp.transaction_event("Started", tx_ref, 0, "Authorized", meter_wh=0, id_token=tag)
        [running] = await transactions(aapi, station)
        cp.answers["RequestStopTransaction"] = "Rejected"
        await command(
            aapi, station, "remote_stop", {"transaction_id": running["id"]}, status="rejected"
        )
        assert await cp.next_call("RequestStopTransaction") == {"transactionId": tx_ref}
        assert (await transaction(aapi, running["id"]))["state"] == "active"


# Reset, availability, unlock ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "sent"),
    [("soft", "OnIdle"), ("hard", "Immediate"), ("on_idle", "OnIdle"), ("immediate", "Immediate")],
)
async def test_reset(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, kind: str, sent: str
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        done = await command(aapi, station, "reset", {"type": kind})
        assert await cp.next_call("Reset") == {"type": sent}
        assert (done["action"], done["request"], done["response"]) == (
            "Reset",
            {"type": sent},
            {"status": "Accepted"},
        )


async def test_reset_of_one_evse_scheduled_and_refused(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        cp.answers["Reset"] = "Scheduled"
        done = await command(aapi, station, "reset", {"type": "soft", "evse_id": 2})
        assert await cp.next_call("Reset") == {"type": "OnIdle", "evseId": 2}
        assert done["response"] == {"status": "Scheduled"}
        cp.answers["Reset"] = "Rejected"
        refused_ = await command(aapi, station, "reset", {"type": "hard"}, status="rejected")
        assert refused_["error"] == "station answered Rejected"


async def test_change_availability_of_station_evse_and_connector(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        await command(aapi, station, "change_availability", {"operative": False})
        assert await cp.next_call("ChangeAvailability") == {"operationalStatus": "Inoperative"}
        await command(aapi, station, "change_availability", {"operative": True, "evse_id": 1})
        assert await cp.next_call("ChangeAvailability") == {
            "operationalStatus": "Operative",
            "evse": {"id": 1},
        }
        cp.answers["ChangeAvailability"] = "Scheduled"
        await command(
            aapi,
            station,
            "change_availability",
            {"operative": False, "evse_id": 2, "connector_id": 1},
        )
        assert await cp.next_call("ChangeAvailability") == {
            "operationalStatus": "Inoperative",
            "evse": {"id": 2, "connectorId": 1},
        }
        cp.answers["ChangeAvailability"] = "Rejected"
        await command(aapi, station, "change_availability", {"operative": True}, status="rejected")


async def test_unlock_connector(server: RunningServer, aapi: httpx.AsyncClient, ids: Ids) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        done = await command(aapi, station, "unlock_connector", {"evse_id": 2})
        assert await cp.next_call("UnlockConnector") == {"evseId": 2, "connectorId": 1}
        assert done["response"] == {"status": "Unlocked"}
        for answer in ("UnlockFailed", "OngoingAuthorizedTransaction", "UnknownConnector"):
            cp.answers["UnlockConnector"] = answer
            failed = await command(
                aapi,
                station,
                "unlock_connector",
                {"evse_id": 1, "connector_id": 2},
                status="rejected",
            )
            assert await cp.next_call("UnlockConnector") == {"evseId": 1, "connectorId": 2}
            assert failed["error"] == f"station answered {answer}"


# Variables and reports -------------------------------------------------------------------------


def keyed(items: list[dict[str, Any]]) -> dict[tuple[str, int, str], dict[str, Any]]:
    return {(v["component"], v["evse_id"], v["variable"]): v for v in items}


async def test_get_variables_records_each_result_and_stores_the_values(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        done = await command(
            aapi,
            station,
            "get_variables",
            {
                "variables": [
                    {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"},
                    {
                        "component": "EVSE",
                        "evse_id": 1,
                        "variable": "AvailabilityState",
                        "attribute_type": "Actual",
                    },
                    {"component": "NoSuchCtrlr", "variable": "Nothing"},
                ]
            },
        )
        request = await cp.next_call("GetVariables")
        assert request == {
            "getVariableData": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
                {
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "AvailabilityState"},
                    "attributeType": "Actual",
                },
                {"component": {"name": "NoSuchCtrlr"}, "variable": {"name": "Nothing"}},
            ]
        }
        assert done["request"] == request
        statuses = [r["attributeStatus"] for r in done["response"]["getVariableResult"]]
        assert statuses == ["Accepted", "Accepted", "UnknownVariable"]

        model = keyed(await device_model(aapi, station))
        assert model[("OCPPCommCtrlr", 0, "HeartbeatInterval")]["value"] == "300"
        assert model[("EVSE", 1, "AvailabilityState")]["value"] == "Available"
        assert ("NoSuchCtrlr", 0, "Nothing") not in model

        await command(
            aapi,
            station,
            "get_variables",
            {
                "variables": [
                    {
                        "component": "Connector",
                        "component_instance": "Main",
                        "evse_id": 1,
                        "connector_id": 2,
                        "variable": "Voltage",
                        "variable_instance": "L1",
                        "attribute_type": "MaxSet",
                    }
                ]
            },
        )
        assert await cp.next_call("GetVariables") == {
            "getVariableData": [
                {
                    "component": {
                        "name": "Connector",
                        "instance": "Main",
                        "evse": {"id": 1, "connectorId": 2},
                    },
                    "variable": {"name": "Voltage", "instance": "L1"},
                    "attributeType": "MaxSet",
                }
            ]
        }


async def test_set_variables_with_a_result_per_variable(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        partly = await command(
            aapi,
            station,
            "set_variables",
            {
                "variables": [
                    {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "120"},
                    {"component": "NoSuchCtrlr", "variable": "Nothing", "value": "1"},
                ]
            },
            status="rejected",
        )
        assert await cp.next_call("SetVariables") == {
            "setVariableData": [
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                    "attributeValue": "120",
                },
                {
                    "component": {"name": "NoSuchCtrlr"},
                    "variable": {"name": "Nothing"},
                    "attributeValue": "1",
                },
            ]
        }
        assert partly["error"] == "1 variable(s) refused"
        assert [r["attributeStatus"] for r in partly["response"]["setVariableResult"]] == [
            "Accepted",
            "UnknownVariable",
        ]
        model = keyed(await device_model(aapi, station))
        assert model[("OCPPCommCtrlr", 0, "HeartbeatInterval")]["value"] == "120"
        assert ("NoSuchCtrlr", 0, "Nothing") not in model
        assert cp.variables[("OCPPCommCtrlr", "HeartbeatInterval")] == "120"

        cp.answers["SetVariables"] = lambda request: {
            "setVariableResult": [
                {
                    "attributeStatus": "RebootRequired",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in request["setVariableData"]
            ]
        }
        await command(
            aapi,
            station,
            "set_variables",
            {
                "variables": [
                    {
                        "component": "SampledDataCtrlr",
                        "variable": "TxUpdatedInterval",
                        "value": "30",
                    }
                ]
            },
        )
        model = keyed(await device_model(aapi, station))
        assert model[("SampledDataCtrlr", 0, "TxUpdatedInterval")]["value"] == "30"

        cp.answers["SetVariables"] = lambda request: {
            "setVariableResult": [
                {
                    "attributeStatus": "Rejected",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in request["setVariableData"]
            ]
        }
        await command(
            aapi,
            station,
            "set_variables",
            {
                "variables": [
                    {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "5"}
                ]
            },
            status="rejected",
        )
        model = keyed(await device_model(aapi, station))
        assert model[("OCPPCommCtrlr", 0, "HeartbeatInterval")]["value"] == "120"


REPORT = [
    {
        "component": {"name": "ChargingStation"},
        "variable": {"name": "Model"},
        "variableAttribute": [{"type": "Actual", "value": "Test 201", "mutability": "ReadOnly"}],
        "variableCharacteristics": {"dataType": "string", "supportsMonitoring": False},
    },
    {
        "component": {"name": "EVSE", "evse": {"id": 2}},
        "variable": {"name": "Power"},
        "variableAttribute": [
            {"type": "Actual", "value": "0"},
            {"type": "MaxSet", "value": "22000"},
        ],
        "variableCharacteristics": {"unit": "W", "dataType": "decimal", "supportsMonitoring": True},
    },
]


async def test_get_base_report_then_the_notify_report_fills_the_device_model(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        done = await command(aapi, station, "get_base_report", {"report_base": "FullInventory"})
        request = await cp.next_call("GetBaseReport")
        assert request == {"requestId": done["id"], "reportBase": "FullInventory"}
        assert done["response"] == {"status": "Accepted"}

        await cp.notify_report(done["id"], REPORT[:1], seq_no=0, tbc=True)
        await cp.notify_report(done["id"], REPORT[1:], seq_no=1)
        model = await device_model(aapi, station)
        found = sorted(
            (v["component"], v["evse_id"], v["variable"], v["attribute_type"], v["value"])
            for v in model
        )
        assert found == [
            ("ChargingStation", 0, "Model", "Actual", "Test 201"),
            ("EVSE", 2, "Power", "Actual", "0"),
            ("EVSE", 2, "Power", "MaxSet", "22000"),
        ]

        cp.answers["GetBaseReport"] = "EmptyResultSet"
        await command(aapi, station, "get_base_report", {"report_base": "SummaryInventory"})
        cp.answers["GetBaseReport"] = "NotSupported"
        refused_ = await command(
            aapi,
            station,
            "get_base_report",
            {"report_base": "ConfigurationInventory"},
            status="rejected",
        )
        assert refused_["error"] == "station answered NotSupported"


async def test_get_report_with_variables_and_criteria(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        done = await command(
            aapi,
            station,
            "get_report",
            {
                "variables": [
                    {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"},
                    {"component": "EVSE", "evse_id": 1, "variable": "AvailabilityState"},
                ],
                "criteria": ["Available", "Problem"],
            },
        )
        assert await cp.next_call("GetReport") == {
            "requestId": done["id"],
            "componentVariable": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
                {
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "AvailabilityState"},
                },
            ],
            "componentCriteria": ["Available", "Problem"],
        }
        cp.answers["GetReport"] = "EmptyResultSet"
        empty = await command(aapi, station, "get_report", {"criteria": ["Problem"]})
        assert await cp.next_call("GetReport") == {
            "requestId": empty["id"],
            "componentCriteria": ["Problem"],
        }
        assert empty["response"] == {"status": "EmptyResultSet"}


async def test_get_report_of_everything(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        done = await command(aapi, station, "get_report", {})
        assert await cp.next_call("GetReport") == {"requestId": done["id"]}


# Trigger message, clear cache ----------------------------------------------------------------


async def test_trigger_message(server: RunningServer, aapi: httpx.AsyncClient, ids: Ids) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        await command(
            aapi, station, "trigger_message", {"message": "StatusNotification", "evse_id": 1}
        )
        assert await cp.next_call("TriggerMessage") == {
            "requestedMessage": "StatusNotification",
            "evse": {"id": 1},
        }
        await command(aapi, station, "trigger_message", {"message": "TransactionEvent"})
        assert await cp.next_call("TriggerMessage") == {"requestedMessage": "TransactionEvent"}
        for answer in ("Rejected", "NotImplemented"):
            cp.answers["TriggerMessage"] = answer
            done = await command(
                aapi, station, "trigger_message", {"message": "Heartbeat"}, status="rejected"
            )
            assert done["response"] == {"status": answer}

        # A 1.6-only message cannot be built into a valid 2.0.1 CALL: refused, never sent.
        calls = len(cp.calls)
        error = await refused_command(
            aapi,
            station,
            "trigger_message",
            {"message": "DiagnosticsStatusNotification"},
            "requestedMessage",
        )
        assert "2.0.1 TriggerMessage" in error["detail"], error
        assert len(cp.calls) == calls


async def test_clear_cache(server: RunningServer, aapi: httpx.AsyncClient, ids: Ids) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        done = await command(aapi, station, "clear_cache", {})
        assert await cp.next_call("ClearCache") == {}
        assert (done["request"], done["response"]) == ({}, {"status": "Accepted"})
        cp.answers["ClearCache"] = "Rejected"
        await command(aapi, station, "clear_cache", {}, status="rejected")


async def test_data_transfer(server: RunningServer, aapi: httpx.AsyncClient, ids: Ids) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        cp.answers["DataTransfer"] = {"status": "Accepted", "data": {"pong": True}}
        done = await command(
            aapi,
            station,
            "data_transfer",
            {"vendor_id": "com.acme", "message_id": "Ping", "data": {"limit": [1, 2]}},
        )
        assert await cp.next_call("DataTransfer") == {
            "vendorId": "com.acme",
            "messageId": "Ping",
            "data": {"limit": [1, 2]},
        }
        assert done["response"] == {"status": "Accepted", "data": {"pong": True}}
        del cp.answers["DataTransfer"]
        await command(aapi, station, "data_transfer", {"vendor_id": "com.acme", "data": "text"})
        assert await cp.next_call("DataTransfer") == {"vendorId": "com.acme", "data": "text"}

        for answer in ("Rejected", "UnknownVendorId", "UnknownMessageId"):
            cp.answers["DataTransfer"] = answer
            refused_ = await command(
                aapi, station, "data_transfer", {"vendor_id": "com.other"}, status="rejected"
            )
            assert await cp.next_call("DataTransfer") == {"vendorId": "com.other"}
            assert refused_["error"] == f"station answered {answer}"


# Local authorization list ----------------------------------------------------------------------


def entries(request: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["idToken"]["idToken"]: entry for entry in request["localAuthorizationList"]}


async def test_send_local_list_full_then_differential_and_version_mismatch(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    a, b, c, d, e = (ids.tag(name) for name in ("LA", "LB", "LC", "LD", "LE"))
    expiry = later(60 * 24)
    made = {
        a: await token(aapi, a, expires_at=expiry, group_id=f"G{ids.suffix}"),
        b: await token(aapi, b, type="eMAID"),
        c: await token(aapi, c, expires_at=expiry),
    }
    async with online201(server, aapi, station) as cp:
        full = await command(aapi, station, "send_local_list", {"update_type": "full"})
        request = await cp.next_call("SendLocalList")
        assert full["request"] == request
        assert (request["versionNumber"], request["updateType"]) == (1, "Full")
        sent = entries(request)
        assert sent[a] == {
            "idToken": {"idToken": a, "type": "ISO14443"},
            "idTokenInfo": {
                "status": "Accepted",
                "cacheExpiryDateTime": ocpp_time(expiry),
                "groupIdToken": {"idToken": f"G{ids.suffix}", "type": "Central"},
            },
        }
        assert sent[b] == {
            "idToken": {"idToken": b, "type": "eMAID"},
            "idTokenInfo": {"status": "Accepted"},
        }
        assert cp.local_list_version == 1

        assert (await aapi.delete(f"/id-tokens/{made[a]['id']}")).status_code == 204
        blocked = await aapi.patch(f"/id-tokens/{made[b]['id']}", json={"status": "Blocked"})
        assert blocked.status_code == 200, blocked.text
        await token(aapi, d)

        await command(aapi, station, "send_local_list", {"update_type": "differential"})
        request = await cp.next_call("SendLocalList")
        assert (request["versionNumber"], request["updateType"]) == (2, "Differential")
        sent = entries(request)
        assert sent[a] == {"idToken": {"idToken": a, "type": "ISO14443"}}
        assert sent[b] == {
            "idToken": {"idToken": b, "type": "eMAID"},
            "idTokenInfo": {"status": "Blocked"},
        }
        assert sent[d]["idTokenInfo"] == {"status": "Accepted"}
        assert c not in sent
        assert a not in cp.local_list
        assert cp.local_list[b] == {"status": "Blocked"}

        await token(aapi, e)
        cp.answers["SendLocalList"] = {
            "status": "VersionMismatch",
            "statusInfo": {"reasonCode": "Mismatch"},
        }
        mismatch = await command(
            aapi, station, "send_local_list", {"update_type": "differential"}, status="rejected"
        )
        assert mismatch["error"] == "station answered VersionMismatch (Mismatch)"
        assert (await cp.next_call("SendLocalList"))["versionNumber"] == 3
        assert cp.local_list_version == 2

        del cp.answers["SendLocalList"]
        await command(aapi, station, "send_local_list", {"update_type": "differential"})
        request = await cp.next_call("SendLocalList")
        assert (request["versionNumber"], request["updateType"]) == (3, "Differential")
        assert set(entries(request)) >= {e}
        assert d not in entries(request)

        version = await command(aapi, station, "get_local_list_version", {})
        assert await cp.next_call("GetLocalListVersion") == {}
        assert version["response"] == {"versionNumber": 3}

        cp.answers["SendLocalList"] = "Failed"
        await command(aapi, station, "send_local_list", {}, status="rejected")
        assert (await cp.next_call("SendLocalList"))["versionNumber"] == 4
        assert cp.local_list_version == 3


async def test_a_removed_token_is_removed_with_its_own_type(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, key_code = ids.station(), ids.tag("KEY")
    made = await token(aapi, key_code, type="KeyCode")
    async with online201(server, aapi, station) as cp:
        await command(aapi, station, "send_local_list", {"update_type": "full"})
        assert entries(await cp.next_call("SendLocalList"))[key_code]["idToken"]["type"] == (
            "KeyCode"
        )
        assert (await aapi.delete(f"/id-tokens/{made['id']}")).status_code == 204
        await command(aapi, station, "send_local_list", {"update_type": "differential"})
        removal = entries(await cp.next_call("SendLocalList"))[key_code]
        assert removal == {"idToken": {"idToken": key_code, "type": "KeyCode"}}


async def test_a_differential_local_list_without_changes(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    await token(aapi, ids.tag())
    async with online201(server, aapi, station) as cp:
        await command(aapi, station, "send_local_list", {"update_type": "full"})
        await cp.next_call("SendLocalList")
        await command(aapi, station, "send_local_list", {"update_type": "differential"})
        assert await cp.next_call("SendLocalList") == {
            "versionNumber": 2,
            "updateType": "Differential",
        }


async def test_a_token_too_long_for_201_does_not_break_the_local_list(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, short = ids.station(), ids.tag()
    long_value = f"LONG{ids.suffix}{'X' * 30}"
    await token(aapi, short)
    made = await token(aapi, long_value)
    try:
        async with online201(server, aapi, station) as cp:
            await command(aapi, station, "send_local_list", {"update_type": "full"})
            sent = entries(await cp.next_call("SendLocalList"))
            assert short in sent
            assert long_value not in sent
    finally:
        await aapi.delete(f"/id-tokens/{made['id']}")


async def test_get_local_list_version_of_a_fresh_station(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        done = await command(aapi, station, "get_local_list_version", {})
        assert await cp.next_call("GetLocalListVersion") == {}
        assert done["response"] == {"versionNumber": 0}


# Reservations ------------------------------------------------------------------------------


async def test_reserve_now_accepted_then_used_by_a_transaction(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag, tx_ref = ids.station(), ids.tag(), f"tx-{ids.suffix}"
    await token(aapi, tag)
    expires = later(30)
    async with online201(server, aapi, station) as cp:
        made = await command(
            aapi, station, "reserve_now", {"id_tag": tag, "expires_at": expires, "evse_id": 1}
        )
        reservation_id = made["params"]["reservation_id"]
        request = await cp.next_call("ReserveNow")
        assert request == {
            "id": reservation_id,
            "expiryDateTime": ocpp_time(expires),
            "idToken": {"idToken": tag, "type": "ISO14443"},
            "evseId": 1,
        }
        assert made["request"] == request
        kept = await reservation(aapi, reservation_id)
        assert (kept["status"], kept["station_id"], kept["evse_id"]) == ("active", station, 1)

        await cp.transaction_event(
            "Started",
            tx_ref,
            0,
            "Authorized",
            meter_wh=0,
            id_token=tag,
            reservation_id=reservation_id,
        )
        [opened] = await transactions(aapi, station)
        assert opened["reservation_id"] == reservation_id
        used = await reservation(aapi, reservation_id)
        assert (used["status"], used["transaction_id"]) == ("used", opened["id"])


async def test_reserve_now_refused_and_reservations_the_station_ends(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    async with online201(server, aapi, station) as cp:
        await command(aapi, station, "reserve_now", {"id_tag": tag, "expires_at": later()})
        assert "evseId" not in await cp.next_call("ReserveNow")

        for answer in ("Occupied", "Faulted", "Unavailable", "Rejected"):
            cp.answers["ReserveNow"] = answer
            refused_ = await command(
                aapi,
                station,
                "reserve_now",
                {"id_tag": tag, "expires_at": later(), "evse_id": 2},
                status="rejected",
            )
            assert refused_["error"] == f"station answered {answer}"
            kept = await reservation(aapi, refused_["params"]["reservation_id"])
            assert (kept["status"], kept["reason"]) == ("rejected", answer)
        del cp.answers["ReserveNow"]

        for update, status in (("Expired", "expired"), ("Removed", "cancelled")):
            made = await command(
                aapi, station, "reserve_now", {"id_tag": tag, "expires_at": later(), "evse_id": 1}
            )
            reservation_id = made["params"]["reservation_id"]
            await cp.send_action(
                "ReservationStatusUpdate",
                {"reservationId": reservation_id, "reservationUpdateStatus": update},
            )
            assert (await reservation(aapi, reservation_id))["status"] == status


async def test_cancel_reservation(server: RunningServer, aapi: httpx.AsyncClient, ids: Ids) -> None:
    station, tag = ids.station(), ids.tag()
    async with online201(server, aapi, station) as cp:
        made = await command(
            aapi, station, "reserve_now", {"id_tag": tag, "expires_at": later(), "evse_id": 1}
        )
        reservation_id = made["params"]["reservation_id"]
        cp.answers["CancelReservation"] = "Rejected"
        await command(
            aapi,
            station,
            "cancel_reservation",
            {"reservation_id": reservation_id},
            status="rejected",
        )
        assert (await reservation(aapi, reservation_id))["status"] == "active"
        del cp.answers["CancelReservation"]
        await command(aapi, station, "cancel_reservation", {"reservation_id": reservation_id})
        assert await cp.next_call("CancelReservation") == {"reservationId": reservation_id}
        assert await cp.next_call("CancelReservation") == {"reservationId": reservation_id}
        assert (await reservation(aapi, reservation_id))["status"] == "cancelled"
        refused(
            await post(aapi, station, "cancel_reservation", {"reservation_id": reservation_id}),
            "reservation_id",
        )


async def test_reserve_now_takes_the_token_type_from_the_token_record(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, emaid = ids.station(), ids.tag("EMAID")
    await token(aapi, emaid, type="eMAID")
    async with online201(server, aapi, station) as cp:
        await command(aapi, station, "reserve_now", {"id_tag": emaid, "expires_at": later()})
        assert (await cp.next_call("ReserveNow"))["idToken"] == {"idToken": emaid, "type": "eMAID"}


# Smart charging ------------------------------------------------------------------------------

PROFILE_201 = {
    "id": 21,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": [
        {
            "id": 1,
            "startSchedule": "2026-01-01T00:00:00Z",
            "duration": 86400,
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 11000.0},
                {"startPeriod": 3600, "limit": 7400.0, "numberPhases": 3},
            ],
        }
    ],
}


async def test_set_get_and_clear_charging_profiles_and_get_composite_schedule(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        done = await command(
            aapi, station, "set_charging_profile", {"evse_id": 1, "charging_profile": PROFILE_201}
        )
        request = await cp.next_call("SetChargingProfile")
        assert request == {"evseId": 1, "chargingProfile": PROFILE_201}
        assert done["request"] == request

        listed = await command(
            aapi,
            station,
            "get_charging_profiles",
            {"evse_id": 1, "purpose": "TxDefaultProfile", "stack_level": 0},
        )
        assert await cp.next_call("GetChargingProfiles") == {
            "requestId": listed["id"],
            "evseId": 1,
            "chargingProfile": {"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0},
        }
        assert listed["response"] == {"status": "Accepted"}
        by_id = await command(aapi, station, "get_charging_profiles", {"profile_ids": [21, 22]})
        assert await cp.next_call("GetChargingProfiles") == {
            "requestId": by_id["id"],
            "chargingProfile": {"chargingProfileId": [21, 22]},
        }

        schedule = await command(
            aapi,
            station,
            "get_composite_schedule",
            {"evse_id": 1, "duration": 3600, "rate_unit": "W"},
        )
        assert await cp.next_call("GetCompositeSchedule") == {
            "evseId": 1,
            "duration": 3600,
            "chargingRateUnit": "W",
        }
        assert schedule["response"]["schedule"]["chargingSchedulePeriod"] == [
            {"startPeriod": 0, "limit": 11000.0}
        ]

        await command(aapi, station, "clear_charging_profile", {"profile_id": 21})
        assert await cp.next_call("ClearChargingProfile") == {"chargingProfileId": 21}
        await command(
            aapi,
            station,
            "clear_charging_profile",
            {"evse_id": 0, "purpose": "ChargingStationMaxProfile", "stack_level": 2},
        )
        assert await cp.next_call("ClearChargingProfile") == {
            "chargingProfileCriteria": {
                "evseId": 0,
                "chargingProfilePurpose": "ChargingStationMaxProfile",
                "stackLevel": 2,
            }
        }
        await command(aapi, station, "clear_charging_profile", {})
        assert await cp.next_call("ClearChargingProfile") == {}

        # No profile left: the station says so, which is an answer, not a refusal.
        none = await command(aapi, station, "get_charging_profiles", {})
        assert none["response"] == {"status": "NoProfiles"}
        cp.answers["ClearChargingProfile"] = "Unknown"
        await command(aapi, station, "clear_charging_profile", {"profile_id": 9}, status="rejected")
        cp.answers["SetChargingProfile"] = {
            "status": "Rejected",
            "statusInfo": {"reasonCode": "TxNotFound"},
        }
        refused_ = await command(
            aapi,
            station,
            "set_charging_profile",
            {"evse_id": 1, "charging_profile": PROFILE_201},
            status="rejected",
        )
        assert refused_["error"] == "station answered Rejected (TxNotFound)"
        cp.answers["GetCompositeSchedule"] = {"status": "Rejected"}
        await command(
            aapi,
            station,
            "get_composite_schedule",
            {"evse_id": 9, "duration": 60},
            status="rejected",
        )


async def test_an_invalid_charging_profile_never_reaches_the_station(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    broken = {**PROFILE_201, "chargingSchedule": []}
    async with online201(server, aapi, station) as cp:
        error = await refused_command(
            aapi,
            station,
            "set_charging_profile",
            {"evse_id": 1, "charging_profile": broken},
            "chargingProfile.chargingSchedule",
        )
        assert "chargingSchedule" in error["detail"], error
        assert cp.calls == []


# Display messages ------------------------------------------------------------------------------

MESSAGE = {
    "id": 5,
    "priority": "InFront",
    "state": "Idle",
    "message": {"format": "UTF8", "language": "en", "content": "Out of order tomorrow 8-10"},
}


async def test_display_messages_set_get_and_clear(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        done = await command(aapi, station, "set_display_message", {"message": MESSAGE})
        assert await cp.next_call("SetDisplayMessage") == {"message": MESSAGE}
        assert done["response"] == {"status": "Accepted"}

        found = await command(
            aapi,
            station,
            "get_display_messages",
            {"ids": [5, 6], "priority": "InFront", "state": "Idle"},
        )
        assert await cp.next_call("GetDisplayMessages") == {
            "requestId": found["id"],
            "id": [5, 6],
            "priority": "InFront",
            "state": "Idle",
        }
        assert found["response"] == {"status": "Accepted"}
        everything = await command(aapi, station, "get_display_messages", {})
        assert await cp.next_call("GetDisplayMessages") == {"requestId": everything["id"]}

        await command(aapi, station, "clear_display_message", {"id": 5})
        assert await cp.next_call("ClearDisplayMessage") == {"id": 5}
        assert cp.display_messages == {}
        unknown = await command(
            aapi, station, "clear_display_message", {"id": 5}, status="rejected"
        )
        assert unknown["error"] == "station answered Unknown"

        for answer in ("NotSupportedMessageFormat", "NotSupportedPriority", "Rejected"):
            cp.answers["SetDisplayMessage"] = answer
            refused_ = await command(
                aapi, station, "set_display_message", {"message": MESSAGE}, status="rejected"
            )
            assert refused_["error"] == f"station answered {answer}"


# Operations of the other version ---------------------------------------------------------------


async def test_operations_of_ocpp_16_are_refused_for_a_201_station(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        for operation, body in (
            ("get_configuration", {}),
            ("change_configuration", {"key": "HeartbeatInterval", "value": "60"}),
        ):
            detail = refused(await post(aapi, station, operation, body), "operation")
            assert "1.6" in detail, (operation, detail)
        listed = await aapi.get(f"/stations/{station}/commands")
        assert listed.json()["items"] == []
        assert cp.calls == []
