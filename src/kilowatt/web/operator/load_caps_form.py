"""The time-of-use caps on the load settings form: a few numbered rows (days ticked, from, until,
at most kW); a row left empty is no cap, a row half filled is answered beside the field that
is missing. The API's rules (domain/load_caps.py) apply to what the rows make."""

from __future__ import annotations

from datetime import time
from typing import Any

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.load_caps import LoadCap
from kilowatt.domain.tariffs import Weekday
from kilowatt.web.kit.forms import Fields, Gettext
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.routes.assets.common import Kilowatts, kw, watts
from kilowatt.web.operator.tariff_form import TimeOfDay

CAP_ROWS = 3
"""Rows the form shows (the API takes up to 20 caps)."""
_PARTS = ("days", "start", "end", "kw")


def cap_fields() -> dict[str, Any]:
    """The rows' fields, for ``create_model`` over the load form."""
    fields: dict[str, Any] = {}
    for i in range(1, CAP_ROWS + 1):
        fields[f"cap{i}_days"] = (list[Weekday], [])
        fields[f"cap{i}_start"] = (TimeOfDay, "")
        fields[f"cap{i}_end"] = (TimeOfDay, "")
        fields[f"cap{i}_kw"] = (Kilowatts, None)
    return fields


def read_caps(data: Fields, gettext: Gettext) -> tuple[tuple[LoadCap, ...], dict[str, str]]:
    """The caps the rows make, and what is missing beside its field."""
    _ = gettext
    caps: list[LoadCap] = []
    errors: dict[str, str] = {}
    for i in range(1, CAP_ROWS + 1):
        days = getattr(data, f"cap{i}_days") or []
        start, end = getattr(data, f"cap{i}_start"), getattr(data, f"cap{i}_end")
        power = getattr(data, f"cap{i}_kw")
        if not (days or start or end or power is not None):
            continue
        if not days:
            errors[f"cap{i}_days"] = _("Tick at least one day.")
        for name, value in (("start", start), ("end", end)):
            if not value:
                errors[f"cap{i}_{name}"] = _("Enter a time of day as HH:MM, such as 17:00.")
        if power is None:
            errors[f"cap{i}_kw"] = _("Enter a positive power in kW.")
        if any(key.startswith(f"cap{i}_") for key in errors):
            continue
        caps.append(
            LoadCap(
                days=tuple(sorted(set(days), key=list(Weekday).index)),
                start=time.fromisoformat(start),
                end=time.fromisoformat(end),
                max_w=watts(power) or 0,
            )
        )
    return tuple(caps), errors


def cap_values(caps: tuple[LoadCap, ...]) -> dict[str, Any]:
    """The rows' values for caps as saved (the rows past them empty)."""
    values: dict[str, Any] = {}
    for i in range(1, CAP_ROWS + 1):
        cap = caps[i - 1] if i <= len(caps) else None
        values[f"cap{i}_days"] = [d.value for d in cap.days] if cap else []
        values[f"cap{i}_start"] = cap.start.strftime("%H:%M") if cap else ""
        values[f"cap{i}_end"] = cap.end.strftime("%H:%M") if cap else ""
        values[f"cap{i}_kw"] = kw(cap.max_w) if cap else ""
    return values


def sent_days(data: Fields) -> dict[str, Any]:
    """The days ticked in each row, to show the form again (the kit keeps texts only)."""
    return {
        f"cap{i}_days": [d.value for d in getattr(data, f"cap{i}_days", None) or []]
        for i in range(1, CAP_ROWS + 1)
    }


def cap_field(error: InvalidInput, caps: tuple[LoadCap, ...]) -> str | None:
    """The form field a refusal about ``caps.N.part`` is beside; None if not a cap's."""
    parts = error.field.split(".")
    if parts[0] != "caps" or len(parts) < 3 or not parts[1].isdigit():
        return "cap1_days" if error.field == "caps" and caps else None
    part = {"max_w": "kw"}.get(parts[2], parts[2])
    return f"cap{int(parts[1]) + 1}_{part}" if part in _PARTS else None


CAP_MESSAGES = {
    "days": N_("Tick each day at most once."),
    "start": N_("Enter a time of day as HH:MM, such as 17:00."),
    "end": N_("Enter a time of day as HH:MM, such as 17:00."),
    "kw": N_("Enter a positive power in kW."),
}
