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
from ocpp.v16 import call

from tests.conftest import Ids
from tests.support.commands import (
    MISSING_ID,
    async_api,
    command,
    device_model,
    later,
    ocpp_time,
    online16,
    post,
    refused_command,
    reservation,
    reservations,
    token,
    transaction,
)
from tests.support.ocpp16 import iso
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
    profile = {
        "chargingProfileId": 11,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
        },
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
            "chargingProfile": profile,
        }

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


# Local authorization list ----------------------------------------------------------------------


def entries(request: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["idTag"]: entry for entry in request["localAuthorizationList"]}


async def test_send_local_list_full_then_differential_and_version_mismatch(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    a, b, c, d, e = (ids.tag(name) for name in ("LA", "LB", "LC", "LD", "LE"))
    expiry = later(60 * 24)
    made = {
        a: await token(aapi, a, expires_at=expiry, group_id=f"G{ids.suffix}"),
        b: await token(aapi, b),
        c: await token(aapi, c, expires_at=expiry),
    }
    async with online16(server, aapi, station) as cp:
        full = await command(aapi, station, "send_local_list", {"update_type": "full"})
        request = await cp.next_call("SendLocalList")
        assert full["request"] == request
        assert (request["listVersion"], request["updateType"]) == (1, "Full")
        sent = entries(request)
        assert sent[a] == {
            "idTag": a,
            "idTagInfo": {
                "status": "Accepted",
                "expiryDate": ocpp_time(expiry),
                "parentIdTag": f"G{ids.suffix}",
            },
        }
        assert sent[b] == {"idTag": b, "idTagInfo": {"status": "Accepted"}}
        assert sent[c]["idTagInfo"]["expiryDate"] == ocpp_time(expiry)
        assert cp.local_list_version == 1

        # Changes: a removed, b blocked, d new; c unchanged.
        assert (await aapi.delete(f"/id-tokens/{made[a]['id']}")).status_code == 204
        blocked = await aapi.patch(f"/id-tokens/{made[b]['id']}", json={"status": "Blocked"})
        assert blocked.status_code == 200, blocked.text
        await token(aapi, d)

        await command(aapi, station, "send_local_list", {"update_type": "differential"})
        request = await cp.next_call("SendLocalList")
        assert (request["listVersion"], request["updateType"]) == (2, "Differential")
        sent = entries(request)
        assert sent[a] == {"idTag": a}
        assert sent[b] == {"idTag": b, "idTagInfo": {"status": "Blocked"}}
        assert sent[d] == {"idTag": d, "idTagInfo": {"status": "Accepted"}}
        assert c not in sent
        assert a not in cp.local_list
        assert cp.local_list[b] == {"status": "Blocked"}
        assert c in cp.local_list
        assert d in cp.local_list

        # The station's list is not what we think: rejected, and the version does not move.
        await token(aapi, e)
        cp.answers["SendLocalList"] = "VersionMismatch"
        mismatch = await command(
            aapi,
            station,
            "send_local_list",
            {"update_type": "differential"},
            status="rejected",
        )
        assert mismatch["error"] == "station answered VersionMismatch"
        request = await cp.next_call("SendLocalList")
        assert request["listVersion"] == 3
        assert e in entries(request)
        assert cp.local_list_version == 2

        del cp.answers["SendLocalList"]
        await command(aapi, station, "send_local_list", {"update_type": "differential"})
        request = await cp.next_call("SendLocalList")
        assert (request["listVersion"], request["updateType"]) == (3, "Differential")
        assert e in entries(request)
        assert d not in entries(request)

        version = await command(aapi, station, "get_local_list_version", {})
        assert await cp.next_call("GetLocalListVersion") == {}
        assert version["response"] == {"listVersion": 3}


async def test_send_local_list_refused_as_not_supported_or_failed(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    await token(aapi, ids.tag())
    async with online16(server, aapi, station) as cp:
        for answer in ("NotSupported", "Failed"):
            cp.answers["SendLocalList"] = answer
            await command(aapi, station, "send_local_list", {}, status="rejected")
            assert (await cp.next_call("SendLocalList"))["listVersion"] == 1
        del cp.answers["SendLocalList"]
        await command(aapi, station, "send_local_list", {})
        request = await cp.next_call("SendLocalList")
        assert (request["listVersion"], request["updateType"]) == (1, "Full")


async def test_a_local_list_never_holds_a_truncated_id_tag(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    long_tag = f"LONG{ids.suffix}{'X' * 20}"
    made = await token(aapi, long_tag)
    try:
        async with online16(server, aapi, station) as cp:
            await command(aapi, station, "send_local_list", {})
            sent = entries(await cp.next_call("SendLocalList"))
            assert long_tag[:20] not in sent
    finally:
        await aapi.delete(f"/id-tokens/{made['id']}")


async def test_get_local_list_version_of_a_fresh_station(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        done = await command(aapi, station, "get_local_list_version", {})
        assert await cp.next_call("GetLocalListVersion") == {}
        assert (done["action"], done["response"]) == ("GetLocalListVersion", {"listVersion": 0})


# Reservations ------------------------------------------------------------------------------


async def test_reserve_now_accepted_then_used_by_a_start_transaction(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    await token(aapi, tag)
    expires = later(30)
    async with online16(server, aapi, station) as cp:
        made = await command(
            aapi, station, "reserve_now", {"id_tag": tag, "expires_at": expires, "evse_id": 1}
        )
        reservation_id = made["params"]["reservation_id"]
        request = await cp.next_call("ReserveNow")
        assert request == {
            "connectorId": 1,
            "expiryDate": ocpp_time(expires),
            "idTag": tag,
            "reservationId": reservation_id,
        }
        assert made["request"] == request
        kept = await reservation(aapi, reservation_id)
        assert (kept["status"], kept["station_id"], kept["evse_id"], kept["id_tag"]) == (
            "active",
            station,
            1,
            tag,
        )

        started = await cp.call(
            call.StartTransaction(
                connector_id=1,
                id_tag=tag,
                meter_start=100,
                timestamp=iso(),
                reservation_id=reservation_id,
            )
        )
        assert started.id_tag_info["status"] == "Accepted"
        used = await reservation(aapi, reservation_id)
        assert (used["status"], used["transaction_id"]) == ("used", started.transaction_id)
        assert (await transaction(aapi, started.transaction_id))["reservation_id"] == (
            reservation_id
        )


async def test_reserve_now_refused_by_the_station_is_rejected_with_its_reason(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    async with online16(server, aapi, station) as cp:
        for answer in ("Occupied", "Faulted", "Unavailable", "Rejected"):
            cp.answers["ReserveNow"] = answer
            refused_ = await command(
                aapi,
                station,
                "reserve_now",
                {"id_tag": tag, "expires_at": later(), "evse_id": 2},
                status="rejected",
            )
            assert (await cp.next_call("ReserveNow"))["connectorId"] == 2
            assert refused_["error"] == f"station answered {answer}"
            kept = await reservation(aapi, refused_["params"]["reservation_id"])
            assert (kept["status"], kept["reason"]) == ("rejected", answer)


async def test_reserve_now_for_any_connector_and_in_the_past(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    async with online16(server, aapi, station) as cp:
        await command(aapi, station, "reserve_now", {"id_tag": tag, "expires_at": later()})
        assert (await cp.next_call("ReserveNow"))["connectorId"] == 0
        refused(
            await post(aapi, station, "reserve_now", {"id_tag": tag, "expires_at": later(-5)}),
            "expires_at",
        )
        assert cp.actions() == ["ReserveNow"]


async def test_cancel_reservation(server: RunningServer, aapi: httpx.AsyncClient, ids: Ids) -> None:
    station, tag = ids.station(), ids.tag()
    async with online16(server, aapi, station) as cp:
        first = await command(
            aapi, station, "reserve_now", {"id_tag": tag, "expires_at": later(), "evse_id": 1}
        )
        first_id = first["params"]["reservation_id"]
        cancelled = await command(aapi, station, "cancel_reservation", {"reservation_id": first_id})
        assert await cp.next_call("CancelReservation") == {"reservationId": first_id}
        assert cancelled["response"] == {"status": "Accepted"}
        assert (await reservation(aapi, first_id))["status"] == "cancelled"

        # Cancelled is final; an unknown reservation is not found.
        refused(
            await post(aapi, station, "cancel_reservation", {"reservation_id": first_id}),
            "reservation_id",
        )
        missing = await post(aapi, station, "cancel_reservation", {"reservation_id": MISSING_ID})
        assert missing.status_code == 404, missing.text

        second = await command(
            aapi, station, "reserve_now", {"id_tag": tag, "expires_at": later(), "evse_id": 2}
        )
        second_id = second["params"]["reservation_id"]
        cp.answers["CancelReservation"] = "Rejected"
        await command(
            aapi, station, "cancel_reservation", {"reservation_id": second_id}, status="rejected"
        )
        assert (await reservation(aapi, second_id))["status"] == "active"

        listed = await reservations(aapi, station)
        assert [r["id"] for r in listed] == [second_id, first_id]
        assert cp.actions() == [
            "ReserveNow",
            "CancelReservation",
            "ReserveNow",
            "CancelReservation",
        ]


# Smart charging ------------------------------------------------------------------------------

PROFILE_16 = {
    "chargingProfileId": 7,
    "stackLevel": 1,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": {
        "duration": 86400,
        "startSchedule": "2026-01-01T00:00:00Z",
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
            {"startPeriod": 28800, "limit": 10.0},
        ],
        "minChargingRate": 6.0,
    },
}


async def test_set_and_clear_charging_profile_and_get_composite_schedule(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        done = await command(
            aapi, station, "set_charging_profile", {"evse_id": 1, "charging_profile": PROFILE_16}
        )
        request = await cp.next_call("SetChargingProfile")
        assert request == {"connectorId": 1, "csChargingProfiles": PROFILE_16}
        assert done["request"] == request
        await command(aapi, station, "set_charging_profile", {"charging_profile": PROFILE_16})
        assert (await cp.next_call("SetChargingProfile"))["connectorId"] == 0

        schedule = await command(
            aapi,
            station,
            "get_composite_schedule",
            {"evse_id": 1, "duration": 3600, "rate_unit": "A"},
        )
        assert await cp.next_call("GetCompositeSchedule") == {
            "connectorId": 1,
            "duration": 3600,
            "chargingRateUnit": "A",
        }
        assert schedule["response"]["status"] == "Accepted"
        assert schedule["response"]["chargingSchedule"]["chargingSchedulePeriod"] == [
            {"startPeriod": 0, "limit": 16.0, "numberPhases": 3}
        ]
        await command(aapi, station, "get_composite_schedule", {"duration": 60})
        assert await cp.next_call("GetCompositeSchedule") == {"connectorId": 0, "duration": 60}

        await command(aapi, station, "clear_charging_profile", {"profile_id": 7})
        assert await cp.next_call("ClearChargingProfile") == {"id": 7}
        await command(
            aapi,
            station,
            "clear_charging_profile",
            {"evse_id": 1, "purpose": "TxDefaultProfile", "stack_level": 1},
        )
        assert await cp.next_call("ClearChargingProfile") == {
            "connectorId": 1,
            "chargingProfilePurpose": "TxDefaultProfile",
            "stackLevel": 1,
        }
        await command(aapi, station, "clear_charging_profile", {})
        assert await cp.next_call("ClearChargingProfile") == {}

        cp.answers["ClearChargingProfile"] = "Unknown"
        await command(aapi, station, "clear_charging_profile", {"profile_id": 8}, status="rejected")
        cp.answers["SetChargingProfile"] = "NotSupported"
        await command(
            aapi,
            station,
            "set_charging_profile",
            {"evse_id": 1, "charging_profile": PROFILE_16},
            status="rejected",
        )
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
    broken = {key: value for key, value in PROFILE_16.items() if key != "chargingSchedule"}
    async with online16(server, aapi, station) as cp:
        error = await refused_command(
            aapi,
            station,
            "set_charging_profile",
            {"evse_id": 1, "charging_profile": broken},
            "csChargingProfiles",
        )
        assert "chargingSchedule" in error["detail"], error
        assert cp.calls == []


# Operations of the other version ---------------------------------------------------------------

ONLY_201 = {
    "get_variables": {
        "variables": [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}]
    },
    "set_variables": {
        "variables": [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "1"}]
    },
    "get_base_report": {"report_base": "FullInventory"},
    "get_report": {},
    "get_charging_profiles": {},
    "set_display_message": {
        "message": {
            "id": 1,
            "priority": "NormalCycle",
            "message": {"format": "UTF8", "content": "x"},
        }
    },
    "get_display_messages": {},
    "clear_display_message": {"id": 1},
}


async def test_operations_of_ocpp_201_are_refused_for_a_16_station(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        for operation, body in ONLY_201.items():
            detail = refused(await post(aapi, station, operation, body), "operation")
            assert "2.0.1" in detail, (operation, detail)
        listed = await aapi.get(f"/stations/{station}/commands")
        assert listed.json()["items"] == []
        assert cp.calls == []
