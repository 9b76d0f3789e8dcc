"""Power limits set from the dashboard: the limit an operator types, the charging profile that
sets it (OCPP 1.6 or 2.0.1), and the setting in force on each EVSE derived from the accepted
set/clear charging profile commands."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kilowatt.domain.commands import Command, CommandStatus, Operation
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.stations import ProtocolVersion

PROFILE_ID_BASE = 7100
"""Power limits set from the dashboard use charging profile id PROFILE_ID_BASE + EVSE id, so
that setting a new limit replaces the previous one and removing it clears just that one."""
LIMIT_STACK_LEVEL = 1
MAX_LIMIT_KW = 1000.0
SETTING_PURPOSES = frozenset(
    {"TxDefaultProfile", "ChargePointMaxProfile", "ChargingStationMaxProfile"}
)


def parse_limit_kw(text: str) -> int:
    """The power limit an operator typed, in kW; returned in W."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        raise InvalidInput("limit_kw", "enter the limit in kW")
    try:
        value = float(cleaned)
    except ValueError as error:
        raise InvalidInput("limit_kw", "enter a number of kW, such as 7.4") from error
    if not 0 < value <= MAX_LIMIT_KW:
        raise InvalidInput("limit_kw", f"enter a limit above 0 and at most {MAX_LIMIT_KW:g} kW")
    return round(value * 1000)


def profile_id_for(evse_id: int) -> int:
    return PROFILE_ID_BASE + evse_id


def limit_profile(
    protocol_version: str | None, evse_id: int, limit_w: int, now: datetime
) -> dict[str, Any]:
    """An absolute default profile (TxDefaultProfile) limiting the EVSE to ``limit_w`` from now
    on, in the station's OCPP version."""
    start = now.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    period = [{"startPeriod": 0, "limit": float(limit_w)}]
    profile_id = profile_id_for(evse_id)
    if protocol_version == ProtocolVersion.OCPP201.value:
        return {
            "id": profile_id,
            "stackLevel": LIMIT_STACK_LEVEL,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": [
                {
                    "id": profile_id,
                    "startSchedule": start,
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": period,
                }
            ],
        }
    return {
        "chargingProfileId": profile_id,
        "stackLevel": LIMIT_STACK_LEVEL,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "startSchedule": start,
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": period,
        },
    }


@dataclass(frozen=True, slots=True)
class PowerSetting:
    """A limit in force on an EVSE (or, with ``evse_id`` 0, the whole station)."""

    station_id: int
    evse_id: int
    limit: float
    unit: str
    """"W" or "A"."""
    profile_id: int | None
    since: datetime | None
    command_id: int | None

    @property
    def text(self) -> str:
        if self.unit == "W":
            return f"{self.limit / 1000:g} kW"
        return f"{self.limit:g} {self.unit}"


def _profile_facts(profile: Mapping[str, Any]) -> tuple[int | None, str, float, str] | None:
    """(profile id, purpose, first limit, unit) of a 1.6 or 2.0.1 charging profile."""
    schedule = profile.get("chargingSchedule")
    if isinstance(schedule, list):
        schedule = schedule[0] if schedule else None
    if not isinstance(schedule, Mapping):
        return None
    periods = schedule.get("chargingSchedulePeriod") or []
    if not periods or not isinstance(periods[0], Mapping):
        return None
    try:
        limit = float(periods[0]["limit"])
    except (KeyError, TypeError, ValueError):
        return None
    raw_id = profile.get("chargingProfileId", profile.get("id"))
    profile_id = raw_id if isinstance(raw_id, int) else None
    purpose = str(profile.get("chargingProfilePurpose", ""))
    return profile_id, purpose, limit, str(schedule.get("chargingRateUnit", "W"))


def power_settings(commands: Iterable[Command]) -> dict[tuple[int, int], PowerSetting]:
    """The limits in force, by (station id, EVSE id), from set/clear charging profile commands
    in the order they were sent: an accepted set of a default or station maximum profile puts
    one in force; an accepted clear removes those it matches (all of the station when it names
    neither profile nor EVSE)."""
    settings: dict[tuple[int, int], PowerSetting] = {}
    for command in commands:
        if command.status is not CommandStatus.ACCEPTED:
            continue
        params = command.params
        if command.operation == Operation.SET_CHARGING_PROFILE.value:
            facts = _profile_facts(params.get("charging_profile") or {})
            if facts is None:
                continue
            profile_id, purpose, limit, unit = facts
            if purpose not in SETTING_PURPOSES:
                continue
            evse_id = int(params.get("evse_id") or 0)
            settings[(command.station_id, evse_id)] = PowerSetting(
                command.station_id,
                evse_id,
                limit,
                unit,
                profile_id,
                command.completed_at or command.created_at,
                command.id,
            )
        elif command.operation == Operation.CLEAR_CHARGING_PROFILE.value:
            cleared_id = params.get("profile_id")
            cleared_evse = params.get("evse_id")
            for key, setting in list(settings.items()):
                if key[0] != command.station_id:
                    continue
                if cleared_id is not None and setting.profile_id != cleared_id:
                    continue
                if cleared_evse is not None and setting.evse_id != int(cleared_evse):
                    continue
                del settings[key]
    return settings


def setting_for(
    settings: Mapping[tuple[int, int], PowerSetting], station_id: int, evse_id: int
) -> PowerSetting | None:
    """The limit on an EVSE: its own, else the station's."""
    return settings.get((station_id, evse_id)) or settings.get((station_id, 0))
