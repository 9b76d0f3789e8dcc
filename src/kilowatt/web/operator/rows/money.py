"""Money as the dashboard shows it: amounts with their currency in the page's language, a
tariff's restrictions in words, and a priced line explained as a sentence ("6 kWh from 16:30
to 17:00 at €0.25 per kWh, at other times = €1.50")."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_currency, format_decimal

from kilowatt.domain.pricing import PricedLine
from kilowatt.domain.tariffs import Dimension, Restrictions, TariffVersion, Weekday
from kilowatt.web.kit.formatting import span

Gettext = Callable[[str], str]


def money(amount: Decimal, currency: str, locale: str, *, exact: bool = False) -> str:
    """``amount`` with its currency ("€1.50", "1,50 €"); ``exact``: every decimal it has (a
    unit price of 0.2534 per kWh), else the currency's."""
    return str(format_currency(amount, currency, locale=locale, decimal_quantization=not exact))


def number(value: Decimal, locale: str) -> str:
    return str(format_decimal(value, locale=locale, decimal_quantization=False))


def day_words(gettext: Gettext) -> dict[Weekday, str]:
    _ = gettext
    return {
        Weekday.MONDAY: _("Monday"),
        Weekday.TUESDAY: _("Tuesday"),
        Weekday.WEDNESDAY: _("Wednesday"),
        Weekday.THURSDAY: _("Thursday"),
        Weekday.FRIDAY: _("Friday"),
        Weekday.SATURDAY: _("Saturday"),
        Weekday.SUNDAY: _("Sunday"),
    }


def dimension_words(gettext: Gettext) -> dict[Dimension, str]:
    _ = gettext
    return {
        Dimension.ENERGY: _("Energy"),
        Dimension.TIME: _("Charging time"),
        Dimension.PARKING_TIME: _("Idle time (connected, not charging)"),
        Dimension.FLAT: _("Session fee"),
    }


def restriction_words(r: Restrictions, gettext: Gettext, locale: str) -> str:
    """When an element applies, in words; "at any time" without restrictions."""
    _ = gettext
    parts: list[str] = []
    if r.start_time is not None or r.end_time is not None:
        start = (r.start_time or datetime.min.time()).strftime("%H:%M")
        end = r.end_time.strftime("%H:%M") if r.end_time else "24:00"
        parts.append(_("from %(start)s to %(end)s") % {"start": start, "end": end})
    if r.day_of_week:
        names = day_words(gettext)
        parts.append(
            _("on %(days)s")
            % {"days": ", ".join(names[d] for d in sorted(r.day_of_week, key=list(Weekday).index))}
        )
    if r.start_date is not None:
        parts.append(_("from %(day)s on") % {"day": r.start_date.isoformat()})
    if r.end_date is not None:
        parts.append(_("before %(day)s") % {"day": r.end_date.isoformat()})
    if r.min_kwh is not None:
        parts.append(_("after the first %(kwh)s kWh") % {"kwh": number(r.min_kwh, locale)})
    if r.max_kwh is not None:
        parts.append(_("for the first %(kwh)s kWh") % {"kwh": number(r.max_kwh, locale)})
    if r.min_duration is not None:
        parts.append(_("after %(span)s") % {"span": span(r.min_duration, gettext)})
    if r.max_duration is not None:
        parts.append(_("during the first %(span)s") % {"span": span(r.max_duration, gettext)})
    if r.min_power is not None:
        parts.append(_("at %(kw)s kW or more") % {"kw": number(r.min_power, locale)})
    if r.max_power is not None:
        parts.append(_("below %(kw)s kW") % {"kw": number(r.max_power, locale)})
    if r.min_current is not None:
        parts.append(_("at %(a)s A or more") % {"a": number(r.min_current, locale)})
    if r.max_current is not None:
        parts.append(_("below %(a)s A") % {"a": number(r.max_current, locale)})
    return ", ".join(parts) if parts else _("at any time")


def component_words(
    dimension: Dimension, price: Decimal, step: int, currency: str, gettext: Gettext, locale: str
) -> str:
    """A price component in words: "€0.25 per kWh", "€6.00 per hour, billed per 1 min"."""
    _ = gettext
    amount = money(price, currency, locale, exact=True)
    if dimension is Dimension.FLAT:
        return _("%(price)s per session") % {"price": amount}
    if dimension is Dimension.ENERGY:
        text = _("%(price)s per kWh") % {"price": amount}
        if step > 1:
            text += ", " + _("billed per %(wh)s Wh") % {"wh": step}
        return text
    text = _("%(price)s per hour") % {"price": amount}
    if step > 1:
        text += ", " + _("billed per %(span)s") % {"span": span(step, gettext)}
    return text


def when_words(version: TariffVersion, index: int, gettext: Gettext, locale: str) -> str:
    """When element ``index`` applies: its restrictions in words; an element without any
    after others applies when they do not ("at other times")."""
    restrictions = version.elements[index].restrictions
    if restrictions.is_empty and index > 0:
        return gettext("at other times")
    return restriction_words(restrictions, gettext, locale)


@dataclass(frozen=True, slots=True)
class ElementRow:
    number: int
    when: str
    prices: list[tuple[str, str]]
    """(what, price in words)."""


def element_rows(version: TariffVersion, gettext: Gettext, locale: str) -> list[ElementRow]:
    names = dimension_words(gettext)
    return [
        ElementRow(
            index + 1,
            when_words(version, index, gettext, locale),
            [
                (
                    names[c.dimension],
                    component_words(
                        c.dimension, c.price, c.step_size, version.currency, gettext, locale
                    ),
                )
                for c in element.components
            ],
        )
        for index, element in enumerate(version.elements)
    ]


@dataclass(frozen=True, slots=True)
class CostLine:
    """One priced line in words, and its amount."""

    sentence: str
    amount: str
    dimension: str


def _quantity(dimension: Dimension, billed: int, gettext: Gettext, locale: str) -> str:
    _ = gettext
    if dimension is Dimension.ENERGY:
        kwh = Decimal(billed) / 1000
        return _("%(kwh)s kWh") % {"kwh": format_decimal(kwh, "#,##0.000", locale=locale)}
    if dimension is Dimension.TIME:
        return _("%(span)s charging") % {"span": span(billed, gettext)}
    return _("%(span)s idle") % {"span": span(billed, gettext)}


def line_sentence(
    *,
    dimension: Dimension,
    billed: int,
    unit_price: Decimal,
    amount: Decimal,
    start: datetime | None,
    end: datetime | None,
    element: int,
    currency: str,
    zone: ZoneInfo,
    version: TariffVersion | None,
    gettext: Gettext,
    locale: str,
) -> CostLine:
    _ = gettext
    total = money(amount, currency, locale)
    when = ""
    if version is not None and 0 <= element < len(version.elements):
        when = when_words(version, element, gettext, locale)
    if dimension is Dimension.FLAT:
        sentence = _("Session fee") + " = " + total
        return CostLine(sentence, total, dimension.value)
    quantity = _quantity(dimension, billed, gettext, locale)
    per = (_("%(price)s per kWh") if dimension is Dimension.ENERGY else _("%(price)s per hour")) % {
        "price": money(unit_price, currency, locale, exact=True)
    }
    period = ""
    if start is not None and end is not None:
        period = _("from %(start)s to %(end)s") % {
            "start": start.astimezone(zone).strftime("%H:%M"),
            "end": end.astimezone(zone).strftime("%H:%M"),
        }
    sentence = _("%(quantity)s %(period)s at %(price)s") % {
        "quantity": quantity,
        "period": period,
        "price": per,
    }
    if when:
        sentence += " (" + _("the price %(when)s") % {"when": when} + ")"
    sentence = " ".join(sentence.split()) + " = " + total
    return CostLine(sentence, total, dimension.value)


def priced_lines(
    lines: Sequence[PricedLine],
    versions: Mapping[int, TariffVersion],
    currency: str,
    zone: ZoneInfo,
    gettext: Gettext,
    locale: str,
) -> list[CostLine]:
    return [
        line_sentence(
            dimension=line.dimension,
            billed=line.billed_quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            start=line.start,
            end=line.end,
            element=line.element,
            currency=currency,
            zone=zone,
            version=versions.get(line.version),
            gettext=gettext,
            locale=locale,
        )
        for line in lines
    ]


def cdr_lines(
    lines: Sequence[Mapping[str, Any]],
    versions: Mapping[int, TariffVersion],
    currency: str,
    zone: ZoneInfo,
    gettext: Gettext,
    locale: str,
) -> list[CostLine]:
    """A CDR's stored lines (domain/cdrs.py lines_json) in words."""
    result = []
    for line in lines:
        start = line.get("start")
        end = line.get("end")
        result.append(
            line_sentence(
                dimension=Dimension(line["dimension"]),
                billed=int(line.get("billed_quantity", line.get("quantity", 0))),
                unit_price=Decimal(str(line["unit_price"])),
                amount=Decimal(str(line["amount"])),
                start=datetime.fromisoformat(start) if start else None,
                end=datetime.fromisoformat(end) if end else None,
                element=int(line.get("element", -1)),
                currency=currency,
                zone=zone,
                version=versions.get(int(line.get("version", 0))),
                gettext=gettext,
                locale=locale,
            )
        )
    return result
