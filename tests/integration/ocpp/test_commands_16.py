"""Every remote-management operation against an independent OCPP 1.6 charge point (the ``ocpp``
library's ChargePoint over a real WebSocket): the station must receive exactly the right CALL,
its answer must be recorded on the command, and the consequences (transactions, reservations,
local list versions, configuration in the device model) must show in the REST API."""

from __future__ import annotations

import json
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
    online16,
    post,
    refused_command,
    token,
    transaction,
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


async def test_remote_start_makes_the_station_start_a_transaction_and_remote_stop_ends_it(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    await token(aapi, tag)
    async with online16(server, aapi, station) as cp:
        started = await command(aapi, station, "remote_start", {"id_tag": tag, "evse_id": 1})
        request = await cp.next_call("RemoteStartTransaction")
        assert request == {"idTag": tag, "connectorId": 1}
        assert started["action"] == "RemoteStartTransaction"
        assert started["request"] == request
        assert started["response"] == {"status": "Accepted"}
        assert started["error"] == ""
        assert started["station_id"] == station
        assert started["operation"] == "remote_start"
        assert started["sent_at"] is not None
        assert started["completed_at"] is not None

        # The station does as asked: a StartTransaction, which opens a transaction.
        answer = await cp.start_tx(1, tag, 1000)
        assert answer.id_tag_info["status"] == "Accepted"
        opened = await transaction(aapi, answer.transaction_id)
        assert (opened["station_id"], opened["evse_id"], opened["id_tag"], opened["state"]) == (
            station,
            1,
            tag,
            "active",
        )

        stopped = await command(
            aapi, station, "remote_stop", {"transaction_id": answer.transaction_id}
        )
        request = await cp.next_call("RemoteStopTransaction")
        assert request == {"transactionId": answer.transaction_id}
        assert stopped["request"] == request
        assert stopped["response"] == {"status": "Accepted"}
        await cp.stop_tx(answer.transaction_id, 4000, reason="Remote")
        ended = await transaction(aapi, answer.transaction_id)
        assert (ended["state"], ended["stop_reason"], ended["energy_wh"]) == (
            "completed",
            "Remote",
            3000,
        )

        # An ended transaction cannot be stopped again; nothing reaches the station.
        detail = refused(
            await post(aapi, station, "remote_stop", {"transaction_id": answer.transaction_id}),
            "transaction_id",
        )
        assert "ended" in detail
        refused(
            await post(aapi, station, "remote_stop", {"transaction_id": MISSING_ID}),
            "transaction_id",
        )
        assert cp.actions() == ["RemoteStartTransaction", "RemoteStopTransaction"]


async def test_remote_start_without_a_connector_with_a_profile_and_refused(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    profile = {  # the API's body, the same for both versions
        "id": 11,
        "stack_level": 0,
        "purpose": "tx",
        "kind": "relative",
        "schedules": [{"id": 1, "rate_unit": "A", "periods": [{"start_period": 0, "limit": 16.0}]}],
    }
    await token(aapi, tag)
    async with online16(server, aapi, station) as cp:
        await command(aapi, station, "remote_start", {"id_tag": tag})
        assert await cp.next_call("RemoteStartTransaction") == {"idTag": tag}

        await command(
            aapi,
            station,
            "remote_start",
            {"id_tag": tag, "evse_id": 2, "charging_profile": profile},
        )
        assert await cp.next_call("RemoteStartTransaction") == {
            "idTag": tag,
            "connectorId": 2,
            "chargingProfile": {
                "chargingProfileId": 11,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Relative",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
                },
            },
        }
        # A session's profile is a tx profile, and the session has no id yet.
        for wrong, field in (
            ({**profile, "purpose": "tx_default"}, "charging_profile.purpose"),
            ({**profile, "transaction_id": "5"}, "charging_profile.transaction_id"),
        ):
            await refused_command(
                aapi,
                station,
                "remote_start",
                {"id_tag": tag, "charging_profile": wrong},
                field,
            )

        cp.answers["RemoteStartTransaction"] = "Rejected"
        rejected = await command(
            aapi, station, "remote_start", {"id_tag": tag, "evse_id": 1}, status="rejected"
        )
        assert rejected["response"] == {"status": "Rejected"}
        assert rejected["error"] == "station answered Rejected"
    assert await transactions_of(aapi, station) == []


async def transactions_of(aapi: httpx.AsyncClient, station: str) -> list[dict[str, Any]]:
    response = await aapi.get("/transactions", params={"station_id": station})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_remote_stop_refuses_a_transaction_of_another_station(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, other, tag = ids.station(), ids.station("OTHER"), ids.tag()
    await token(aapi, tag)
    async with online16(server, aapi, other) as elsewhere:
        started = await elsewhere.start_tx(1, tag, 0)
        async with online16(server, aapi, station) as cp:
            refused(
                await post(
                    aapi, station, "remote_stop", {"transaction_id": started.transaction_id}
                ),
                "transaction_id",
            )
            assert cp.calls == []
        assert elsewhere.calls == []
        # The other station's transaction goes on.
        assert (await transaction(aapi, started.transaction_id))["state"] == "active"


async def test_a_refused_remote_stop_is_rejected_and_the_transaction_goes_on(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    await token(aapi, tag)
    async with online16(server, aapi, station) as cp:
        started = await cp.start_tx(2, tag, 0)
        cp.answers["RemoteStopTransaction"] = "Rejected"
        answer = await command(
            aapi,
            station,
            "remote_stop",
            {"transaction_id": started.transaction_id},
            status="rejected",
        )
        assert answer["request"] == {"transactionId": started.transaction_id}
        assert (await transaction(aapi, started.transaction_id))["state"] == "active"


# Reset, availability, unlock ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "sent"),
    [("soft", "Soft"), ("hard", "Hard"), ("on_idle", "Soft"), ("immediate", "Hard")],
)
async def test_reset(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, kind: str, sent: str
) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        done = await command(aapi, station, "reset", {"type": kind})
        assert await cp.next_call("Reset") == {"type": sent}
        assert (done["action"], done["request"], done["response"]) == (
            "Reset",
            {"type": sent},
            {"status": "Accepted"},
        )


async def test_a_refused_reset_is_rejected(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        cp.answers["Reset"] = "Rejected"
        done = await command(aapi, station, "reset", {"type": "hard"}, status="rejected")
        assert done["response"] == {"status": "Rejected"}
        assert done["error"] == "station answered Rejected"


async def test_change_availability_of_the_station_and_of_a_connector(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        await command(aapi, station, "change_availability", {"operative": False})
        assert await cp.next_call("ChangeAvailability") == {
            "connectorId": 0,
            "type": "Inoperative",
        }
        await command(aapi, station, "change_availability", {"operative": True, "evse_id": 0})
        assert await cp.next_call("ChangeAvailability") == {"connectorId": 0, "type": "Operative"}

        cp.answers["ChangeAvailability"] = "Scheduled"
        scheduled = await command(
            aapi, station, "change_availability", {"operative": False, "evse_id": 2}
        )
        assert await cp.next_call("ChangeAvailability") == {
            "connectorId": 2,
            "type": "Inoperative",
        }
        assert scheduled["response"] == {"status": "Scheduled"}

        cp.answers["ChangeAvailability"] = "Rejected"
        await command(
            aapi,
            station,
            "change_availability",
            {"operative": True, "evse_id": 1},
            status="rejected",
        )
        assert await cp.next_call("ChangeAvailability") == {"connectorId": 1, "type": "Operative"}


async def test_unlock_connector(server: RunningServer, aapi: httpx.AsyncClient, ids: Ids) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        done = await command(aapi, station, "unlock_connector", {"evse_id": 2})
        assert await cp.next_call("UnlockConnector") == {"connectorId": 2}
        assert done["response"] == {"status": "Unlocked"}

        for answer in ("UnlockFailed", "NotSupported"):
            cp.answers["UnlockConnector"] = answer
            failed = await command(
                aapi, station, "unlock_connector", {"evse_id": 1}, status="rejected"
            )
            assert await cp.next_call("UnlockConnector") == {"connectorId": 1}
            assert failed["error"] == f"station answered {answer}"


# Configuration -----------------------------------------------------------------------------


def by_variable(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["variable"]: item for item in items}


async def test_get_configuration_stores_the_keys_in_the_device_model(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        everything = await command(aapi, station, "get_configuration", {})
        assert await cp.next_call("GetConfiguration") == {}
        assert everything["request"] == {}
        keys = {k["key"]: k for k in everything["response"]["configurationKey"]}
        assert keys["HeartbeatInterval"] == {
            "key": "HeartbeatInterval",
            "readonly": False,
            "value": "300",
        }

        model = by_variable(await device_model(aapi, station, component="Configuration"))
        assert set(model) == set(cp.configuration)
        assert model["HeartbeatInterval"]["value"] == "300"
        assert model["HeartbeatInterval"]["mutability"] == "ReadWrite"
        assert model["NumberOfConnectors"]["value"] == "2"
        assert model["NumberOfConnectors"]["mutability"] == "ReadOnly"
        assert {item["component"] for item in await device_model(aapi, station)} == {
            "Configuration"
        }

        some = await command(
            aapi, station, "get_configuration", {"keys": ["MeterValueSampleInterval", "NoSuchKey"]}
        )
        assert await cp.next_call("GetConfiguration") == {
            "key": ["MeterValueSampleInterval", "NoSuchKey"]
        }
        assert some["response"]["unknownKey"] == ["NoSuchKey"]
        assert "NoSuchKey" not in by_variable(await device_model(aapi, station))


async def test_change_configuration_accepted_reboot_required_and_refused(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        await command(
            aapi, station, "change_configuration", {"key": "HeartbeatInterval", "value": "120"}
        )
        assert await cp.next_call("ChangeConfiguration") == {
            "key": "HeartbeatInterval",
            "value": "120",
        }
        model = by_variable(await device_model(aapi, station, component="Configuration"))
        assert model["HeartbeatInterval"]["value"] == "120"

        cp.answers["ChangeConfiguration"] = "RebootRequired"
        reboot = await command(
            aapi,
            station,
            "change_configuration",
            {"key": "MeterValueSampleInterval", "value": "30"},
        )
        assert reboot["response"] == {"status": "RebootRequired"}
        model = by_variable(await device_model(aapi, station, component="Configuration"))
        assert model["MeterValueSampleInterval"]["value"] == "30"

        cp.answers["ChangeConfiguration"] = "Rejected"
        rejected = await command(
            aapi,
            station,
            "change_configuration",
            {"key": "HeartbeatInterval", "value": "5"},
            status="rejected",
        )
        assert rejected["error"] == "station answered Rejected"
        model = by_variable(await device_model(aapi, station, component="Configuration"))
        assert model["HeartbeatInterval"]["value"] == "120"

        del cp.answers["ChangeConfiguration"]
        unknown = await command(
            aapi,
            station,
            "change_configuration",
            {"key": "NoSuchKey", "value": "1"},
            status="rejected",
        )
        assert unknown["response"] == {"status": "NotSupported"}
        assert "NoSuchKey" not in by_variable(await device_model(aapi, station))


# Trigger message, clear cache ----------------------------------------------------------------


async def test_trigger_message(server: RunningServer, aapi: httpx.AsyncClient, ids: Ids) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        await command(
            aapi, station, "trigger_message", {"message": "StatusNotification", "evse_id": 1}
        )
        assert await cp.next_call("TriggerMessage") == {
            "requestedMessage": "StatusNotification",
            "connectorId": 1,
        }
        await command(aapi, station, "trigger_message", {"message": "Heartbeat"})
        assert await cp.next_call("TriggerMessage") == {"requestedMessage": "Heartbeat"}

        for answer in ("Rejected", "NotImplemented"):
            cp.answers["TriggerMessage"] = answer
            done = await command(
                aapi,
                station,
                "trigger_message",
                {"message": "DiagnosticsStatusNotification"},
                status="rejected",
            )
            assert done["request"] == {"requestedMessage": "DiagnosticsStatusNotification"}
            assert done["response"] == {"status": answer}

        # A 2.0.1-only message cannot be built into a valid 1.6 CALL: refused, never sent.
        calls = len(cp.calls)
        error = await refused_command(
            aapi, station, "trigger_message", {"message": "TransactionEvent"}, "requestedMessage"
        )
        assert "1.6 TriggerMessage" in error["detail"], error
        assert len(cp.calls) == calls


async def test_clear_cache(server: RunningServer, aapi: httpx.AsyncClient, ids: Ids) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        done = await command(aapi, station, "clear_cache", {})
        assert await cp.next_call("ClearCache") == {}
        assert (done["request"], done["response"]) == ({}, {"status": "Accepted"})
        cp.answers["ClearCache"] = "Rejected"
        await command(aapi, station, "clear_cache", {}, status="rejected")


async def test_data_transfer(server: RunningServer, aapi: httpx.AsyncClient, ids: Ids) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        cp.answers["DataTransfer"] = {"status": "Accepted", "data": "pong"}
        done = await command(
            aapi,
            station,
            "data_transfer",
            {"vendor_id": "com.acme", "message_id": "Ping", "data": "hello"},
        )
        assert await cp.next_call("DataTransfer") == {
            "vendorId": "com.acme",
            "messageId": "Ping",
            "data": "hello",
        }
        assert done["response"] == {"status": "Accepted", "data": "pong"}

        # 1.6 data is text: structured data travels as its JSON.
        del cp.answers["DataTransfer"]
        await command(
            aapi, station, "data_transfer", {"vendor_id": "com.acme", "data": {"limit": [1, 2]}}
        )
        request = await cp.next_call("DataTransfer")
        assert set(request) == {"vendorId", "data"}
        assert json.loads(request["data"]) == {"limit": [1, 2]}
        await command(aapi, station, "data_transfer", {"vendor_id": "com.acme"})
        assert await cp.next_call("DataTransfer") == {"vendorId": "com.acme"}

        for answer in ("Rejected", "UnknownVendorId", "UnknownMessageId"):
            cp.answers["DataTransfer"] = answer
            refused_ = await command(
                aapi, station, "data_transfer", {"vendor_id": "com.other"}, status="rejected"
            )
            assert refused_["error"] == f"station answered {answer}"
