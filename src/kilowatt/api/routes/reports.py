"""Reports: the figures of the dashboard's home page, for integrators."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kilowatt.api.deps import ServicesDep, require
from kilowatt.api.schemas.reports import (
    DEFINITIONS,
    MonthlyOut,
    SummaryOut,
    month_out,
    summary_out,
)
from kilowatt.domain.permissions import Permission
from kilowatt.domain.users import Principal
from kilowatt.services.reporting import MAX_MONTHS

router = APIRouter(prefix="/reports", tags=["reports"])

ReportsRead = Annotated[
    Principal, Depends(require(Permission.SESSIONS_READ, Permission.ASSETS_READ))
]
Zone = Annotated[
    str | None,
    Query(
        description="IANA time zone of the report's days; default: the caller's first site's.",
        max_length=64,
    ),
]


@router.get("/summary", response_model=SummaryOut, description=DEFINITIONS)
async def summary(
    services: ServicesDep, principal: ReportsRead, timezone: Zone = None
) -> SummaryOut:
    """Today's and cumulative figures with their day-over-day, month-over-month and
    year-over-year changes, and how many stations and connectors are in each state, for the
    caller's organization (or its sites)."""
    summary = await services.reporting.summary(principal, timezone)
    cash = await services.revenue.summary(principal, summary.timezone, 1)
    return summary_out(summary, cash)


@router.get("/monthly", response_model=MonthlyOut, description=DEFINITIONS)
async def monthly(
    services: ServicesDep,
    principal: ReportsRead,
    months: Annotated[int, Query(ge=1, le=MAX_MONTHS, description="How many months.")] = 12,
    timezone: Zone = None,
) -> MonthlyOut:
    """Sessions, energy and charging time per month (by the site-local day each session
    started) and revenue (by the day each session ended), the last being this month."""
    zone, series = await services.reporting.monthly(principal, months, timezone)
    cash = await services.revenue.summary(principal, zone, months)
    revenue = dict(cash.months)
    counted = services.reporting.counts_drivers(principal)
    return MonthlyOut(
        timezone=zone,
        currency=cash.currency,
        months=[
            month_out(first, figures, counted, revenue.get(first, Decimal(0)), cash.currency)
            for first, figures in series
        ],
    )
