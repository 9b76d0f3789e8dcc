"""Site meter readings for load management: a transformer's load as IoT meters publish it,
and what a car draws from its station's meter values. Pure functions over the standard
library."""

from __future__ import annotations

import json
from collections.abc import Mapping

from kilowatt.domain.errors import InvalidInput


def drawn_current_a(
    values: Mapping[str, float], phases: int, voltage: int
) -> tuple[float, int] | None:
    """What a car draws per phase, and on how many phases, from a meter report's readings
    (``Current.Import`` per phase or in all, else ``Power.Active.Import``); None when the
    report says neither."""
    per_phase = [v for k, v in values.items() if k.startswith("Current.Import.L")]
    if per_phase:
        drawing = [v for v in per_phase if v > 0.5]
        return round(max(per_phase), 1), max(1, len(drawing)) if drawing else phases
    if "Current.Import" in values:
        return round(values["Current.Import"], 1), phases
    if "Power.Active.Import" in values:
        return round(values["Power.Active.Import"] / (phases * voltage), 1), phases
    return None


_UNITS = {"w": 1.0, "kw": 1000.0, "mw": 1_000_000.0}
MAX_READING_W = 10**10


def parse_reading(text: str) -> int:
    """A meter's reading as IoT meters publish it, in W: a number (W), a number and its unit
    ("12.5 kW"), or a JSON object with ``power`` (or ``load_w``) and an optional ``unit``."""
    text = text.strip()
    value: object = text
    unit = "W"
    if text.startswith("{"):
        try:
            body = json.loads(text)
        except ValueError as error:
            raise InvalidInput("payload", "not JSON") from error
        if not isinstance(body, dict):
            raise InvalidInput("payload", "a JSON object")
        value = body.get("power", body.get("load_w"))
        unit = str(body.get("unit", "W"))
    elif " " in text:
        value, unit = text.rsplit(" ", 1)
    factor = _UNITS.get(unit.strip().lower())
    if factor is None:
        raise InvalidInput("unit", "W, kW or MW")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput("power", "a number")
    try:
        watts = float(value) * factor
    except ValueError as error:
        raise InvalidInput("power", "a number") from error
    if not 0 <= watts <= MAX_READING_W or watts != watts:
        raise InvalidInput("power", "0 or more, and plausible")
    return round(watts)
