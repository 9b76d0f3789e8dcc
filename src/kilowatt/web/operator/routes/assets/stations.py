"""Asset pages: stations. A station's page, and create, edit, and delete a station after a
confirmation page that lists its connectors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.access import AccessMode
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.station_security import authorization_key
from kilowatt.domain.stations import RegistrationStatus as Registration
from kilowatt.domain.stations import Station
from kilowatt.services.stations import StationInput
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.forms import REQUIRED, Checkbox, Fields, Id, Required, Says
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import AssetsPage, Page
from kilowatt.web.operator.routes.assets.common import (
    NoticeQuery,
    WritePage,
    all_sites,
    error_message,
    find_station,
    kw,
    not_found,
    notice_text,
    station_url,
)

router = APIRouter()


class StationForm(Fields):
    """A station as its edit form sends it."""

    name: Annotated[str, Field(max_length=200)] = ""
    site_id: Id = None
    registration_status: Annotated[Registration, Says(N_("Choose one of the options."))] = (
        Registration.ACCEPTED
    )
    access: Annotated[AccessMode | None, Says(N_("Choose one of the options."))] = None

    def data(self) -> dict[str, Any]:
        """What the station service takes."""
        return {
            "name": self.name,
            "site_id": self.site_id,
            "registration_status": self.registration_status,
            "access": self.access,
        }


class NewStationForm(StationForm):
    """A new station: its identity and security profile too; profile 0 only with its risk
    acknowledged (``insecure_ok``)."""

    ocpp_id: Annotated[
        str,
        Field(max_length=48),
        Required(N_("Enter the OCPP identity the station connects with.")),
    ] = ""
    security_profile: Annotated[int, Field(ge=0, le=3), Says(N_("Choose one of the options."))] = 1
    insecure_ok: Checkbox = False

    def problems(self) -> dict[str, str]:
        if self.security_profile == 0 and not self.insecure_ok:
            return {
                "insecure_ok": N_(
                    "Tick the box to confirm that this station may connect without "
                    "authentication, or choose a profile with a password."
                )
            }
        return {}


class CredentialsForm(Fields):
    security_profile: Annotated[
        int | None, Field(ge=1, le=2), REQUIRED, Says(N_("Choose security profile 1 or 2."))
    ] = None


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


@router.get("/assets/stations/new")
async def new_station(page: WritePage) -> Response:
    return await _station_form(page, None, _station_values(None), {})


@router.post("/assets/stations/new")
async def create_station(page: WritePage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(NewStationForm)
    values, form = reading.values, reading.data
    if reading.errors:
        return await _station_form(page, None, values, reading.errors, 422)
    try:
        created = await page.web.services.stations.create(
            page.principal,
            StationInput(
                ocpp_id=form.ocpp_id, security_profile=form.security_profile, **form.data()
            ),
        )
    except InvalidInput as error:
        return await _station_form(
            page, None, values, {error.field: error_message(page, error)}, 422
        )
    except Conflict:
        message = _("Another station already uses this OCPP identity.")
        return await _station_form(page, None, values, {"ocpp_id": message}, 422)
    if created.password is None:
        return redirect(station_url(form.ocpp_id, "?notice=station-created"))
    return credentials_page(page, created.station, created.password, created=True)


@router.post("/assets/stations/{ocpp_id}/credentials")
async def issue_password(page: WritePage, ocpp_id: str) -> Response:
    """A new password for the station (profile 1 or 2), replacing its old one at once."""
    detail = await find_station(page, ocpp_id)
    reading = await page.web.form(CredentialsForm)
    profile = reading.data.security_profile
    if profile is None:
        raise WebError(422, reading.errors["security_profile"])
    try:
        issued = await page.web.services.station_security.set_credentials(
            page.principal, detail.station.ocpp_id, security_profile=profile, password=True
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
    notice = page.web.query(NoticeQuery).data.notice
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
    reading = await page.web.form(StationForm)
    values = {**reading.values, "ocpp_id": detail.station.ocpp_id}
    if reading.errors:
        return await _station_form(page, detail.station, values, reading.errors, 422)
    try:
        await page.web.services.stations.update(page.principal, ocpp_id, reading.data.data())
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
