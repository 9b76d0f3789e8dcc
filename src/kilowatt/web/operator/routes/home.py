"""The first page after signing in: today's and cumulative figures with their changes, what
the stations and connectors are doing (live), the sites on a map, and monthly charts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends
from starlette.responses import Response

from kilowatt.domain.connector_states import ConnectorState
from kilowatt.domain.permissions import Permission
from kilowatt.domain.reporting import Comparison, Figures, StatusCounts
from kilowatt.domain.revenue import MoneyFigures
from kilowatt.services.reporting import Overview, Summary
from kilowatt.services.revenue import MoneySummary
from kilowatt.web.kit.states import state_words
from kilowatt.web.kit.tiles import reachable as tiles_reachable
from kilowatt.web.operator.context import AssetsPage, Page, SignedIn, page_for
from kilowatt.web.operator.rows.money import money

router = APIRouter()

ReportsPage = Annotated[Page, Depends(page_for(Permission.ASSETS_READ, Permission.SESSIONS_READ))]

MONTHS = 12


@dataclass(frozen=True)
class Card:
    """One figure card: its numbers (raw, for data-* attributes) and their text."""

    key: str
    label: str
    unit: str
    today: float | None
    month: float | None
    year: float | None
    cumulative: float | None
    text: dict[str, str]
    day_change: float | None = None
    month_change: float | None = None
    year_change: float | None = None
    note: str = ""


def _number(page: Page, value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return format_decimal(
        round(value, digits),
        format="#,##0" + ("." + "0" * digits if digits else ""),
        locale=page.web.locale,
    )


def _card(
    page: Page,
    key: str,
    label: str,
    unit: str,
    parts: tuple[Comparison, Comparison, Comparison, Figures],
    name: str,
    scale: float = 1.0,
    digits: int = 0,
) -> Card:
    day, month, year, all_time = parts

    def value(figures: Figures) -> float:
        return float(getattr(figures, name)) / scale

    values = {
        "today": value(day.current),
        "month": value(month.current),
        "year": value(year.current),
        "cumulative": value(all_time),
    }
    return Card(
        key=key,
        label=label,
        unit=unit,
        today=values["today"],
        month=values["month"],
        year=values["year"],
        cumulative=values["cumulative"],
        text={k: _number(page, v, digits) for k, v in values.items()},
        day_change=day.change(name),
        month_change=month.change(name),
        year_change=year.change(name),
    )


def _not_shown(key: str, label: str, note: str) -> Card:
    none = dict.fromkeys(("today", "month", "year", "cumulative"), "—")
    return Card(key, label, "", None, None, None, None, none, note=note)


def _money_card(page: Page, key: str, label: str, figures: MoneyFigures, currency: str) -> Card:
    values = {
        "today": figures.day.current,
        "month": figures.month.current,
        "year": figures.year.current,
        "cumulative": figures.cumulative,
    }
    return Card(
        key=key,
        label=label,
        unit="",
        today=float(values["today"]),
        month=float(values["month"]),
        year=float(values["year"]),
        cumulative=float(values["cumulative"]),
        text={k: money(v, currency, page.web.locale) for k, v in values.items()},
        day_change=figures.day.change,
        month_change=figures.month.change,
        year_change=figures.year.change,
    )


def cards(page: Page, summary: Summary, cash: MoneySummary) -> list[Card]:
    _ = page.web.gettext
    parts = (summary.day, summary.month, summary.year, summary.cumulative)
    result = [
        _card(page, "sessions", _("Sessions"), "", parts, "sessions"),
        _card(page, "energy", _("Energy"), _("kWh"), parts, "energy_wh", 1000.0, 1),
        _card(page, "hours", _("Charging time"), _("h"), parts, "charging_seconds", 3600.0, 1),
    ]
    if summary.drivers_counted:
        result.append(_card(page, "drivers", _("New driver accounts"), "", parts, "new_drivers"))
    else:
        note = _("Drivers belong to the whole organization.")
        result.append(_not_shown("drivers", _("New driver accounts"), note))
    if cash.top_ups is not None:
        result.append(_money_card(page, "topups", _("Top-ups"), cash.top_ups, cash.currency))
    else:
        note = _("Wallets belong to the whole organization.")
        result.append(_not_shown("topups", _("Top-ups"), note))
    revenue = _money_card(page, "revenue", _("Revenue incl. VAT"), cash.revenue, cash.currency)
    result.append(revenue)
    return result


def status_items(page: Page, status: StatusCounts) -> dict[str, list[tuple[str, str, int]]]:
    """(id, label, count) of the stations and of the connectors (by state)."""
    _ = page.web.gettext
    words = state_words(_)
    return {
        "stations": [
            ("online", _("Online"), status.stations_online),
            ("offline", _("Offline"), status.stations_offline),
        ],
        "connectors": [
            (state.value, words[state.value], status.count(state)) for state in ConnectorState
        ],
    }


def chart_data(overview: Overview, cash: MoneySummary) -> dict[str, Any]:
    months = overview.months
    by_month = dict(cash.months)
    revenue = [float(by_month.get(first, 0)) for first, _ in months]
    return {
        "labels": [first.strftime("%Y-%m") for first, _ in months],
        "sessions": [figures.sessions for _, figures in months],
        "energy_kwh": [round(figures.energy_wh / 1000, 1) for _, figures in months],
        "hours": [round(figures.charging_seconds / 3600, 1) for _, figures in months],
        "revenue": revenue,
    }


def map_data(overview: Overview) -> list[dict[str, Any]]:
    return [
        {
            "id": site.id,
            "name": site.name,
            "city": site.city,
            "lat": site.latitude,
            "lon": site.longitude,
            "url": f"/sites/{site.id}",
            "stations": site.stations,
            "online": site.stations_online,
        }
        for site in overview.sites
        if site.located
    ]


@router.get("/")
async def home(page: SignedIn) -> Response:
    if not (page.may(Permission.ASSETS_READ) and page.may(Permission.SESSIONS_READ)):
        return page.render("home.html", {"overview": None})
    overview = await page.web.services.reporting.overview(page.principal, MONTHS)
    configured = page.web.settings.map_tile_url
    tiles = await tiles_reachable(configured)
    cash = await page.web.services.revenue.summary(
        page.principal, overview.summary.timezone, MONTHS
    )
    return page.render(
        "home.html",
        {
            "overview": overview,
            "summary": overview.summary,
            "cards": cards(page, overview.summary, cash),
            "status": status_items(page, overview.summary.status),
            "charts": chart_data(overview, cash),
            "revenue_months": [money(v, cash.currency, page.web.locale) for _, v in cash.months],
            "currency": cash.currency,
            "sites_on_map": map_data(overview),
            "sites_elsewhere": [site for site in overview.sites if not site.located],
            # tiles only from a server that answers: otherwise a plain, quiet map
            "tile_url": configured if tiles else "",
            "tiles_unreachable": bool(configured) and not tiles,
        },
        map_tiles=tiles,
    )


@router.get("/home/figures")
async def home_figures(page: ReportsPage) -> Response:
    """The figure cards alone: the home page fetches them again when a session starts or
    ends."""
    summary = await page.web.services.reporting.summary(page.principal)
    cash = await page.web.services.revenue.summary(page.principal, summary.timezone, 1)
    return page.render("home_figures.html", {"cards": cards(page, summary, cash)})


@router.get("/home/status")
async def home_status(page: AssetsPage) -> Response:
    """The status counts alone: the home page fetches them again on live events."""
    status = await page.web.services.reporting.status(page.principal)
    return page.render("home_status.html", {"status": status_items(page, status)})
