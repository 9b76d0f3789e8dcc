"""Charging profiles, the same for every protocol version.

A charging profile limits what a station (or one EVSE) may draw over time: a purpose (the
station's maximum, the default for transactions, one transaction), a kind (absolute, recurring,
relative), a stack level (higher wins), a validity, and up to three schedules of periods in
amperes or watts. ``ocpp/v16`` and ``ocpp/v201`` translate it to and from each version; what
one version cannot express is refused there, naming the field.

Profiles read from stations (reports, composite schedules) are kept as they come; the rules of
``check_profile`` apply to the profiles Kilowatt sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from kilowatt.domain.errors import InvalidInput

MAX_SCHEDULES = 3
"""A 2.0.1 profile carries one to three schedules; a 1.6 profile exactly one."""
MAX_PERIODS = 1024


class ProfilePurpose(StrEnum):
    STATION_MAX = "station_max"
    """The most the whole station (EVSE 0) or one EVSE may draw (1.6 ChargePointMaxProfile,
    2.0.1 ChargingStationMaxProfile)."""
    TX_DEFAULT = "tx_default"
    """What every transaction gets unless it has a profile of its own."""
    TX = "tx"
    """One transaction's profile (sent with a remote start, or naming the transaction)."""
    EXTERNAL_CONSTRAINTS = "external_constraints"
    """2.0.1: a limit set by something outside OCPP (reported by stations, never sent)."""


class ProfileKind(StrEnum):
    ABSOLUTE = "absolute"
    """The schedule starts at its ``start_schedule``."""
    RECURRING = "recurring"
    """The schedule repeats every day or week from its ``start_schedule``."""
    RELATIVE = "relative"
    """The schedule starts when charging starts."""


class Recurrency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class RateUnit(StrEnum):
    AMPERES = "A"
    """Per phase."""
    WATTS = "W"


@dataclass(frozen=True, slots=True)
class ChargingSchedulePeriod:
    start_period: int
    """Seconds from the start of the schedule; the first period starts at 0."""
    limit: float
    """In the schedule's unit, with one decimal at most."""
    number_phases: int | None = None
    phase_to_use: int | None = None
    """2.0.1 only: the phase (1-3) an EVSE that can switch phases uses with one phase."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargingSchedule:
    id: int | None = None
    """2.0.1 names each schedule; 1.6 has no such id."""
    start_schedule: datetime | None = None
    duration: int | None = None
    """Seconds; without it the last period goes on (to the end of the transaction)."""
    rate_unit: RateUnit
    periods: tuple[ChargingSchedulePeriod, ...]
    min_charging_rate: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargingProfile:
    id: int
    stack_level: int
    purpose: ProfilePurpose
    kind: ProfileKind
    recurrency: Recurrency | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: str | None = None
    """The transaction of a ``tx`` profile, as the station knows it (for 1.6, Kilowatt's
    transaction id; for 2.0.1, the station's own)."""
    schedules: tuple[ChargingSchedule, ...]

    @property
    def schedule(self) -> ChargingSchedule:
        """The first schedule (every profile has one)."""
        return self.schedules[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class CompositeSchedule:
    """What a station says it will draw over a time (its answer to GetCompositeSchedule)."""

    evse_id: int
    start: datetime | None = None
    duration: int | None = None
    rate_unit: RateUnit
    periods: tuple[ChargingSchedulePeriod, ...]
    min_charging_rate: float | None = None


def _one_decimal(value: float) -> bool:
    try:
        exponent = Decimal(str(value)).normalize().as_tuple().exponent
    except InvalidOperation:
        return False
    return isinstance(exponent, int) and exponent >= -1


def check_periods(periods: tuple[ChargingSchedulePeriod, ...], field: str) -> None:
    """Periods in order: the first at 0, each later than the one before, limits ≥ 0 with one
    decimal at most, one to three phases."""
    if not periods:
        raise InvalidInput(field, "give at least one period")
    if len(periods) > MAX_PERIODS:
        raise InvalidInput(field, f"at most {MAX_PERIODS} periods")
    previous: int | None = None
    for index, period in enumerate(periods):
        at = f"{field}.{index}"
        if previous is None and period.start_period != 0:
            raise InvalidInput(f"{at}.start_period", "the first period starts at 0")
        if previous is not None and period.start_period <= previous:
            raise InvalidInput(f"{at}.start_period", "each period starts after the one before it")
        previous = period.start_period
        if not period.limit >= 0:
            raise InvalidInput(f"{at}.limit", "a limit is 0 or more")
        if not _one_decimal(period.limit):
            raise InvalidInput(f"{at}.limit", "a limit has one decimal at most")
        if period.number_phases is not None and period.number_phases not in (1, 2, 3):
            raise InvalidInput(f"{at}.number_phases", "1, 2 or 3 phases")
        if period.phase_to_use is not None:
            if period.phase_to_use not in (1, 2, 3):
                raise InvalidInput(f"{at}.phase_to_use", "phase 1, 2 or 3")
            if period.number_phases != 1:
                raise InvalidInput(f"{at}.phase_to_use", "only when charging on one phase")


def check_schedule(schedule: ChargingSchedule, kind: ProfileKind, field: str) -> None:
    check_periods(schedule.periods, f"{field}.periods")
    if schedule.duration is not None and schedule.duration <= 0:
        raise InvalidInput(f"{field}.duration", "a duration is more than 0 seconds")
    if schedule.min_charging_rate is not None and not (
        schedule.min_charging_rate >= 0 and _one_decimal(schedule.min_charging_rate)
    ):
        raise InvalidInput(f"{field}.min_charging_rate", "0 or more, with one decimal at most")
    if kind is ProfileKind.RELATIVE and schedule.start_schedule is not None:
        raise InvalidInput(
            f"{field}.start_schedule", "a relative schedule starts when charging starts"
        )
    if kind is ProfileKind.RECURRING and schedule.start_schedule is None:
        raise InvalidInput(f"{field}.start_schedule", "a recurring schedule needs its start")


def check_profile(profile: ChargingProfile, field: str = "charging_profile") -> None:
    """The rules every profile Kilowatt sends keeps, whatever the station's version (InvalidInput
    naming the field, such as ``charging_profile.schedules.0.periods.1.start_period``)."""
    if profile.id < 0:
        raise InvalidInput(f"{field}.id", "a profile id is 0 or more")
    if profile.stack_level < 0:
        raise InvalidInput(f"{field}.stack_level", "a stack level is 0 or more")
    if profile.purpose is ProfilePurpose.EXTERNAL_CONSTRAINTS:
        raise InvalidInput(
            f"{field}.purpose", "external constraints are set by the station, not sent to it"
        )
    if (profile.kind is ProfileKind.RECURRING) != (profile.recurrency is not None):
        raise InvalidInput(
            f"{field}.recurrency", "a recurring profile, and only that, says daily or weekly"
        )
    if profile.transaction_id is not None and profile.purpose is not ProfilePurpose.TX:
        raise InvalidInput(f"{field}.transaction_id", "only a tx profile names a transaction")
    if (
        profile.valid_from is not None
        and profile.valid_to is not None
        and profile.valid_from >= profile.valid_to
    ):
        raise InvalidInput(f"{field}.valid_to", "must be after valid_from")
    if not profile.schedules:
        raise InvalidInput(f"{field}.schedules", "give at least one schedule")
    if len(profile.schedules) > MAX_SCHEDULES:
        raise InvalidInput(f"{field}.schedules", f"at most {MAX_SCHEDULES} schedules")
    ids = [s.id for s in profile.schedules if s.id is not None]
    if len(ids) != len(set(ids)):
        raise InvalidInput(f"{field}.schedules", "each schedule has an id of its own")
    for index, schedule in enumerate(profile.schedules):
        check_schedule(schedule, profile.kind, f"{field}.schedules.{index}")
