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
    async_api,
    command,
    later,
    ocpp_time,
    online201,
    post,
    refused_command,
    reservation,
    token,
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
