"""Asset pages: a station's connectors. Add, edit, and delete one after a confirmation page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.stations import ConnectorSpec, ConnectorStandard, CurrentType, Station
from kilowatt.web.kit.frame import redirect
from kilowatt.web.operator.context import Page
from kilowatt.web.operator.routes.assets.common import (
    Fields,
    WritePage,
    error_message,
    find_station,
    form_values,
    kw,
    not_found,
    read_form,
    station_url,
)

router = APIRouter()

CONNECTOR_FORM = ("evse_id", "connector_id", "current_type", "standard", "max_power_kw")


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


def _parse_connector(
    page: Page, values: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    fields = Fields(page, values)
    data: dict[str, Any] = {
        "current_type": fields.choice("current_type", CurrentType),
        "standard": fields.text("standard", 20),
        "max_power_w": fields.watts("max_power_kw"),
    }
    if not data["standard"] and "standard" not in fields.errors:
        fields.errors["standard"] = page.web.gettext("Choose one of the options.")
    return data, fields.errors


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
    values = form_values(await read_form(page), CONNECTOR_FORM)
    data, errors = _parse_connector(page, values)
    fields = Fields(page, values)
    evse_id = fields.whole("evse_id")
    connector_id = fields.whole("connector_id")
    if evse_id is None and "evse_id" not in fields.errors:
        fields.errors["evse_id"] = _("Enter a whole number of at least %(minimum)s.") % {
            "minimum": 1
        }
    if connector_id is None and "connector_id" not in fields.errors:
        fields.errors["connector_id"] = _("Enter a whole number of at least %(minimum)s.") % {
            "minimum": 1
        }
    errors = {**errors, **fields.errors}
    if errors or evse_id is None or connector_id is None:
        return _connector_form(page, detail.station, None, values, errors, 422)
    try:
        spec = ConnectorSpec(evse_id=evse_id, connector_id=connector_id, **data)
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
    page: WritePage, ocpp_id: str, evse_id: int, connector_id: int
) -> Response:
    detail, connector = await _connector(page, ocpp_id, evse_id, connector_id)
    return _connector_form(page, detail.station, connector, _connector_values(connector), {})


@router.post("/assets/stations/{ocpp_id}/connectors/{evse_id}/{connector_id}/edit")
async def update_connector(
    page: WritePage, ocpp_id: str, evse_id: int, connector_id: int
) -> Response:
    detail, connector = await _connector(page, ocpp_id, evse_id, connector_id)
    values = form_values(await read_form(page), CONNECTOR_FORM)
    values["evse_id"], values["connector_id"] = str(evse_id), str(connector_id)
    data, errors = _parse_connector(page, values)
    if errors:
        return _connector_form(page, detail.station, connector, values, errors, 422)
    try:
        await page.web.services.stations.update_connector(
            page.principal, ocpp_id, evse_id, connector_id, data
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
    page: WritePage, ocpp_id: str, evse_id: int, connector_id: int
) -> Response:
    detail, connector = await _connector(page, ocpp_id, evse_id, connector_id)
    return page.render(
        "assets/connector_delete.html",
        {"station": detail.station, "connector": connector, "station_url": station_url},
    )


@router.post("/assets/stations/{ocpp_id}/connectors/{evse_id}/{connector_id}/delete")
async def delete_connector(
    page: WritePage, ocpp_id: str, evse_id: int, connector_id: int
) -> Response:
    try:
        await page.web.services.stations.delete_connector(
            page.principal, ocpp_id, evse_id, connector_id
        )
    except NotFound as error:
        raise not_found(page, error) from error
    return redirect(station_url(ocpp_id, "?notice=connector-deleted#connectors"))
