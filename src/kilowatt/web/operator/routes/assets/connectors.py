"""Asset pages: a station's connectors. Add, edit, and delete one after a confirmation page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.stations import ConnectorSpec, ConnectorStandard, CurrentType, Station
from kilowatt.web.kit.forms import REQUIRED, Fields, Required, Says
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import Page
from kilowatt.web.operator.paths import ConnectorNumber, EvseId
from kilowatt.web.operator.routes.assets.common import (
    Kilowatts,
    WritePage,
    error_message,
    find_station,
    kw,
    not_found,
    station_url,
    watts,
)

router = APIRouter()


MAX_NUMBER = 99_999
Index = Annotated[
    int | None, Field(ge=1, le=MAX_NUMBER), Required(N_("Enter a whole number of at least 1."))
]
"""An EVSE or connector number."""


class ConnectorForm(Fields):
    """A connector as its edit form sends it."""

    current_type: Annotated[
        CurrentType | None, REQUIRED, Says(N_("Choose one of the options."))
    ] = None
    standard: Annotated[str, Field(max_length=20), Required(N_("Choose one of the options."))] = ""
    max_power_kw: Kilowatts = None

    def data(self) -> dict[str, Any]:
        """What the station service takes."""
        return {
            "current_type": self.current_type,
            "standard": self.standard,
            "max_power_w": watts(self.max_power_kw),
        }


class NewConnectorForm(ConnectorForm):
    evse_id: Index = None
    connector_id: Index = None


def _connector_values(connector: Any) -> dict[str, str]:
    if connector is None:
        return {
            "connector_id": "1",
            "current_type": CurrentType.AC.value,
            "standard": ConnectorStandard.TYPE2.value,
        }
    return {
        "evse_id": str(connector.evse_id),
        "connector_id": str(connector.connector_id),
        "current_type": connector.current_type.value,
        "standard": connector.standard,
        "max_power_kw": kw(connector.max_power_w),
    }


def _connector_form(
    page: Page,
    station: Station,
    connector: Any,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Response:
    standards = [s.value for s in ConnectorStandard]
    if values.get("standard") and values["standard"] not in standards:
        standards.append(values["standard"])
    return page.render(
        "assets/connector_form.html",
        {
            "station": station,
            "connector": connector,
            "values": values,
            "errors": errors,
            "current_options": [(c.value, c.value) for c in CurrentType],
            "standard_options": [(s, s) for s in standards],
            "station_url": station_url,
        },
        status,
    )


def _connector_of(detail: Any, evse_id: int, connector_id: int) -> Any:
    for connector in detail.connectors:
        if connector.evse_id == evse_id and connector.connector_id == connector_id:
            return connector
    return None


@router.get("/assets/stations/{ocpp_id}/connectors/new")
async def new_connector(page: WritePage, ocpp_id: str) -> Response:
    detail = await find_station(page, ocpp_id)
    values = _connector_values(None)
    values["evse_id"] = str(max((c.evse_id for c in detail.connectors), default=0) + 1)
    return _connector_form(page, detail.station, None, values, {})


@router.post("/assets/stations/{ocpp_id}/connectors/new")
async def create_connector(page: WritePage, ocpp_id: str) -> Response:
    _ = page.web.gettext
    detail = await find_station(page, ocpp_id)
    reading = await page.web.form(NewConnectorForm)
    values, form = reading.values, reading.data
    if reading.errors or form.evse_id is None or form.connector_id is None:
        return _connector_form(page, detail.station, None, values, reading.errors, 422)
    try:
        spec = ConnectorSpec(evse_id=form.evse_id, connector_id=form.connector_id, **form.data())
        await page.web.services.stations.add_connector(page.principal, ocpp_id, spec)
    except InvalidInput as error:
        return _connector_form(
            page, detail.station, None, values, {error.field: error_message(page, error)}, 422
        )
    except Conflict:
        message = _("This station already has this EVSE and connector.")
        return _connector_form(page, detail.station, None, values, {"connector_id": message}, 422)
    return redirect(station_url(ocpp_id, "?notice=connector-saved#connectors"))


async def _connector(page: Page, ocpp_id: str, evse_id: int, connector_id: int) -> Any:
    detail = await find_station(page, ocpp_id)
    connector = _connector_of(detail, evse_id, connector_id)
    if connector is None:
        raise not_found(page, NotFound("connector", f"{ocpp_id}/{evse_id}/{connector_id}"))
    return detail, connector


@router.get("/assets/stations/{ocpp_id}/connectors/{evse_id}/{connector_id}/edit")
async def edit_connector(
    page: WritePage, ocpp_id: str, evse_id: EvseId, connector_id: ConnectorNumber
) -> Response:
    detail, connector = await _connector(page, ocpp_id, evse_id, connector_id)
    return _connector_form(page, detail.station, connector, _connector_values(connector), {})


@router.post("/assets/stations/{ocpp_id}/connectors/{evse_id}/{connector_id}/edit")
async def update_connector(
    page: WritePage, ocpp_id: str, evse_id: EvseId, connector_id: ConnectorNumber
) -> Response:
    detail, connector = await _connector(page, ocpp_id, evse_id, connector_id)
    reading = await page.web.form(ConnectorForm)
    values = {**reading.values, "evse_id": str(evse_id), "connector_id": str(connector_id)}
    if reading.errors:
        return _connector_form(page, detail.station, connector, values, reading.errors, 422)
    try:
        await page.web.services.stations.update_connector(
            page.principal, ocpp_id, evse_id, connector_id, reading.data.data()
        )
    except InvalidInput as error:
        return _connector_form(
            page, detail.station, connector, values, {error.field: error_message(page, error)}, 422
        )
    except NotFound as error:
        raise not_found(page, error) from error
    return redirect(station_url(ocpp_id, "?notice=connector-saved#connectors"))


@router.get("/assets/stations/{ocpp_id}/connectors/{evse_id}/{connector_id}/delete")
async def confirm_connector_deletion(
    page: WritePage, ocpp_id: str, evse_id: EvseId, connector_id: ConnectorNumber
) -> Response:
    detail, connector = await _connector(page, ocpp_id, evse_id, connector_id)
    return page.render(
        "assets/connector_delete.html",
        {"station": detail.station, "connector": connector, "station_url": station_url},
    )


@router.post("/assets/stations/{ocpp_id}/connectors/{evse_id}/{connector_id}/delete")
async def delete_connector(
    page: WritePage, ocpp_id: str, evse_id: EvseId, connector_id: ConnectorNumber
) -> Response:
    try:
        await page.web.services.stations.delete_connector(
            page.principal, ocpp_id, evse_id, connector_id
        )
    except NotFound as error:
        raise not_found(page, error) from error
    return redirect(station_url(ocpp_id, "?notice=connector-deleted#connectors"))
