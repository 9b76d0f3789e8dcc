"""A station's configuration and device model: one page of the variables it reported, on
the station's page and as the fragment htmx swaps in."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.responses import Response

from kilowatt.domain.exports import zone_of
from kilowatt.domain.paging import PageRequest
from kilowatt.services.ports import DeviceModelFilter
from kilowatt.web.kit.forms import Cursor, Fields
from kilowatt.web.operator.context import AssetsPage, Page
from kilowatt.web.operator.routes.stations.common import find_station, site_of
from kilowatt.web.operator.rows.stations import VariableRow, station_url

router = APIRouter()

MODEL_PAGE = 50


class ModelPage(Fields):
    model_cursor: Cursor = None


@dataclass(frozen=True)
class Model:
    rows: list[VariableRow]
    next_url: str
    zone: str
    url: str = ""
    """This fragment's own address (it reloads itself when the configuration changed)."""


async def model_of(page: Page, ocpp_id: str, timezone: str) -> Model:
    """One page of the station's device model, its times in ``timezone`` (the site's)."""
    reading = page.web.query(ModelPage)
    found = await page.web.services.device_model.search(
        page.principal,
        ocpp_id,
        PageRequest(limit=MODEL_PAGE, cursor=reading.data.model_cursor),
        DeviceModelFilter(),
    )
    next_url = ""
    if found.next_cursor is not None:
        next_url = reading.link(
            station_url(ocpp_id) + "/device-model", model_cursor=found.next_cursor
        )
    zone = zone_of(timezone)
    return Model(
        [VariableRow.of(v, zone) for v in found.items],
        next_url,
        timezone,
        station_url(ocpp_id) + "/device-model",
    )


@router.get("/stations/{ocpp_id}/device-model")
async def station_device_model(ocpp_id: str, page: AssetsPage) -> Response:
    site = await site_of(page, (await find_station(page, ocpp_id)).station)
    model = await model_of(page, ocpp_id, site.timezone if site else "UTC")
    return page.render("stations/_device_model.html", {"model": model})
