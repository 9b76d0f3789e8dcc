"""The curve of a charging session from its meter readings (power, energy, voltage, current,
state of charge), and the live readings of a meter.values event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from kilowatt.domain.metering import (
    CURRENT_IMPORT,
    ENERGY_REGISTER,
    POWER_IMPORT,
    SOC,
    VOLTAGE,
    MeterRecord,
)

LIVE_KEYS: tuple[tuple[str, str], ...] = (
    ("power_w", POWER_IMPORT),
    ("voltage_v", VOLTAGE),
    ("current_a", CURRENT_IMPORT),
    ("soc", SOC),
)


def live_readings(values: Mapping[str, float | None]) -> dict[str, float | None]:
    """Power (W), voltage (V), current (A) and SoC (%) from a meter.values event's ``values``
    (measurand, or measurand.phase: the phases' mean voltage, their summed current)."""
    found: dict[str, float | None] = {}
    for name, measurand in LIVE_KEYS:
        plain = values.get(measurand)
        phased = [
            v
            for key, v in values.items()
            if v is not None and key.startswith(measurand + ".") and key[len(measurand) + 1 :]
        ]
        if plain is not None:
            found[name] = float(plain)
        elif phased:
            total = sum(phased)
            found[name] = total / len(phased) if measurand == VOLTAGE else total
        else:
            found[name] = None
    return found


@dataclass(frozen=True, slots=True)
class CurvePoint:
    seconds: float
    """Since the session started."""
    power_w: float | None
    energy_wh: float | None
    voltage_v: float | None
    current_a: float | None
    soc: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {
            "t": round(self.seconds, 1),
            "power_w": self.power_w,
            "energy_wh": self.energy_wh,
            "voltage_v": self.voltage_v,
            "current_a": self.current_a,
            "soc": self.soc,
        }


def curve(
    records: Sequence[MeterRecord], start: datetime, meter_start_wh: int | None
) -> list[CurvePoint]:
    """One point per reading time: the live values and the energy delivered so far."""
    by_time: dict[datetime, dict[str, float | None]] = {}
    for record in records:
        sample = record.sample
        if sample.context in ("Transaction.Begin", "Transaction.End") and sample.measurand != (
            ENERGY_REGISTER
        ):
            continue
        key = sample.measurand + (f".{sample.phase}" if sample.phase else "")
        by_time.setdefault(sample.timestamp, {})[key] = sample.value
    points = []
    for moment in sorted(by_time):
        values = by_time[moment]
        live = live_readings(values)
        register = values.get(ENERGY_REGISTER)
        energy = None
        if register is not None:
            energy = max(0.0, register - meter_start_wh) if meter_start_wh is not None else None
        points.append(
            CurvePoint(
                seconds=max(0.0, (moment - start).total_seconds()),
                power_w=live["power_w"],
                energy_wh=energy,
                voltage_v=live["voltage_v"],
                current_a=live["current_a"],
                soc=live["soc"],
            )
        )
    return points


def latest(points: Sequence[CurvePoint]) -> dict[str, float | None]:
    """The newest known value of each reading (for the live panel when the page opens)."""
    found: dict[str, float | None] = {
        "power_w": None,
        "energy_wh": None,
        "voltage_v": None,
        "current_a": None,
        "soc": None,
    }
    for point in points:
        for name, value in point.as_dict().items():
            if name != "t" and value is not None:
                found[name] = value
    return found
