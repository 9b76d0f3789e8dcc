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
    online201,
    post,
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
    profile = {  # the API's body, the same for both versions
        "id": 31,
        "stack_level": 0,
        "purpose": "tx",
        "kind": "relative",
        "schedules": [{"id": 1, "rate_unit": "A", "periods": [{"start_period": 0, "limit": 16.0}]}],
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
            "chargingProfile": {
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
            },
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
