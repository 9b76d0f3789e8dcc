"""Migration 0015 on SQLite and PostgreSQL: charging profiles, purposes and composite schedules
stored in a station's OCPP shape become the version-neutral ones, which Kilowatt reads as typed
parameters (the dashboard's power limits among them); the way down gives each station's shape
back."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from kilowatt.domain.charging_profiles import ProfilePurpose, RateUnit
from kilowatt.domain.command_params import (
    ClearChargingProfile,
    GetChargingProfiles,
    RemoteStart,
    SetChargingProfile,
)
from kilowatt.domain.commands import Command
from kilowatt.domain.power_limits import power_settings
from kilowatt.persistence.db import Database
from kilowatt.persistence.models.commands import commands
from kilowatt.persistence.models.mapping import start_mappers
from kilowatt.persistence.models.organizations import organizations
from kilowatt.persistence.models.stations import stations
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import insert_row

__all__ = ["database"]  # the fixture, over both databases

PERIODS = [{"startPeriod": 0, "limit": 7400.0}, {"startPeriod": 3600, "limit": 3700.0}]
LIMIT_16 = {
    "chargingProfileId": 7101,
    "stackLevel": 1,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": {
        "startSchedule": "2026-05-01T12:00:00Z",
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": PERIODS,
    },
}
MAX_201 = {
    "id": 3,
    "stackLevel": 0,
    "chargingProfilePurpose": "ChargingStationMaxProfile",
    "chargingProfileKind": "Recurring",
    "recurrencyKind": "Daily",
    "validTo": "2027-01-01T00:00:00Z",
    "chargingSchedule": [
        {
            "id": 1,
            "startSchedule": "2026-05-01T00:00:00Z",
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32, "numberPhases": 3}],
        }
    ],
}
TX_16 = {
    "chargingProfileId": 11,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxProfile",
    "chargingProfileKind": "Relative",
    "chargingSchedule": {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
    },
}
COMPOSITE_16 = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6}]}
COMPOSITE_201 = {
    "evseId": 1,
    "duration": 600,
    "scheduleStart": "2026-05-01T12:00:00Z",
    "chargingRateUnit": "W",
    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0}],
}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def test_stored_profiles_become_neutral_and_come_back(database: Database) -> None:
    db = database
    await _step(db, "0013")
    rows = {  # name: (station, operation, params, result)
        "limit_16": ("16", "set_charging_profile", {"evse_id": 1, "charging_profile": LIMIT_16}),
        "max_201": ("201", "set_charging_profile", {"evse_id": 0, "charging_profile": MAX_201}),
        "start_16": ("16", "remote_start", {"id_tag": "CARD", "charging_profile": TX_16}),
        "clear_16": ("16", "clear_charging_profile", {"purpose": "ChargePointMaxProfile"}),
        "list_201": ("201", "get_charging_profiles", {"purpose": "TxDefaultProfile"}),
        "composite_16": ("16", "get_composite_schedule", {"evse_id": 2, "duration": 60}),
        "composite_201": ("201", "get_composite_schedule", {"evse_id": 1, "duration": 600}),
        "reset": ("16", "reset", {"type": "soft"}),
    }
    results = {
        "composite_16": {"schedule": COMPOSITE_16},
        "composite_201": {"schedule": COMPOSITE_201},
    }
    made: dict[str, int] = {}
    async with db.engine.begin() as connection:
        org = await insert_row(connection, organizations, name="Profiles", created_at=NOW)
        station = {}
        for version in ("16", "201"):
            station[version] = await insert_row(
                connection,
                stations,
                organization_id=org,
                ocpp_id=f"CP-{version}",
                registration_status="Accepted",
                protocol_version="1.6" if version == "16" else "2.0.1",
                created_at=NOW,
                updated_at=NOW,
            )
        for name, (version, operation, params) in rows.items():
            made[name] = await insert_row(
                connection,
                commands,
                organization_id=org,
                station_id=station[version],
                station_ocpp_id=f"CP-{version}",
                operation=operation,
                params=params,
                requested_by="test",
                # (an accepted clear would take the limits in force away)
                status="rejected" if operation == "clear_charging_profile" else "accepted",
                timeout=30.0,
                result=results.get(name),
                created_at=NOW,
                completed_at=NOW,
            )

    await _step(db, "0015")
    stored = {
        row[0]: (_json(row[1]), _json(row[2]))
        for row in await _rows(db, "SELECT id, params, result FROM commands")
    }
    assert stored[made["limit_16"]][0] == {
        "evse_id": 1,
        "charging_profile": {
            "id": 7101,
            "stack_level": 1,
            "purpose": "tx_default",
            "kind": "absolute",
            "schedules": [
                {
                    "start_schedule": "2026-05-01T12:00:00Z",
                    "rate_unit": "W",
                    "periods": [
                        {"start_period": 0, "limit": 7400.0},
                        {"start_period": 3600, "limit": 3700.0},
                    ],
                }
            ],
        },
    }
    assert stored[made["clear_16"]][0] == {"purpose": "station_max"}
    assert stored[made["composite_16"]][1] == {
        "schedule": {"evse_id": 2, "rate_unit": "A", "periods": [{"start_period": 0, "limit": 6.0}]}
    }
    assert stored[made["composite_201"]][1] == {
        "schedule": {
            "evse_id": 1,
            "start": "2026-05-01T12:00:00Z",
            "duration": 600,
            "rate_unit": "W",
            "periods": [{"start_period": 0, "limit": 11000.0}],
        }
    }
    assert stored[made["reset"]][0] == {"type": "soft"}

    # Kilowatt reads every one of them as typed parameters.
    start_mappers()
    async with db.sessions() as session:
        found = {c.id: c for c in (await session.execute(select(Command))).scalars()}
    limit = found[made["limit_16"]].params
    assert isinstance(limit, SetChargingProfile)
    assert [p.limit for p in limit.charging_profile.schedule.periods] == [7400.0, 3700.0]
    maximum = found[made["max_201"]].params
    assert isinstance(maximum, SetChargingProfile)
    assert maximum.charging_profile.purpose is ProfilePurpose.STATION_MAX
    assert maximum.charging_profile.schedule.rate_unit is RateUnit.AMPERES
    start = found[made["start_16"]].params
    assert isinstance(start, RemoteStart)
    assert start.charging_profile is not None
    assert start.charging_profile.purpose is ProfilePurpose.TX
    assert found[made["clear_16"]].params == ClearChargingProfile(
        purpose=ProfilePurpose.STATION_MAX
    )
    assert found[made["list_201"]].params == GetChargingProfiles(purpose=ProfilePurpose.TX_DEFAULT)
    # ...and the dashboard's power limits read the limits in force from them.
    settings = power_settings(sorted(found.values(), key=lambda c: c.id or 0))
    assert {key: s.text for key, s in settings.items()} == {
        (found[made["limit_16"]].station_id, 1): "7.4 kW",
        (found[made["max_201"]].station_id, 0): "32 A",
    }

    await _step(db, "0013", down=True)
    back = {
        row[0]: (_json(row[1]), _json(row[2]))
        for row in await _rows(db, "SELECT id, params, result FROM commands")
    }
    assert back[made["limit_16"]][0] == {"evse_id": 1, "charging_profile": LIMIT_16}
    assert back[made["max_201"]][0]["charging_profile"] == {
        **MAX_201,
        "chargingSchedule": [
            {
                **MAX_201["chargingSchedule"][0],  # type: ignore[index]
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32.0, "numberPhases": 3}],
            }
        ],
    }
    assert back[made["start_16"]][0]["charging_profile"] == TX_16
    assert back[made["clear_16"]][0] == {"purpose": "ChargePointMaxProfile"}
    assert back[made["list_201"]][0] == {"purpose": "TxDefaultProfile"}
    assert back[made["composite_201"]][1] == {"schedule": COMPOSITE_201}
    assert back[made["reset"]][0] == {"type": "soft"}
