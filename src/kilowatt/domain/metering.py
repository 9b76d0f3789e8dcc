"""Meter readings: one shape for every protocol version, units normalised.

Stored units: energy Wh (reactive varh), power W (reactive var, apparent VA), voltage V,
current A, state of charge and other ratios %, temperature °C, frequency Hz.
"""

from __future__ import annotations

import math
from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import datetime

ENERGY_REGISTER = "Energy.Active.Import.Register"
POWER_IMPORT = "Power.Active.Import"
CURRENT_IMPORT = "Current.Import"
VOLTAGE = "Voltage"
SOC = "SoC"
TEMPERATURE = "Temperature"

# Unit written by the station → (stored unit, factor, offset): stored = raw * factor + offset.
_UNITS: dict[str, tuple[str, float, float]] = {
    "Wh": ("Wh", 1.0, 0.0),
    "kWh": ("Wh", 1000.0, 0.0),
    "varh": ("varh", 1.0, 0.0),
    "kvarh": ("varh", 1000.0, 0.0),
    "W": ("W", 1.0, 0.0),
    "kW": ("W", 1000.0, 0.0),
    "VA": ("VA", 1.0, 0.0),
    "kVA": ("VA", 1000.0, 0.0),
    "var": ("var", 1.0, 0.0),
    "kvar": ("var", 1000.0, 0.0),
    "A": ("A", 1.0, 0.0),
    "V": ("V", 1.0, 0.0),
    "Celsius": ("°C", 1.0, 0.0),
    "Celcius": ("°C", 1.0, 0.0),  # the OCPP 1.6 schema's own spelling
    "°C": ("°C", 1.0, 0.0),
    "Fahrenheit": ("°C", 5.0 / 9.0, -32.0 * 5.0 / 9.0),
    "K": ("°C", 1.0, -273.15),
    "Percent": ("%", 1.0, 0.0),
    "%": ("%", 1.0, 0.0),
    "Hz": ("Hz", 1.0, 0.0),
    "Hertz": ("Hz", 1.0, 0.0),
    "RPM": ("RPM", 1.0, 0.0),
    "ASU": ("ASU", 1.0, 0.0),
    "B": ("B", 1.0, 0.0),
    "dBm": ("dBm", 1.0, 0.0),
    "deg": ("deg", 1.0, 0.0),
}

# OCPP's default unit when a sampled value names none.
_DEFAULT_UNIT_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("Energy.Reactive", "varh"),
    ("Energy", "Wh"),
    ("Power.Reactive", "var"),
    ("Power.Factor", ""),
    ("Power.Offered", "W"),
    ("Power", "W"),
    ("Current", "A"),
    ("Voltage", "V"),
    ("SoC", "Percent"),
    ("Temperature", "Celsius"),
    ("Frequency", "Hz"),
    ("RPM", "RPM"),
)


def default_unit(measurand: str) -> str:
    for prefix, unit in _DEFAULT_UNIT_BY_PREFIX:
        if measurand.startswith(prefix):
            return unit
    return ""


def normalise(
    value: float, unit: str | None, measurand: str, multiplier: int = 0
) -> tuple[float, str]:
    """Return ``value`` in the stored unit for ``measurand``.

    ``multiplier`` is the 2.0.1 power-of-ten of UnitOfMeasureType. Units we do not know are
    kept as the station wrote them rather than guessed at.
    """
    raw_unit = unit if unit else default_unit(measurand)
    if multiplier:
        value = value * (10.0**multiplier)
    known = _UNITS.get(raw_unit)
    if known is None:
        return value, raw_unit
    stored_unit, factor, offset = known
    return value * factor + offset, stored_unit


@dataclass(frozen=True, slots=True)
class SampledValue:
    """One reading, already normalised. ``value`` is None for a signed or unreadable value."""

    timestamp: datetime
    measurand: str
    value: float | None
    unit: str
    phase: str | None = None
    context: str | None = None
    location: str | None = None
    raw: str | None = None


def parse_number(text: str | float | int) -> float | None:
    """1.6 sends readings as strings; some stations add spaces or use a comma."""
    if isinstance(text, int | float):
        number = float(text)
    else:
        try:
            number = float(text.strip().replace(",", "."))
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def energy_register_wh(samples: list[SampledValue]) -> int | None:
    """The station's total imported energy in these samples, in Wh.

    The phase-less outlet register wins; without one, the per-phase registers are summed.
    Among several timestamps the latest counts.
    """
    registers = [
        (s.timestamp, s.phase, s.value)
        for s in samples
        if s.measurand == ENERGY_REGISTER
        and s.value is not None
        and s.unit == "Wh"
        and s.location in (None, "Outlet")
    ]
    if not registers:
        return None
    latest = max(ts for ts, _, _ in registers)
    whole = [v for ts, phase, v in registers if ts == latest and not phase]
    if whole:
        return round(whole[0])
    phases = [v for ts, phase, v in registers if ts == latest and phase in ("L1", "L2", "L3")]
    return round(sum(phases)) if phases else None


def register_readings(samples: list[SampledValue]) -> list[tuple[datetime, str | None, int]]:
    """The energy register at each (timestamp, context) the samples were taken, in Wh."""
    groups: dict[tuple[datetime, str | None], list[SampledValue]] = {}
    for sample in samples:
        if sample.measurand == ENERGY_REGISTER:
            groups.setdefault((sample.timestamp, sample.context), []).append(sample)
    readings = []
    for (timestamp, context), group in sorted(groups.items(), key=lambda item: item[0][0]):
        wh = energy_register_wh(group)
        if wh is not None:
            readings.append((timestamp, context, wh))
    return readings


@dataclass(frozen=True, slots=True)
class MeterRecord:
    """A stored reading: where it was taken and, if any, the transaction it belongs to."""

    station_id: int
    evse_id: int
    connector_id: int
    transaction_id: int | None
    sample: SampledValue


ReadingKey = tuple[int, int, int, int | None, datetime, str, str, str, str, bool]


def reading_key(record: MeterRecord) -> ReadingKey:
    """What makes a reading one reading: a transaction's (or, without one, a connector's)
    measurand at one instant, phase, location and context, as a number or as signed (or
    unreadable) data, which may come beside it. A replayed MeterValues, or a 2.0.1 Ended event
    repeating the Transaction.Begin reading, has the same key."""
    sample = record.sample
    where = (
        (0, 0, 0)
        if record.transaction_id is not None
        else (
            record.station_id,
            record.evse_id,
            record.connector_id,
        )
    )
    return (
        *where,
        record.transaction_id,
        sample.timestamp,
        sample.measurand,
        sample.phase or "",
        sample.location or "",
        sample.context or "",
        sample.value is None,
    )


def new_readings(records: Sequence[MeterRecord], stored: Set[ReadingKey]) -> list[MeterRecord]:
    """``records`` less those already ``stored`` and those repeated among themselves."""
    seen = set(stored)
    fresh = []
    for record in records:
        key = reading_key(record)
        if key not in seen:
            seen.add(key)
            fresh.append(record)
    return fresh
