"""Tariffs in OCPI 2.2.1's JSON shape: what the API takes and gives, and roaming later.

Prices travel as strings (``"0.25"``), never floats. Parsing names the field of every
mistake (``elements[1].price_components[0].price``).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.money import parse_decimal
from kilowatt.domain.tariffs import (
    Dimension,
    PriceComponent,
    Restrictions,
    TariffElement,
    TariffVersion,
    Weekday,
    check_version,
)


def _object(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(field, "must be an object")
    return value


def _list(value: object, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInput(field, "must be a list")
    return value


def _opt_decimal(data: dict[str, Any], key: str, where: str) -> Decimal | None:
    value = data.get(key)
    return None if value is None else parse_decimal(value, f"{where}{key}")


def _opt_int(data: dict[str, Any], key: str, where: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{where}{key}", "must be a whole number")
    return value


def _opt_time(data: dict[str, Any], key: str, where: str) -> time | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) != 5:
            raise ValueError
        return time.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{where}{key}", "must be a time of day as HH:MM") from exc


def _opt_date(data: dict[str, Any], key: str, where: str) -> date | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{where}{key}", "must be a date as YYYY-MM-DD") from exc


def parse_restrictions(value: object, where: str) -> Restrictions:
    data = _object(value, where.rstrip("."))
    days = []
    for i, day in enumerate(_list(data.get("day_of_week", []), f"{where}day_of_week")):
        try:
            days.append(Weekday(day))
        except ValueError as exc:
            raise InvalidInput(f"{where}day_of_week[{i}]", "must be a day such as MONDAY") from exc
    return Restrictions(
        start_time=_opt_time(data, "start_time", where),
        end_time=_opt_time(data, "end_time", where),
        start_date=_opt_date(data, "start_date", where),
        end_date=_opt_date(data, "end_date", where),
        min_kwh=_opt_decimal(data, "min_kwh", where),
        max_kwh=_opt_decimal(data, "max_kwh", where),
        min_current=_opt_decimal(data, "min_current", where),
        max_current=_opt_decimal(data, "max_current", where),
        min_power=_opt_decimal(data, "min_power", where),
        max_power=_opt_decimal(data, "max_power", where),
        min_duration=_opt_int(data, "min_duration", where),
        max_duration=_opt_int(data, "max_duration", where),
        day_of_week=tuple(days),
    )


def parse_component(value: object, where: str) -> PriceComponent:
    data = _object(value, where)
    try:
        dimension = Dimension(str(data.get("type")))
    except ValueError as exc:
        raise InvalidInput(f"{where}.type", "must be ENERGY, TIME, PARKING_TIME or FLAT") from exc
    if "price" not in data:
        raise InvalidInput(f"{where}.price", "is required")
    step = data.get("step_size", 1)
    if isinstance(step, bool) or not isinstance(step, int):
        raise InvalidInput(f"{where}.step_size", "must be a whole number")
    return PriceComponent(dimension, parse_decimal(data["price"], f"{where}.price"), step)


def parse_version(value: object, valid_from: datetime, version: int = 1) -> TariffVersion:
    """A checked tariff version from OCPI-shaped JSON."""
    data = _object(value, "body")
    currency = data.get("currency")
    if not isinstance(currency, str):
        raise InvalidInput("currency", "is required (an ISO 4217 code, e.g. EUR)")
    elements = []
    for i, raw in enumerate(_list(data.get("elements"), "elements")):
        where = f"elements[{i}]"
        element = _object(raw, where)
        components = tuple(
            parse_component(c, f"{where}.price_components[{j}]")
            for j, c in enumerate(
                _list(element.get("price_components"), f"{where}.price_components")
            )
        )
        restrictions = parse_restrictions(
            element.get("restrictions") or {}, f"{where}.restrictions."
        )
        elements.append(TariffElement(components, restrictions))
    texts = data.get("tariff_alt_text") or []
    alt: dict[str, str] = {}
    for i, entry in enumerate(_list(texts, "tariff_alt_text")):
        entry = _object(entry, f"tariff_alt_text[{i}]")
        language, text = entry.get("language"), entry.get("text")
        if not isinstance(language, str) or not isinstance(text, str) or not language:
            raise InvalidInput(f"tariff_alt_text[{i}]", "needs a language and a text")
        alt[language] = text
    result = TariffVersion(
        currency=currency,
        vat_percent=parse_decimal(data.get("vat", "0"), "vat"),
        elements=tuple(elements),
        valid_from=valid_from,
        min_price=_opt_decimal(data, "min_price", ""),
        max_price=_opt_decimal(data, "max_price", ""),
        texts=alt,
        version=version,
    )
    check_version(result)
    return result


def _restrictions_json(r: Restrictions) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("start_time", "end_time"):
        value = getattr(r, key)
        if value is not None:
            out[key] = value.strftime("%H:%M")
    for key in ("start_date", "end_date"):
        value = getattr(r, key)
        if value is not None:
            out[key] = value.isoformat()
    for key in ("min_kwh", "max_kwh", "min_current", "max_current", "min_power", "max_power"):
        value = getattr(r, key)
        if value is not None:
            out[key] = str(value)
    for key in ("min_duration", "max_duration"):
        value = getattr(r, key)
        if value is not None:
            out[key] = value
    if r.day_of_week:
        out["day_of_week"] = [d.value for d in r.day_of_week]
    return out


def version_json(version: TariffVersion) -> dict[str, Any]:
    """The OCPI-shaped body of a version (prices as strings)."""
    elements = []
    for element in version.elements:
        item: dict[str, Any] = {
            "price_components": [
                {"type": c.dimension.value, "price": str(c.price), "step_size": c.step_size}
                for c in element.components
            ]
        }
        restrictions = _restrictions_json(element.restrictions)
        if restrictions:
            item["restrictions"] = restrictions
        elements.append(item)
    out: dict[str, Any] = {
        "currency": version.currency,
        "vat": str(version.vat_percent),
        "elements": elements,
        "tariff_alt_text": [
            {"language": lang, "text": text} for lang, text in sorted(version.texts.items())
        ],
        "version": version.version,
        "valid_from": version.valid_from.isoformat(),
    }
    if version.min_price is not None:
        out["min_price"] = str(version.min_price)
    if version.max_price is not None:
        out["max_price"] = str(version.max_price)
    return out
