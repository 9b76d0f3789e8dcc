"""Asset pages: stations. A station's page, and create, edit, and delete a station after a
confirmation page that lists its connectors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from kilowatt.domain.access import AccessMode
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.station_security import authorization_key
from kilowatt.domain.stations import RegistrationStatus as Registration
from kilowatt.domain.stations import Station
from kilowatt.services.stations import StationInput
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.frame import redirect
from kilowatt.web.operator.context import AssetsPage, Page
from kilowatt.web.operator.routes.assets.common import (
    Fields,
    WritePage,
    all_sites,
    error_message,
    find_station,
    form_values,
    kw,
    not_found,
    notice_text,
    read_form,
    station_url,
)

router = APIRouter()

STATION_TEXT = {"name": 200}

STATION_FORM = (
    "ocpp_id",
    "name",
    "site_id",
    "registration_status",
    "access",
    "security_profile",
    "insecure_ok",
)


def security_options(page: Page) -> list[tuple[str, str]]:
    """The security profiles a new station may get, the recommended one first."""
    _ = page.web.gettext
    return [
        ("1", _("1: password (HTTP Basic), recommended")),
        ("2", _("2: TLS and password")),
        ("3", _("3: TLS client certificate")),
        ("0", _("0: no authentication (closed networks only)")),
    ]


def _station_values(station: Station | None) -> dict[str, str]:
    if station is None:
        return {"registration_status": Registration.ACCEPTED.value, "security_profile": "1"}
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
    sites = await all_sites(page)
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
            "security_options": security_options(page),
            "station_url": station_url,
        },
        status,
    )


def _parse_station(page: Page, values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    fields = Fields(page, values)
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


def _parse_security(page: Page, values: Mapping[str, str], errors: dict[str, str]) -> int:
    """The new station's profile: 1 unless chosen; 0 only with its risk acknowledged."""
    _ = page.web.gettext
    raw = values.get("security_profile") or "1"
    if raw not in {value for value, _label in security_options(page)}:
        errors["security_profile"] = _("Choose one of the options.")
        return 1
    if raw == "0" and values.get("insecure_ok") != "yes":
        errors["insecure_ok"] = _(
            "Tick the box to confirm that this station may connect without authentication, "
            "or choose a profile with a password."
        )
    return int(raw)


@router.post("/assets/stations/new")
async def create_station(page: WritePage) -> Response:
    _ = page.web.gettext
    values = form_values(await read_form(page), STATION_FORM)
    data, errors = _parse_station(page, values)
    profile = _parse_security(page, values, errors)
    if not values["ocpp_id"]:
        errors["ocpp_id"] = _("Enter the OCPP identity the station connects with.")
    if errors:
        return await _station_form(page, None, values, errors, 422)
    try:
        created = await page.web.services.stations.create(
            page.principal,
            StationInput(ocpp_id=values["ocpp_id"], security_profile=profile, **data),
        )
    except InvalidInput as error:
        return await _station_form(
            page, None, values, {error.field: error_message(page, error)}, 422
        )
    except Conflict:
        message = _("Another station already uses this OCPP identity.")
        return await _station_form(page, None, values, {"ocpp_id": message}, 422)
    if created.password is None:
        return redirect(station_url(values["ocpp_id"], "?notice=station-created"))
    return credentials_page(page, created.station, created.password, created=True)


@router.post("/assets/stations/{ocpp_id}/credentials")
async def issue_password(page: WritePage, ocpp_id: str) -> Response:
    """A new password for the station (profile 1 or 2), replacing its old one at once."""
    detail = await find_station(page, ocpp_id)
    values = form_values(await read_form(page), ("security_profile",))
    profile = values["security_profile"]
    if profile not in ("1", "2"):
        raise WebError(422, page.web.gettext("Choose security profile 1 or 2."))
    try:
        issued = await page.web.services.station_security.set_credentials(
            page.principal, detail.station.ocpp_id, security_profile=int(profile), password=True
        )
    except NotFound as error:
        raise not_found(page, error) from error
    assert issued.password is not None
    return credentials_page(page, issued.station, issued.password, created=False)


def credentials_page(page: Page, station: Station, password: str, *, created: bool) -> Response:
    """The station's new password, shown this once (the answer is never cached)."""
    return page.render(
        "assets/station_credentials.html",
        {
            "station": station,
            "password": password,
            "authorization_key": authorization_key(password),
            "created": created,
            "station_url": station_url,
        },
    )


@router.get("/assets/stations/{ocpp_id}")
async def station_detail(page: AssetsPage, ocpp_id: str) -> Response:
    detail = await find_station(page, ocpp_id)
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
            "notice": notice_text(page, notice),
            "station_url": station_url,
            "kw": kw,
        },
    )


@router.get("/assets/stations/{ocpp_id}/edit")
async def edit_station(page: WritePage, ocpp_id: str) -> Response:
    detail = await find_station(page, ocpp_id)
    return await _station_form(page, detail.station, _station_values(detail.station), {})


@router.post("/assets/stations/{ocpp_id}/edit")
async def update_station(page: WritePage, ocpp_id: str) -> Response:
    detail = await find_station(page, ocpp_id)
    values = form_values(await read_form(page), STATION_FORM)
    values["ocpp_id"] = detail.station.ocpp_id
    data, errors = _parse_station(page, values)
    if errors:
        return await _station_form(page, detail.station, values, errors, 422)
    try:
        await page.web.services.stations.update(page.principal, ocpp_id, data)
    except InvalidInput as error:
        return await _station_form(
            page, detail.station, values, {error.field: error_message(page, error)}, 422
        )
    except NotFound as error:
        raise not_found(page, error) from error
    return redirect(station_url(ocpp_id, "?notice=station-saved"))


@router.get("/assets/stations/{ocpp_id}/delete")
async def confirm_station_deletion(page: WritePage, ocpp_id: str) -> Response:
    detail = await find_station(page, ocpp_id)
    return page.render(
        "assets/station_delete.html",
        {
            "station": detail.station,
            "connectors": detail.connectors,
            "error": "",
            "station_url": station_url,
        },
    )


@router.post("/assets/stations/{ocpp_id}/delete")
async def delete_station(page: WritePage, ocpp_id: str) -> Response:
    detail = await find_station(page, ocpp_id)
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
                "station_url": station_url,
            },
            409,
        )
    except NotFound as error:
        raise not_found(page, error) from error
    return redirect("/assets?notice=station-deleted#stations")
