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
    online201,
    post,
    refused_command,
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


# Smart charging ------------------------------------------------------------------------------

SCHEDULE: dict[str, Any] = {
    "id": 1,
    "start_schedule": "2026-01-01T00:00:00Z",
    "duration": 86400,
    "rate_unit": "W",
    "periods": [
        {"start_period": 0, "limit": 11000.0},
        {"start_period": 3600, "limit": 7400.0, "number_phases": 3},
    ],
}
PROFILE: dict[str, Any] = {  # the API's body, the same for both versions
    "id": 21,
    "stack_level": 0,
    "purpose": "tx_default",
    "kind": "absolute",
    "schedules": [SCHEDULE],
}
PROFILE_201 = {  # as a 2.0.1 station gets it
    "id": 21,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": [
        {
            "id": 1,
            "startSchedule": "2026-01-01T00:00:00.000Z",
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
            aapi, station, "set_charging_profile", {"evse_id": 1, "charging_profile": PROFILE}
        )
        request = await cp.next_call("SetChargingProfile")
        assert request == {"evseId": 1, "chargingProfile": PROFILE_201}
        assert done["request"] == request

        listed = await command(
            aapi,
            station,
            "get_charging_profiles",
            {"evse_id": 1, "purpose": "tx_default", "stack_level": 0},
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
        # The answer as the station sent it, and what it says, as a 1.6 station's would.
        assert schedule["response"]["schedule"]["chargingSchedulePeriod"] == [
            {"startPeriod": 0, "limit": 11000.0}
        ]
        composite = schedule["result"]["schedule"]
        assert composite == {
            "evse_id": 1,
            "start": schedule["response"]["schedule"]["scheduleStart"].replace("Z", "+00:00"),
            "duration": 3600,
            "rate_unit": "W",
            "periods": [{"start_period": 0, "limit": 11000.0}],
        }

        await command(aapi, station, "clear_charging_profile", {"profile_id": 21})
        assert await cp.next_call("ClearChargingProfile") == {"chargingProfileId": 21}
        await command(
            aapi,
            station,
            "clear_charging_profile",
            {"evse_id": 0, "purpose": "station_max", "stack_level": 2},
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
            {"evse_id": 1, "charging_profile": PROFILE},
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


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        (
            {**PROFILE, "schedules": [{**SCHEDULE, "id": None}]},
            "charging_profile.schedules.0.id",
        ),
        (
            {
                **PROFILE,
                "purpose": "tx",
                "transaction_id": "T" * 36,
                "valid_to": "2025-01-01T00:00Z",
                "valid_from": "2026-01-01T00:00Z",
            },
            "charging_profile.valid_to",
        ),
        (
            {**PROFILE, "kind": "relative"},
            "charging_profile.schedules.0.start_schedule",
        ),
    ],
    ids=["schedule-without-id", "valid-to-before-valid-from", "relative-with-a-start"],
)
async def test_an_invalid_charging_profile_never_reaches_the_station(
    server: RunningServer,
    aapi: httpx.AsyncClient,
    ids: Ids,
    profile: dict[str, Any],
    field: str,
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        error = await refused_command(
            aapi,
            station,
            "set_charging_profile",
            {"evse_id": 1, "charging_profile": profile},
            field,
        )
        assert error["detail"].startswith(field), error
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
