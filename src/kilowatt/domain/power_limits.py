"""Power limits set from the dashboard: the limit an operator types, the charging profile that
sets it, and the setting in force on each EVSE derived from the accepted set/clear charging
profile commands."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from kilowatt.domain.charging_profiles import (
    ChargingProfile,
    ChargingSchedule,
    ChargingSchedulePeriod,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
)
from kilowatt.domain.command_params import ClearChargingProfile, SetChargingProfile
from kilowatt.domain.commands import Command, CommandStatus
from kilowatt.domain.errors import InvalidInput

PROFILE_ID_BASE = 7100
"""Power limits set from the dashboard use charging profile id PROFILE_ID_BASE + EVSE id, so
that setting a new limit replaces the previous one and removing it clears just that one."""
LIMIT_STACK_LEVEL = 1
MAX_LIMIT_KW = 1000.0
SETTING_PURPOSES = frozenset({ProfilePurpose.TX_DEFAULT, ProfilePurpose.STATION_MAX})


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


def limit_profile(evse_id: int, limit_w: int, now: datetime) -> ChargingProfile:
    """An absolute default profile (for every transaction) limiting the EVSE to ``limit_w``
    from now on; its one schedule has the profile's id (2.0.1 names schedules)."""
    profile_id = profile_id_for(evse_id)
    return ChargingProfile(
        id=profile_id,
        stack_level=LIMIT_STACK_LEVEL,
        purpose=ProfilePurpose.TX_DEFAULT,
        kind=ProfileKind.ABSOLUTE,
        schedules=(
            ChargingSchedule(
                id=profile_id,
                start_schedule=now.replace(microsecond=0),
                rate_unit=RateUnit.WATTS,
                periods=(ChargingSchedulePeriod(start_period=0, limit=float(limit_w)),),
            ),
        ),
    )


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


def power_settings(commands: Iterable[Command]) -> dict[tuple[int, int], PowerSetting]:
    """The limits in force, by (station id, EVSE id), from set/clear charging profile commands
    in the order they were sent: an accepted set of a default or station maximum profile puts
    one in force (its first period's limit); an accepted clear removes those it matches (all
    of the station when it names neither profile nor EVSE)."""
    settings: dict[tuple[int, int], PowerSetting] = {}
    for command in commands:
        if command.status is not CommandStatus.ACCEPTED:
            continue
        params = command.params
        if isinstance(params, SetChargingProfile):
            profile = params.charging_profile
            if profile.purpose not in SETTING_PURPOSES or not profile.schedule.periods:
                continue
            evse_id = params.evse_id
            settings[(command.station_id, evse_id)] = PowerSetting(
                command.station_id,
                evse_id,
                profile.schedule.periods[0].limit,
                profile.schedule.rate_unit.value,
                profile.id,
                command.completed_at or command.created_at,
                command.id,
            )
        elif isinstance(params, ClearChargingProfile):
            for key, setting in list(settings.items()):
                if key[0] != command.station_id:
                    continue
                if params.profile_id is not None and setting.profile_id != params.profile_id:
                    continue
                if params.evse_id is not None and setting.evse_id != params.evse_id:
                    continue
                del settings[key]
    return settings


def setting_for(
    settings: Mapping[tuple[int, int], PowerSetting], station_id: int, evse_id: int
) -> PowerSetting | None:
    """The limit on an EVSE: its own, else the station's."""
    return settings.get((station_id, evse_id)) or settings.get((station_id, 0))
