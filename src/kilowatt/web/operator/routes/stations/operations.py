"""More of the station page's tools: vendor operations (DataTransfer templates, such as the
protective-device (RCD) self-test), the local authorization list, reservations and (for roles
with security:manage) the station's certificates. Each is a form that htmx swaps, with what
it lists (the templates, the station's reservations, its list) read again after the command."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.command_params import (
    CancelReservation,
    CommandParams,
    DeleteCertificate,
    GetInstalledCertificateIds,
    GetLocalListVersion,
    InstallCertificate,
    ReserveNow,
    SendLocalList,
    Vendor,
)
from kilowatt.domain.commands import Operation
from kilowatt.domain.exports import format_local, zone_of
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.reservations import OPEN
from kilowatt.domain.stations import Station
from kilowatt.domain.vendor import applies
from kilowatt.web.kit.forms import INTEGER, REQUIRED, Fields, Id, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import AssetsPage, Page
from kilowatt.web.operator.routes.stations.tools import Tool, run_tool
from kilowatt.web.operator.rows.stations import station_url

router = APIRouter()

RESERVATIONS = 5
MAX_MINUTES = 24 * 60
CertificateKind = Literal["csms_root", "manufacturer_root", "v2g_root", "mo_root"]
Hash = Annotated[str, Field(max_length=128), REQUIRED]


class VendorForm(Fields):
    template: Annotated[
        str, Field(max_length=100), REQUIRED, Says(N_("Choose a vendor operation."))
    ] = ""


class LocalListForm(Fields):
    update_type: Annotated[
        Literal["full", "differential"] | None, REQUIRED, Says(N_("Choose whole or changes."))
    ] = None


class NoFields(Fields):
    pass


class ReserveForm(Fields):
    id_tag: Annotated[
        str, Field(max_length=36), REQUIRED, Says(N_("Enter the token (at most 36 characters)."))
    ] = ""
    evse_id: Annotated[int | None, Field(ge=0, le=INTEGER), Says(N_("Choose an EVSE."))] = None
    minutes: Annotated[
        int | None,
        Field(ge=1, le=MAX_MINUTES),
        REQUIRED,
        Says(N_("Enter a whole number of minutes from 1 to 1440.")),
    ] = None


class CancelForm(Fields):
    reservation_id: Annotated[Id, REQUIRED, Says(N_("Choose a reservation."))] = None


class CertificatesForm(Fields):
    certificate_type: Annotated[
        CertificateKind | None, REQUIRED, Says(N_("Choose a kind of certificate."))
    ] = None


class InstallForm(CertificatesForm):
    certificate: Annotated[
        str,
        Field(max_length=10_000),
        REQUIRED,
        Says(N_("Paste the certificate in PEM (at most 10000 characters).")),
    ] = ""


class DeleteForm(Fields):
    hash_algorithm: Hash = ""
    issuer_name_hash: Hash = ""
    issuer_key_hash: Hash = ""
    serial_number: Annotated[str, Field(max_length=40), REQUIRED] = ""


def _vendor(form: Any, _: Station) -> CommandParams:
    return Vendor(template=str(form.template))


def _send_list(form: Any, _: Station) -> CommandParams:
    return SendLocalList(
        update_type="differential" if form.update_type == "differential" else "full"
    )


def _list_version(_: Any, __: Station) -> CommandParams:
    return GetLocalListVersion()


def _reserve(form: Any, _: Station) -> CommandParams:
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=int(form.minutes))
    return ReserveNow(id_tag=str(form.id_tag), expires_at=expires, evse_id=form.evse_id or 0)


def _cancel(form: Any, _: Station) -> CommandParams:
    return CancelReservation(reservation_id=int(form.reservation_id))


def _certificates(form: Any, _: Station) -> CommandParams:
    return GetInstalledCertificateIds(certificate_types=(str(form.certificate_type),))


def _install(form: Any, _: Station) -> CommandParams:
    return InstallCertificate(
        certificate_type=str(form.certificate_type), certificate=str(form.certificate)
    )


def _delete(form: Any, _: Station) -> CommandParams:
    return DeleteCertificate(
        hash_algorithm=str(form.hash_algorithm),
        issuer_name_hash=str(form.issuer_name_hash),
        issuer_key_hash=str(form.issuer_key_hash),
        serial_number=str(form.serial_number),
    )


OPERATIONS = {
    tool.name: tool
    for tool in (
        Tool("vendor", Operation.VENDOR, VendorForm, _vendor, "vendor"),
        Tool("local-list", Operation.SEND_LOCAL_LIST, LocalListForm, _send_list, "local_list"),
        Tool(
            "local-list-version",
            Operation.GET_LOCAL_LIST_VERSION,
            NoFields,
            _list_version,
            "local_list",
        ),
        Tool("reserve", Operation.RESERVE_NOW, ReserveForm, _reserve, "reservations"),
        Tool(
            "cancel-reservation",
            Operation.CANCEL_RESERVATION,
            CancelForm,
            _cancel,
            "reservations",
        ),
        Tool(
            "certificates",
            Operation.GET_INSTALLED_CERTIFICATE_IDS,
            CertificatesForm,
            _certificates,
            "certificates",
        ),
        Tool(
            "install-certificate",
            Operation.INSTALL_CERTIFICATE,
            InstallForm,
            _install,
            "certificates",
        ),
        Tool(
            "delete-certificate",
            Operation.DELETE_CERTIFICATE,
            DeleteForm,
            _delete,
            "certificates",
        ),
    )
}


def certificate_words(gettext: Callable[[str], str]) -> list[tuple[str, str]]:
    _ = gettext
    return [
        ("csms_root", _("Central system root")),
        ("manufacturer_root", _("Manufacturer root")),
        ("v2g_root", _("V2G root (2.0.1)")),
        ("mo_root", _("Mobility operator root (2.0.1)")),
    ]


def reservation_words(gettext: Callable[[str], str]) -> dict[str, str]:
    _ = gettext
    return {
        "pending": _("Asked of the station"),
        "active": _("Reserved"),
        "rejected": _("Refused by the station"),
        "cancelled": _("Cancelled"),
        "used": _("Used by a session"),
        "expired": _("Expired"),
    }


async def operations_context(page: Page, station: Station) -> dict[str, Any]:
    """What the operations' templates list: the vendor operations for this station, its
    reservations and its local list."""
    services = page.web.services
    _ = page.web.gettext
    site = None
    if station.site_id is not None:
        site = await services.sites.get(page.principal, station.site_id)
    zone = zone_of(site.timezone if site else None)
    templates = await services.vendor.search(page.principal, PageRequest(limit=MAX_PAGE))
    reservations = await services.reservations.search(
        page.principal, PageRequest(limit=RESERVATIONS), station.ocpp_id
    )
    local = await services.local_list.current(page.principal, station.ocpp_id)
    words = reservation_words(_)
    now = datetime.now(UTC)
    return {
        "operations_url": station_url(station.ocpp_id) + "/operations/",
        "vendor_choices": [
            (t.name, f"{t.name} — {t.description}" if t.description else t.name)
            for t in templates.items
            if applies(t.station_vendor, t.station_model, station.vendor, station.model)
        ],
        "reservations": [
            {
                "id": view.reservation.id,
                "id_tag": view.reservation.id_tag,
                "evse": view.reservation.evse_id,
                "expires": format_local(view.reservation.expires_at, zone),
                "status": view.status.value,
                "status_text": words[view.status.value],
                "open": view.status in OPEN and view.reservation.expires_at > now,
            }
            for view in reservations.items
        ],
        "local_list": (
            {
                "version": local.version,
                "count": len(local.entries),
                "updated": format_local(local.updated_at, zone),
            }
            if local is not None
            else None
        ),
        "certificate_types": certificate_words(_),
        "zone_name": site.timezone if site else "UTC",
        "evse_choices": [
            (str(evse), str(evse))
            for evse in sorted({c.evse_id for c in await _connectors(page, station)})
            if evse > 0
        ],
    }


async def _connectors(page: Page, station: Station) -> list[Any]:
    detail = await page.web.services.stations.get(page.principal, station.ocpp_id)
    return list(detail.connectors)


@router.post("/stations/{ocpp_id}/operations/{name}")
async def station_operation(ocpp_id: str, name: str, page: AssetsPage) -> Response:
    return await run_tool(page, ocpp_id, OPERATIONS.get(name), operations_context)
