"""A station's message log: one page of the OCPP frames in and out, filtered by action and
direction, on the station's page and as the fragment htmx swaps in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.events import Direction
from kilowatt.domain.exports import zone_of
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.services.ports import MessageFilter
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.forms import Cursor, Fields
from kilowatt.web.operator.context import AssetsPage, Page
from kilowatt.web.operator.routes.stations.common import find_station, site_of
from kilowatt.web.operator.rows.stations import MessageRow, station_url

router = APIRouter()

LOG_PAGE = 25
COMMON_ACTIONS = (
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "MeterValues",
    "StartTransaction",
    "StopTransaction",
    "TransactionEvent",
    "Authorize",
    "Reset",
    "ClearCache",
    "TriggerMessage",
    "ChangeAvailability",
    "NotifyReport",
)


class LogFilter(Fields):
    action: Annotated[str, Field(max_length=64)] = ""
    direction: Literal["in", "out"] | None = None
    cursor: Cursor = None


@dataclass(frozen=True)
class Log:
    """One page of the log and what the filter form shows."""

    url: str
    page_url: str
    action: str
    direction: str
    next_query: str
    zone: str
    rows: list[MessageRow]
    errors: dict[str, str]


async def log_of(page: Page, ocpp_id: str, timezone: str) -> Log:
    """One page of the station's message log, its times in ``timezone`` (the site's)."""
    reading = page.web.query(LogFilter)
    where = reading.data
    rows: list[MessageRow] = []
    next_query = ""
    if not reading.errors:
        direction = Direction(where.direction) if where.direction else None
        found = await page.web.services.message_log.search(
            page.principal,
            ocpp_id,
            PageRequest(limit=LOG_PAGE, cursor=where.cursor),
            MessageFilter(action=where.action or None, direction=direction),
        )
        rows = [MessageRow.of(stored, zone_of(timezone)) for stored in found.items]
        if found.next_cursor is not None:
            next_query = reading.query(cursor=found.next_cursor)
    return Log(
        url=station_url(ocpp_id) + "/messages",
        page_url=station_url(ocpp_id),
        action=reading.values["action"],
        direction=where.direction or "",
        next_query=next_query,
        zone=timezone,
        rows=rows,
        errors=reading.errors,
    )


@router.get("/stations/{ocpp_id}/messages")
async def station_messages(ocpp_id: str, page: AssetsPage) -> Response:
    """The message log part of the station's page (htmx swaps it in)."""
    if not page.may(Permission.MESSAGES_READ):
        raise WebError(403, page.web.gettext("Your role does not allow this page."))
    site = await site_of(page, (await find_station(page, ocpp_id)).station)
    log = await log_of(page, ocpp_id, site.timezone if site else "UTC")
    return page.render(
        "stations/_messages.html",
        {"log": log, "actions": COMMON_ACTIONS, "ocpp_id": ocpp_id},
        422 if log.errors else 200,
    )
