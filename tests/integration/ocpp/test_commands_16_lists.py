"""Every remote-management operation against an independent OCPP 1.6 charge point (the ``ocpp``
library's ChargePoint over a real WebSocket): the station must receive exactly the right CALL,
its answer must be recorded on the command, and the consequences (transactions, reservations,
local list versions, configuration in the device model) must show in the REST API."""

from __future__ import annotations

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

SCHEDULE: dict[str, Any] = {
    "id": 1,
    "start_schedule": "2026-01-01T00:00:00Z",
    "duration": 86400,
    "rate_unit": "A",
    "periods": [
        {"start_period": 0, "limit": 16.0, "number_phases": 3},
        {"start_period": 28800, "limit": 10.0},
    ],
    "min_charging_rate": 6.0,
}
PROFILE: dict[str, Any] = {  # the API's body, the same for both versions
    "id": 7,
    "stack_level": 1,
    "purpose": "tx_default",
    "kind": "absolute",
    "schedules": [SCHEDULE],
}
PROFILE_16 = {  # as a 1.6 station gets it
    "chargingProfileId": 7,
    "stackLevel": 1,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": {
        "duration": 86400,
        "startSchedule": "2026-01-01T00:00:00.000Z",
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
            aapi, station, "set_charging_profile", {"evse_id": 1, "charging_profile": PROFILE}
        )
        request = await cp.next_call("SetChargingProfile")
        assert request == {"connectorId": 1, "csChargingProfiles": PROFILE_16}
        assert done["request"] == request
        # The command shows the profile as it was asked for.
        assert done["params"] == {
            "evse_id": 1,
            "charging_profile": {
                **PROFILE,
                "schedules": [{**SCHEDULE, "start_schedule": "2026-01-01T00:00:00+00:00"}],
            },
        }
        await command(aapi, station, "set_charging_profile", {"charging_profile": PROFILE})
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
        # The answer as the station sent it, and what it says, as a 2.0.1 station's would.
        assert schedule["response"]["chargingSchedule"]["chargingSchedulePeriod"] == [
            {"startPeriod": 0, "limit": 16.0, "numberPhases": 3}
        ]
        composite = schedule["result"]["schedule"]
        assert composite == {
            "evse_id": 1,
            "start": composite["start"],
            "duration": 3600,
            "rate_unit": "A",
            "periods": [{"start_period": 0, "limit": 16.0, "number_phases": 3}],
        }
        assert composite["start"] == schedule["response"]["scheduleStart"].replace("Z", "+00:00")
        await command(aapi, station, "get_composite_schedule", {"duration": 60})
        assert await cp.next_call("GetCompositeSchedule") == {"connectorId": 0, "duration": 60}

        await command(aapi, station, "clear_charging_profile", {"profile_id": 7})
        assert await cp.next_call("ClearChargingProfile") == {"id": 7}
        await command(
            aapi,
            station,
            "clear_charging_profile",
            {"evse_id": 1, "purpose": "tx_default", "stack_level": 1},
        )
        assert await cp.next_call("ClearChargingProfile") == {
            "connectorId": 1,
            "chargingProfilePurpose": "TxDefaultProfile",
            "stackLevel": 1,
        }
        await command(aapi, station, "clear_charging_profile", {"purpose": "station_max"})
        assert await cp.next_call("ClearChargingProfile") == {
            "chargingProfilePurpose": "ChargePointMaxProfile"
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
            {"evse_id": 1, "charging_profile": PROFILE},
            status="rejected",
        )
        cp.answers["GetCompositeSchedule"] = {"status": "Rejected"}
        rejected = await command(
            aapi,
            station,
            "get_composite_schedule",
            {"evse_id": 9, "duration": 60},
            status="rejected",
        )
        assert rejected["result"] == {"schedule": None}


def profile_with(**schedule: Any) -> dict[str, Any]:
    return {**PROFILE, "schedules": [{**SCHEDULE, **schedule}]}


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({**PROFILE, "schedules": [SCHEDULE, {**SCHEDULE, "id": 2}]}, "charging_profile.schedules"),
        (
            profile_with(periods=[{"start_period": 0, "limit": 16.0, "phase_to_use": 2}]),
            "charging_profile.schedules.0.periods.0.phase_to_use",
        ),
        (
            profile_with(
                periods=[{"start_period": 0, "limit": 16.0, "number_phases": 1, "phase_to_use": 2}]
            ),
            "charging_profile.schedules.0.periods.0.phase_to_use",
        ),
        (
            profile_with(
                periods=[{"start_period": 0, "limit": 16}, {"start_period": 0, "limit": 8}]
            ),
            "charging_profile.schedules.0.periods.1.start_period",
        ),
        ({**PROFILE, "purpose": "external_constraints"}, "charging_profile.purpose"),
        ({**PROFILE, "purpose": "tx", "transaction_id": "T-1"}, "charging_profile.transaction_id"),
    ],
    ids=[
        "two-schedules",
        "phase-to-use-of-three",
        "phase-to-use",
        "backwards",
        "external-constraints",
        "text-transaction-id",
    ],
)
async def test_a_profile_a_16_station_cannot_take_never_reaches_it(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, profile: dict[str, Any], field: str
) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        error = await refused_command(
            aapi,
            station,
            "set_charging_profile",
            {"evse_id": 1, "charging_profile": profile},
            field,
        )
        assert error["detail"].startswith(field), error
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
