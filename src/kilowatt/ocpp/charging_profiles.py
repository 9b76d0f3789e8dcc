"""Charging profiles ⇄ OCPP: what 1.6 and 2.0.1 spell the same (kinds, recurrency, periods).
Each version's own module (v16/charging_profiles.py, v201/charging_profiles.py) builds on it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kilowatt.domain.charging_profiles import (
    ChargingSchedulePeriod,
    ProfileKind,
    RateUnit,
    Recurrency,
)
from kilowatt.domain.errors import InvalidInput
from kilowatt.ocpp.commands import Payload, optional, timestamp

KINDS = {
    ProfileKind.ABSOLUTE: "Absolute",
    ProfileKind.RECURRING: "Recurring",
    ProfileKind.RELATIVE: "Relative",
}
NEUTRAL_KINDS = {value: key for key, value in KINDS.items()}
RECURRENCIES = {Recurrency.DAILY: "Daily", Recurrency.WEEKLY: "Weekly"}
NEUTRAL_RECURRENCIES = {value: key for key, value in RECURRENCIES.items()}


def when(value: datetime | None) -> str | None:
    return None if value is None else timestamp(value)


def moment(value: Any) -> datetime | None:
    """An OCPP dateTime the station sent (None when absent)."""
    return None if value is None else datetime.fromisoformat(str(value))


def periods_out(
    periods: Iterable[ChargingSchedulePeriod], field: str, *, phase_to_use: bool, version: str
) -> list[Payload]:
    out = []
    for index, period in enumerate(periods):
        if period.phase_to_use is not None and not phase_to_use:
            raise InvalidInput(
                f"{field}.{index}.phase_to_use", f"OCPP {version} has no phase to use"
            )
        out.append(
            optional(
                {"startPeriod": period.start_period, "limit": float(period.limit)},
                numberPhases=period.number_phases,
                phaseToUse=period.phase_to_use,
            )
        )
    return out


def periods_in(payload: Iterable[Payload]) -> tuple[ChargingSchedulePeriod, ...]:
    return tuple(
        ChargingSchedulePeriod(
            start_period=int(item["startPeriod"]),
            limit=float(item["limit"]),
            number_phases=item.get("numberPhases"),
            phase_to_use=item.get("phaseToUse"),
        )
        for item in payload
    )


def rate_unit(value: Any) -> RateUnit:
    return RateUnit(str(value))
