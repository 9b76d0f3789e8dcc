"""Dashboard pages: assets. Sites, stations and their connectors: create, edit, delete (after a
confirmation page that says what goes with them), and the bulk import of sites and stations
from an Excel workbook (services/imports.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from kilowatt.domain.access import AccessMode
from kilowatt.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kilowatt.domain.imports import MAX_BYTES, MAX_ROWS, ImportRefused, ordered
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.domain.sites import Site
from kilowatt.domain.stations import ConnectorSpec, ConnectorStandard, CurrentType, Station
from kilowatt.domain.stations import RegistrationStatus as Registration
from kilowatt.services.imports import XLSX, template_workbook
from kilowatt.services.ports import StationFilter
from kilowatt.services.sites import SiteInput
from kilowatt.services.stations import StationInput
from kilowatt.web.context import AssetsPage, Page, WebError, page_for
from kilowatt.web.templating import SECURITY_HEADERS

router = APIRouter()

WritePage = Annotated[Page, Depends(page_for(Permission.ASSETS_READ, Permission.ASSETS_WRITE))]

SITE_TEXT = {"name": 200, "address": 300, "city": 120, "postal_code": 20, "country": 2}
STATION_TEXT = {"name": 200}
LIST_LIMIT = 200


def _redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def _station_url(ocpp_id: str, tail: str = "") -> str:
    return f"/assets/stations/{quote(ocpp_id, safe='')}{tail}"


def _not_found(page: Page, error: NotFound) -> WebError:
    _ = page.web.gettext
    if error.entity == "site":
        return WebError(404, _("There is no such site, or it is not yours to see."))
    if error.entity == "connector":
        return WebError(404, _("There is no such connector."))
    return WebError(404, _("There is no such station, or it is not yours to see."))


def _message(page: Page, error: InvalidInput) -> str:
    return page.web.gettext(error.message)


async def _form(page: Page) -> FormData:
    return await page.web.request.form()


def _values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in names:
        value = form.get(name)
        values[name] = value.strip() if isinstance(value, str) else ""
    return values


class _Fields:
    """Form values parsed one by one; a bad one leaves its message beside its field."""

    def __init__(self, page: Page, values: Mapping[str, str]) -> None:
        self.page = page
        self.values = values
        self.errors: dict[str, str] = {}

    def text(self, name: str, limit: int) -> str:
        value = self.values.get(name, "")
        if len(value) > limit:
            self.errors[name] = self.page.web.gettext("At most %(limit)s characters.") % {
                "limit": limit
            }
        return value

    def number(self, name: str) -> Decimal | None:
        raw = self.values.get(name, "").replace(",", ".")
        if not raw:
            return None
        try:
            number = Decimal(raw)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            self.errors[name] = self.page.web.gettext("Enter a number.")
            return None
        return number

    def whole(self, name: str, *, minimum: int = 1) -> int | None:
        number = self.number(name)
        if number is None:
            return None
        if number != number.to_integral_value() or number < minimum:
            self.errors[name] = self.page.web.gettext(
                "Enter a whole number of at least %(minimum)s."
            ) % {"minimum": minimum}
            return None
        return int(number)

    def watts(self, name: str) -> int | None:
        """A power typed in kW, kept in W."""
        number = self.number(name)
        if number is None:
            return None
        watts = int((number * 1000).to_integral_value())
        if watts <= 0 or watts > 10**12:
            self.errors[name] = self.page.web.gettext("Enter a positive power in kW.")
            return None
        return watts

    def choice(self, name: str, options: Callable[[str], Any]) -> Any:
        raw = self.values.get(name, "")
        try:
            return options(raw)
        except ValueError:
            self.errors[name] = self.page.web.gettext("Choose one of the options.")
            return None


def _kw(watts: int | None) -> str:
    if watts is None:
        return ""
    return (
        format(Decimal(watts) / 1000, "f").rstrip("0").rstrip(".")
        if watts % 1000
        else str(watts // 1000)
    )


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


# The overview --------------------------------------------------------------------------------


async def _all_sites(page: Page) -> list[Site]:
    sites: list[Site] = []
    cursor: int | None = None
    while True:
        batch = await page.web.services.sites.search(page.principal, PageRequest(MAX_PAGE, cursor))
        sites.extend(batch.items)
        if batch.next_cursor is None or len(sites) >= 5000:
            return sites
        cursor = batch.next_cursor


def _int_param(page: Page, name: str) -> int | None:
    value = page.web.request.query_params.get(name, "")
    return int(value) if value.isdigit() else None


@router.get("/assets")
async def overview(page: AssetsPage) -> Response:
    services = page.web.services
    site_cursor = _int_param(page, "sites_after")
    station_cursor = _int_param(page, "stations_after")
    sites = await services.sites.search(page.principal, PageRequest(LIST_LIMIT, site_cursor))
    stations = await services.stations.search(
        page.principal, PageRequest(LIST_LIMIT, station_cursor), StationFilter()
    )
    site_names = {s.id: s.name for s in await _all_sites(page)}
    notice = page.web.request.query_params.get("notice", "")
    return page.render(
        "assets/index.html",
        {
            "sites": sites.items,
            "stations": stations.items,
            "site_names": site_names,
            "sites_next": f"/assets?sites_after={sites.next_cursor}#sites"
            if sites.next_cursor
            else "",
            "stations_next": f"/assets?stations_after={stations.next_cursor}#stations"
            if stations.next_cursor
            else "",
            "notice": _notice(page, notice),
            "station_url": _station_url,
        },
    )


def _notice(page: Page, key: str) -> str:
    _ = page.web.gettext
    return {
        "site-created": _("The site was created."),
        "site-saved": _("The site was saved."),
        "site-deleted": _("The site was deleted."),
        "station-created": _("The station was created."),
        "station-saved": _("The station was saved."),
        "station-deleted": _("The station was deleted."),
        "connector-saved": _("The connector was saved."),
        "connector-deleted": _("The connector was deleted."),
    }.get(key, "")


# Sites ----------------------------------------------------------------------------------------

SITE_FORM = (
    "name",
    "timezone",
    "address",
    "city",
    "postal_code",
    "country",
    "latitude",
    "longitude",
    "grid_capacity_kw",
    "access",
)


def _site_values(site: Site | None) -> dict[str, str]:
    if site is None:
        return {"timezone": "UTC", "access": AccessMode.PUBLIC.value}
    return {
        "name": site.name,
        "timezone": site.timezone,
        "address": site.address,
        "city": site.city,
        "postal_code": site.postal_code,
        "country": site.country,
        "latitude": _number(site.latitude),
        "longitude": _number(site.longitude),
        "grid_capacity_kw": _kw(site.grid_capacity_w),
        "access": site.access.value,
    }


def _site_form(
    page: Page,
    site: Site | None,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Response:
    _ = page.web.gettext
    return page.render(
        "assets/site_form.html",
        {
            "site": site,
            "values": values,
            "errors": errors,
            "access_options": [
                (AccessMode.PUBLIC.value, _("Public: any valid token")),
                (AccessMode.PRIVATE.value, _("Private: only the groups an access rule grants")),
            ],
        },
        status,
    )


def _parse_site(page: Page, values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    fields = _Fields(page, values)
    data: dict[str, Any] = {name: fields.text(name, limit) for name, limit in SITE_TEXT.items()}
    data["timezone"] = values.get("timezone") or "UTC"
    latitude = fields.number("latitude")
    longitude = fields.number("longitude")
    data["latitude"] = None if latitude is None else float(latitude)
    data["longitude"] = None if longitude is None else float(longitude)
    data["grid_capacity_w"] = fields.watts("grid_capacity_kw")
    data["access"] = fields.choice("access", AccessMode)
    if not data["name"] and "name" not in fields.errors:
        fields.errors["name"] = page.web.gettext("Enter a name.")
    return data, fields.errors


def _site_field(field: str) -> str:
    return {"grid_capacity_w": "grid_capacity_kw"}.get(field, field)


@router.get("/assets/sites/new")
async def new_site(page: WritePage) -> Response:
    return _site_form(page, None, _site_values(None), {})


@router.post("/assets/sites/new")
async def create_site(page: WritePage) -> Response:
    values = _values(await _form(page), SITE_FORM)
    data, errors = _parse_site(page, values)
    if errors:
        return _site_form(page, None, values, errors, 422)
    try:
        await page.web.services.sites.create(page.principal, SiteInput(**data))
    except InvalidInput as error:
        return _site_form(
            page, None, values, {_site_field(error.field): _message(page, error)}, 422
        )
    except Forbidden as error:
        raise WebError(403, page.web.gettext(str(error))) from error
    return _redirect("/assets?notice=site-created#sites")


async def _site(page: Page, site_id: int) -> Site:
    try:
        return await page.web.services.sites.get(page.principal, site_id)
    except NotFound as error:
        raise _not_found(page, error) from error


@router.get("/assets/sites/{site_id}/edit")
async def edit_site(page: WritePage, site_id: int) -> Response:
    site = await _site(page, site_id)
    return _site_form(page, site, _site_values(site), {})


@router.post("/assets/sites/{site_id}/edit")
async def update_site(page: WritePage, site_id: int) -> Response:
    site = await _site(page, site_id)
    values = _values(await _form(page), SITE_FORM)
    data, errors = _parse_site(page, values)
    if errors:
        return _site_form(page, site, values, errors, 422)
    try:
        await page.web.services.sites.update(page.principal, site_id, data)
    except InvalidInput as error:
        return _site_form(
            page, site, values, {_site_field(error.field): _message(page, error)}, 422
        )
    except NotFound as error:
        raise _not_found(page, error) from error
    return _redirect("/assets?notice=site-saved#sites")


async def _stations_at(page: Page, site_id: int) -> list[Station]:
    stations: list[Station] = []
    cursor: int | None = None
    while True:
        batch = await page.web.services.stations.search(
            page.principal, PageRequest(MAX_PAGE, cursor), StationFilter(site_id=site_id)
        )
        stations.extend(batch.items)
        if batch.next_cursor is None:
            return stations
        cursor = batch.next_cursor


async def _delete_site_page(page: Page, site: Site, error: str = "", status: int = 200) -> Response:
    assert site.id is not None
    stations = await _stations_at(page, site.id)
    return page.render(
        "assets/site_delete.html",
        {"site": site, "stations": stations, "error": error, "station_url": _station_url},
        status,
    )


@router.get("/assets/sites/{site_id}/delete")
async def confirm_site_deletion(page: WritePage, site_id: int) -> Response:
    return await _delete_site_page(page, await _site(page, site_id))


@router.post("/assets/sites/{site_id}/delete")
async def delete_site(page: WritePage, site_id: int) -> Response:
    site = await _site(page, site_id)
    try:
        await page.web.services.sites.delete(page.principal, site_id)
    except Conflict:
        message = page.web.gettext(
            "The site still has stations: move or delete them first. Nothing was deleted."
        )
        return await _delete_site_page(page, site, message, 409)
    except NotFound as error:
        raise _not_found(page, error) from error
    return _redirect("/assets?notice=site-deleted#sites")


# Stations -------------------------------------------------------------------------------------

STATION_FORM = ("ocpp_id", "name", "site_id", "registration_status", "access")


def _station_values(station: Station | None) -> dict[str, str]:
    if station is None:
        return {"registration_status": Registration.ACCEPTED.value}
    return {
        "ocpp_id": station.ocpp_id,
        "name": station.name,
        "site_id": "" if station.site_id is None else str(station.site_id),
        "registration_status": station.registration_status.value,
        "access": station.access.value if station.access else "",
    }


async def _station_form(
    page: Page,
    station: Station | None,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Response:
    _ = page.web.gettext
    sites = await _all_sites(page)
    site_options = [] if page.principal.limited else [("", _("No site"))]
    site_options += [(str(s.id), s.name) for s in sites]
    return page.render(
        "assets/station_form.html",
        {
            "station": station,
            "values": values,
            "errors": errors,
            "site_options": site_options,
            "registration_options": [
                (Registration.ACCEPTED.value, _("Accepted")),
                (Registration.PENDING.value, _("Pending")),
                (Registration.REJECTED.value, _("Rejected")),
            ],
            "access_options": [
                ("", _("As its site")),
                (AccessMode.PUBLIC.value, _("Public")),
                (AccessMode.PRIVATE.value, _("Private")),
            ],
            "station_url": _station_url,
        },
        status,
    )


def _parse_station(page: Page, values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    fields = _Fields(page, values)
    data: dict[str, Any] = {"name": fields.text("name", STATION_TEXT["name"])}
    site = values.get("site_id", "")
    data["site_id"] = fields.whole("site_id") if site else None
    data["registration_status"] = (
        fields.choice("registration_status", Registration)
        if values.get("registration_status")
        else Registration.ACCEPTED
    )
    access = values.get("access", "")
    data["access"] = fields.choice("access", AccessMode) if access else None
    return data, fields.errors


@router.get("/assets/stations/new")
async def new_station(page: WritePage) -> Response:
    return await _station_form(page, None, _station_values(None), {})


@router.post("/assets/stations/new")
async def create_station(page: WritePage) -> Response:
    _ = page.web.gettext
    values = _values(await _form(page), STATION_FORM)
    data, errors = _parse_station(page, values)
    if not values["ocpp_id"]:
        errors["ocpp_id"] = _("Enter the OCPP identity the station connects with.")
    if errors:
        return await _station_form(page, None, values, errors, 422)
    try:
        await page.web.services.stations.create(
            page.principal, StationInput(ocpp_id=values["ocpp_id"], **data)
        )
    except InvalidInput as error:
        return await _station_form(page, None, values, {error.field: _message(page, error)}, 422)
    except Conflict:
        message = _("Another station already uses this OCPP identity.")
        return await _station_form(page, None, values, {"ocpp_id": message}, 422)
    return _redirect(_station_url(values["ocpp_id"], "?notice=station-created"))


async def _station(page: Page, ocpp_id: str) -> Any:
    try:
        return await page.web.services.stations.get(page.principal, ocpp_id)
    except NotFound as error:
        raise _not_found(page, error) from error


@router.get("/assets/stations/{ocpp_id}")
async def station_detail(page: AssetsPage, ocpp_id: str) -> Response:
    detail = await _station(page, ocpp_id)
    site = None
    if detail.station.site_id is not None:
        try:
            site = await page.web.services.sites.get(page.principal, detail.station.site_id)
        except NotFound:
            site = None
    notice = page.web.request.query_params.get("notice", "")
    return page.render(
        "assets/station.html",
        {
            "station": detail.station,
            "connectors": detail.connectors,
            "site": site,
            "notice": _notice(page, notice),
            "station_url": _station_url,
            "kw": _kw,
        },
    )


@router.get("/assets/stations/{ocpp_id}/edit")
async def edit_station(page: WritePage, ocpp_id: str) -> Response:
    detail = await _station(page, ocpp_id)
    return await _station_form(page, detail.station, _station_values(detail.station), {})


@router.post("/assets/stations/{ocpp_id}/edit")
async def update_station(page: WritePage, ocpp_id: str) -> Response:
    detail = await _station(page, ocpp_id)
    values = _values(await _form(page), STATION_FORM)
    values["ocpp_id"] = detail.station.ocpp_id
    data, errors = _parse_station(page, values)
    if errors:
        return await _station_form(page, detail.station, values, errors, 422)
    try:
        await page.web.services.stations.update(page.principal, ocpp_id, data)
    except InvalidInput as error:
        return await _station_form(
            page, detail.station, values, {error.field: _message(page, error)}, 422
        )
    except NotFound as error:
        raise _not_found(page, error) from error
    return _redirect(_station_url(ocpp_id, "?notice=station-saved"))


@router.get("/assets/stations/{ocpp_id}/delete")
async def confirm_station_deletion(page: WritePage, ocpp_id: str) -> Response:
    detail = await _station(page, ocpp_id)
    return page.render(
        "assets/station_delete.html",
        {
            "station": detail.station,
            "connectors": detail.connectors,
            "error": "",
            "station_url": _station_url,
        },
    )


@router.post("/assets/stations/{ocpp_id}/delete")
async def delete_station(page: WritePage, ocpp_id: str) -> Response:
    detail = await _station(page, ocpp_id)
    try:
        await page.web.services.stations.delete(page.principal, ocpp_id)
    except Conflict:
        message = page.web.gettext(
            "The station has charging sessions, which invoices rest on: it cannot be deleted. "
            "Set its registration status to Rejected to decommission it. Nothing was deleted."
        )
        return page.render(
            "assets/station_delete.html",
            {
                "station": detail.station,
                "connectors": detail.connectors,
                "error": message,
                "station_url": _station_url,
            },
            409,
        )
    except NotFound as error:
        raise _not_found(page, error) from error
    return _redirect("/assets?notice=station-deleted#stations")


# Connectors -----------------------------------------------------------------------------------

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
        "max_power_kw": _kw(connector.max_power_w),
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
            "station_url": _station_url,
        },
        status,
    )


def _parse_connector(
    page: Page, values: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    fields = _Fields(page, values)
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
    detail = await _station(page, ocpp_id)
    values = _connector_values(None)
    values["evse_id"] = str(max((c.evse_id for c in detail.connectors), default=0) + 1)
    return _connector_form(page, detail.station, None, values, {})


@router.post("/assets/stations/{ocpp_id}/connectors/new")
async def create_connector(page: WritePage, ocpp_id: str) -> Response:
    _ = page.web.gettext
    detail = await _station(page, ocpp_id)
    values = _values(await _form(page), CONNECTOR_FORM)
    data, errors = _parse_connector(page, values)
    fields = _Fields(page, values)
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
            page, detail.station, None, values, {error.field: _message(page, error)}, 422
        )
    except Conflict:
        message = _("This station already has this EVSE and connector.")
        return _connector_form(page, detail.station, None, values, {"connector_id": message}, 422)
    return _redirect(_station_url(ocpp_id, "?notice=connector-saved#connectors"))


async def _connector(page: Page, ocpp_id: str, evse_id: int, connector_id: int) -> Any:
    detail = await _station(page, ocpp_id)
    connector = _connector_of(detail, evse_id, connector_id)
    if connector is None:
        raise _not_found(page, NotFound("connector", f"{ocpp_id}/{evse_id}/{connector_id}"))
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
    values = _values(await _form(page), CONNECTOR_FORM)
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
            page, detail.station, connector, values, {error.field: _message(page, error)}, 422
        )
    except NotFound as error:
        raise _not_found(page, error) from error
    return _redirect(_station_url(ocpp_id, "?notice=connector-saved#connectors"))


@router.get("/assets/stations/{ocpp_id}/connectors/{evse_id}/{connector_id}/delete")
async def confirm_connector_deletion(
    page: WritePage, ocpp_id: str, evse_id: int, connector_id: int
) -> Response:
    detail, connector = await _connector(page, ocpp_id, evse_id, connector_id)
    return page.render(
        "assets/connector_delete.html",
        {"station": detail.station, "connector": connector, "station_url": _station_url},
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
        raise _not_found(page, error) from error
    return _redirect(_station_url(ocpp_id, "?notice=connector-deleted#connectors"))


# Import ---------------------------------------------------------------------------------------


def _import_page(
    page: Page,
    problems: list[Any] | None = None,
    result: Any = None,
    error: str = "",
    status: int = 200,
) -> Response:
    return page.render(
        "assets/import.html",
        {
            "problems": problems or [],
            "result": result,
            "error": error,
            "max_mb": MAX_BYTES // (1024 * 1024),
            "max_rows": MAX_ROWS,
        },
        status,
    )


@router.get("/assets/import")
async def import_form(page: WritePage) -> Response:
    return _import_page(page)


@router.get("/assets/import/template.xlsx")
async def import_template(page: AssetsPage) -> Response:
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": 'attachment; filename="kilowatt-import.xlsx"',
    }
    return Response(template_workbook(), media_type=XLSX, headers=headers)


@router.post("/assets/import")
async def import_workbook(page: WritePage) -> Response:
    _ = page.web.gettext
    form = await _form(page)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(page, error=_("Choose an .xlsx file to import."), status=422)
    content = await upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        message = _("The file is larger than %(mb)s MB: split it into several imports.") % {
            "mb": MAX_BYTES // (1024 * 1024)
        }
        return _import_page(page, error=message, status=413)
    try:
        result = await page.web.services.imports.import_workbook(page.principal, content)
    except ImportRefused as refused:
        return _import_page(page, problems=ordered(refused.problems), status=422)
    except Conflict:
        message = _("Someone changed the same sites or stations meanwhile: nothing was imported.")
        return _import_page(page, error=message, status=409)
    return _import_page(page, result=result)
