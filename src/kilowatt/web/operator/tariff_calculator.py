"""The tariff page's calculator: "a 40 kWh session from 16:30 to 19:00 on a Tuesday costs …,
because …" — the question read from the page's query, the tariff's quote explained line by
line in the site's local time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import Field

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.money import money_text
from kilowatt.domain.tariffs import WEEKDAYS
from kilowatt.services.tariffs import TariffView
from kilowatt.web.kit.forms import REQUIRED, Day, Fields, Id, Number, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import Page
from kilowatt.web.operator.rows.money import day_words, money, number, priced_lines


class Calculator(Fields):
    """The calculator's question: a session on ``day`` charging ``kwh`` from ``start`` to
    ``end`` (local time of the chosen site), then idle for ``idle`` minutes."""

    day: Annotated[Day, REQUIRED, Says(N_("Enter a date as YYYY-MM-DD."))] = None
    start: Annotated[
        str,
        Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d)?$"),
        REQUIRED,
        Says(N_("Enter a time of day as HH:MM, such as 16:30.")),
    ] = ""
    end: Annotated[
        str,
        Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d)?$"),
        REQUIRED,
        Says(N_("Enter a time of day as HH:MM, such as 19:00.")),
    ] = ""
    kwh: Annotated[
        Number,
        Field(ge=0, le=10_000),
        REQUIRED,
        Says(N_("Enter the energy in kWh, from 0 to 10000.")),
    ] = None
    idle: Annotated[
        int | None, Field(ge=0, le=10_000), Says(N_("Enter a whole number of minutes."))
    ] = None
    site: Annotated[Id, Says(N_("Choose one of the sites."))] = None


@dataclass
class Calculation:
    """What the page shows: the form's values, its errors, and the quote when asked."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    quote: dict[str, Any] | None = None


async def calculate(
    page: Page, view: TariffView, zones: Mapping[int, str], default_zone: str
) -> Calculation:
    """The calculator as the query asks it; unasked, a 40 kWh Tuesday evening as the example."""
    calc = page.web.query(Calculator)
    if not calc.filtered:
        tuesday = _next_tuesday(datetime.now(ZoneInfo(default_zone)).date())
        example = {"day": tuesday.isoformat(), "start": "16:30", "end": "19:00", "kwh": "40"}
        return Calculation({**example, "idle": "", "site": ""})
    result = Calculation(dict(calc.values), dict(calc.errors))
    if not result.errors:
        result.quote, result.errors = await _quote(page, view, calc.data, zones, default_zone)
    return result


def _next_tuesday(today: date) -> date:
    return today + timedelta(days=(1 - today.weekday()) % 7)


async def _quote(
    page: Page,
    view: TariffView,
    ask: Calculator,
    zones: Mapping[int, str],
    default_zone: str,
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    _ = page.web.gettext
    if ask.site is not None and ask.site not in zones:
        return None, {"site": _("Choose one of the sites.")}
    zone_name = zones[ask.site] if ask.site is not None else default_zone
    zone = ZoneInfo(zone_name)
    assert ask.day is not None
    assert ask.kwh is not None
    start_at = time.fromisoformat(ask.start)
    end_at = time.fromisoformat(ask.end)
    start = datetime.combine(ask.day, start_at, tzinfo=zone)
    end_day = ask.day if end_at > start_at else ask.day + timedelta(days=1)
    end = datetime.combine(end_day, end_at, tzinfo=zone)
    idle = ask.idle or 0
    connected = end + timedelta(minutes=idle) if idle else None
    energy_wh = int((ask.kwh * 1000).to_integral_value())
    try:
        quote = await page.web.services.tariffs.quote(
            page.principal,
            view.tariff.id or 0,
            start,
            end,
            energy_wh,
            connected,
            zone_name,
        )
    except InvalidInput as error:
        where = {"energy_wh": "kwh", "charging_until": "end", "connected_until": "idle"}
        return None, {where.get(error.field, "end"): _("This value is not accepted.")}
    priced = quote.priced
    currency = priced.currency
    locale = page.web.locale
    versions = {v.version: v for v in view.versions}
    lines = priced_lines(priced.lines, versions, currency, zone, _, locale)
    question = _("A %(kwh)s kWh session on %(weekday)s %(day)s from %(start)s to %(end)s") % {
        "kwh": number(ask.kwh, page.web.locale),
        "weekday": day_words(_)[WEEKDAYS[start.weekday()]],
        "day": ask.day.isoformat(),
        "start": ask.start,
        "end": ask.end,
    }
    if idle:
        question += ", " + _("then %(minutes)s minutes idle") % {"minutes": idle}
    return (
        {
            "question": question,
            "zone": zone_name,
            "lines": lines,
            "subtotal": money(priced.subtotal, currency, locale),
            "adjustment": money(priced.adjustment, currency, locale) if priced.adjustment else "",
            "excl": money(priced.total_excl_vat, currency, locale),
            "vat_percent": priced.vat_percent.normalize(),
            "vat": money(priced.vat, currency, locale),
            "incl": money(priced.total_incl_vat, currency, locale),
            "incl_value": money_text(priced.total_incl_vat, currency),
        },
        {},
    )
