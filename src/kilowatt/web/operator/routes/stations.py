"""Dashboard pages: the stations list (/stations) and a station's page (/stations/{id}) with
its connectors, device model, message log, faults and commands."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import Response

from kilowatt.domain.commands import Command, CommandStatus, Operation
from kilowatt.domain.connector_states import shown_state
from kilowatt.domain.errors import DomainError, InvalidInput, NotFound, StationOffline
from kilowatt.domain.events import Direction
from kilowatt.domain.exports import format_local, zone_of
from kilowatt.domain.faults import FaultFilter
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission, command_permissions
from kilowatt.domain.sites import Site
from kilowatt.domain.stations import Station
from kilowatt.services.ports import DeviceModelFilter, MessageFilter, StationFilter
from kilowatt.services.stations import StationDetail
from kilowatt.web.kit.context import WebError
from kilowatt.web.operator.context import AssetsPage, Page
from kilowatt.web.operator.routes.faults import fault_row

router = APIRouter()

PAGE_SIZE = 50
LOG_PAGE = 25
MODEL_PAGE = 50
COMMAND_WAIT = 10.0
PAST_FAULTS = 20

TRIGGER_MESSAGES = (
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "MeterValues",
    "FirmwareStatusNotification",
    "DiagnosticsStatusNotification",
)
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
WEB_OPERATIONS = {
    "reset": Operation.RESET,
    "clear-cache": Operation.CLEAR_CACHE,
    "trigger-message": Operation.TRIGGER_MESSAGE,
    "change-availability": Operation.CHANGE_AVAILABILITY,
}


def station_url(ocpp_id: str) -> str:
    return "/stations/" + quote(ocpp_id, safe="")


def _cursor(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and 0 < int(text) < 2**63 else None


def station_row(station: Station, sites: dict[int, Site]) -> dict[str, Any]:
    """A station for the list and its page, its times in its site's zone (UTC without one)."""
    site = sites.get(station.site_id) if station.site_id is not None else None
    timezone = site.timezone if site else "UTC"
    return {
        "ocpp_id": station.ocpp_id,
        "url": station_url(station.ocpp_id),
        "name": station.name,
        "vendor": station.vendor,
        "model": station.model,
        "online": station.online,
        "protocol": station.protocol_version or "",
        "security_profile": station.security_profile,
        "firmware": station.firmware_version,
        "last_seen": format_local(station.last_seen_at, zone_of(timezone)),
        "timezone": timezone,
        "registration": station.registration_status.value,
        "site": site.name if site else "",
        "site_id": station.site_id,
    }


async def _sites(page: Page) -> dict[int, Site]:
    sites = await page.web.services.sites.search(page.principal, PageRequest(limit=MAX_PAGE))
    return {site.id: site for site in sites.items if site.id is not None}


async def _site(page: Page, station: Station) -> Site | None:
    """The station's site, None without one (or one the caller cannot see)."""
    if station.site_id is None:
        return None
    try:
        return await page.web.services.sites.get(page.principal, station.site_id)
    except NotFound:
        return None


@router.get("/stations")
async def stations_list(page: AssetsPage) -> Response:
    query = page.web.request.query_params
    values = {name: query.get(name, "").strip()[:100] for name in ("q", "online", "site")}
    online = {"online": True, "offline": False}.get(values["online"])
    site_id = int(values["site"]) if values["site"].isdigit() and len(values["site"]) < 19 else None
    found = await page.web.services.stations.search(
        page.principal,
        PageRequest(limit=PAGE_SIZE, cursor=_cursor(query.get("cursor"))),
        StationFilter(site_id=site_id, online=online, search=values["q"] or None),
    )
    sites = await _sites(page)
    next_url = ""
    if found.next_cursor is not None:
        kept = {k: v for k, v in values.items() if v}
        next_url = "/stations?" + urlencode({**kept, "cursor": found.next_cursor})
    return page.render(
        "stations/list.html",
        {
            "rows": [station_row(s, sites) for s in found.items],
            "values": values,
            "sites": [(str(s.id), s.name) for s in sorted(sites.values(), key=lambda s: s.name)],
            "next_url": next_url,
            "filtered": any(values.values()),
        },
    )


async def _detail(page: Page, ocpp_id: str) -> StationDetail:
    try:
        return await page.web.services.stations.get(page.principal, ocpp_id)
    except NotFound:
        raise WebError(404, page.web.gettext("No such station.")) from None


@router.get("/stations/{ocpp_id}")
async def station_page(ocpp_id: str, page: AssetsPage) -> Response:
    services = page.web.services
    detail = await _detail(page, ocpp_id)
    station = detail.station
    assert station.id is not None
    now = datetime.now(UTC)
    open_faults = await services.faults.open_faults(page.principal, station_id=station.id)
    past = await services.faults.search(
        page.principal,
        PageRequest(limit=PAST_FAULTS),
        FaultFilter(station_id=station.id, open=False),
    )
    site = await _site(page, station)
    row = station_row(station, {site.id: site} if site and site.id is not None else {})
    zone = zone_of(row["timezone"])
    connectors = sorted(detail.connectors, key=lambda c: (c.evse_id, c.connector_id))
    identity = quote(station.ocpp_id, safe="")
    commands = await services.commands.search(
        page.principal, PageRequest(limit=10), station.ocpp_id
    )
    context: dict[str, Any] = {
        "station": station,
        "row": row,
        "zone": row["timezone"],
        "connectors": [
            {
                "evse_id": c.evse_id,
                "connector_id": c.connector_id,
                "state": c.state,
                "shown_state": shown_state(c.state, station.online).value,
                "error_code": c.error_code if c.error_code != "NoError" else "",
                "standard": c.standard,
                "max_power_w": c.max_power_w,
                "status_at": format_local(c.status_at, zone),
                "url": f"/connectors/{identity}/{c.evse_id}/{c.connector_id}",
            }
            for c in connectors
        ],
        "open_faults": [fault_row(v, now) for v in open_faults],
        "past_faults": [fault_row(v, now) for v in past.items],
        "commands": [
            {**command_row(c), "created": format_local(c.created_at, zone)} for c in commands.items
        ],
        "trigger_messages": TRIGGER_MESSAGES,
        "actions": COMMON_ACTIONS,
        "evses": sorted({c.evse_id for c in connectors}),
        "facts": [
            ("boot", format_local(station.last_boot_at, zone)),
            ("connected", format_local(station.connected_at, zone)),
        ],
    }
    if page.may(Permission.MESSAGES_READ):
        context["log"] = await _log_context(page, station.ocpp_id, row["timezone"])
    context["model"] = await _model_context(page, station.ocpp_id, row["timezone"])
    return page.render("stations/detail.html", context)


# Message log ------------------------------------------------------------------------------


async def _log_context(page: Page, ocpp_id: str, timezone: str) -> dict[str, Any]:
    """One page of the station's message log, its times in ``timezone`` (the site's)."""
    zone = zone_of(timezone)
    query = page.web.request.query_params
    action = query.get("action", "").strip()[:64]
    direction_text = query.get("direction", "")
    direction = Direction(direction_text) if direction_text in ("in", "out") else None
    found = await page.web.services.message_log.search(
        page.principal,
        ocpp_id,
        PageRequest(limit=LOG_PAGE, cursor=_cursor(query.get("cursor"))),
        MessageFilter(action=action or None, direction=direction),
    )
    next_query = ""
    if found.next_cursor is not None:
        kept = {k: v for k, v in (("action", action), ("direction", direction_text)) if v}
        next_query = urlencode({**kept, "cursor": found.next_cursor})
    kinds = {2: "CALL", 3: "CALLRESULT", 4: "CALLERROR"}
    return {
        "url": station_url(ocpp_id) + "/messages",
        "page_url": station_url(ocpp_id),
        "action": action,
        "direction": direction.value if direction else "",
        "next_query": next_query,
        "zone": timezone,
        "rows": [
            {
                "id": stored.id,
                "at": format_local(stored.message.created_at, zone),
                "direction": stored.message.direction.value,
                "kind": kinds.get(stored.message.message_type, str(stored.message.message_type)),
                "action": stored.message.action,
                "unique_id": stored.message.unique_id,
                "payload": stored.message.payload,
            }
            for stored in found.items
        ],
    }


@router.get("/stations/{ocpp_id}/messages")
async def station_messages(ocpp_id: str, page: AssetsPage) -> Response:
    """The message log part of the station's page (htmx swaps it in)."""
    if not page.may(Permission.MESSAGES_READ):
        raise WebError(403, page.web.gettext("Your role does not allow this page."))
    site = await _site(page, (await _detail(page, ocpp_id)).station)
    log = await _log_context(page, ocpp_id, site.timezone if site else "UTC")
    return page.render(
        "stations/_messages.html", {"log": log, "actions": COMMON_ACTIONS, "ocpp_id": ocpp_id}
    )


# Device model -----------------------------------------------------------------------------


async def _model_context(page: Page, ocpp_id: str, timezone: str) -> dict[str, Any]:
    """One page of the station's device model, its times in ``timezone`` (the site's)."""
    zone = zone_of(timezone)
    query = page.web.request.query_params
    found = await page.web.services.device_model.search(
        page.principal,
        ocpp_id,
        PageRequest(limit=MODEL_PAGE, cursor=_cursor(query.get("model_cursor"))),
        DeviceModelFilter(),
    )
    next_url = ""
    if found.next_cursor is not None:
        next_url = (
            station_url(ocpp_id) + "/device-model?" + urlencode({"model_cursor": found.next_cursor})
        )
    return {
        "rows": [
            {
                "component": v.component
                + (f" [{v.component_instance}]" if v.component_instance else ""),
                "variable": v.variable
                + (f" [{v.variable_instance}]" if v.variable_instance else ""),
                "evse": f"{v.evse_id}/{v.connector_id}" if v.evse_id else "",
                "attribute": v.attribute_type,
                "value": v.value if v.value is not None else "",
                "mutability": v.mutability or "",
                "unit": v.unit or "",
                "updated": format_local(v.updated_at, zone),
            }
            for v in found.items
        ],
        "next_url": next_url,
        "zone": timezone,
    }


@router.get("/stations/{ocpp_id}/device-model")
async def station_device_model(ocpp_id: str, page: AssetsPage) -> Response:
    site = await _site(page, (await _detail(page, ocpp_id)).station)
    model = await _model_context(page, ocpp_id, site.timezone if site else "UTC")
    return page.render("stations/_device_model.html", {"model": model})


# Commands --------------------------------------------------------------------------------


def command_row(command: Command) -> dict[str, Any]:
    """A command's outcome (its times are the caller's to add, in the station's zone)."""
    return {
        "id": command.id,
        "operation": command.operation.value
        if isinstance(command.operation, Operation)
        else str(command.operation),
        "status": command.status.value,
        "done": command.done,
        "ok": command.status is CommandStatus.ACCEPTED,
        "error": command.error,
        "params": command.params,
        "result": command.result,
    }


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def command_params(operation: Operation, form: FormData) -> dict[str, Any]:
    """The command's parameters from the form, as the API's bodies have them."""
    if operation is Operation.RESET:
        kind = _text(form, "type")
        if kind not in ("soft", "hard"):
            raise InvalidInput("type", "choose soft or hard")
        return {"type": kind}
    if operation is Operation.CLEAR_CACHE:
        return {}
    evse = _text(form, "evse_id")
    if evse and not (evse.isdigit() and len(evse) < 6):
        raise InvalidInput("evse_id", "choose an EVSE")
    if operation is Operation.TRIGGER_MESSAGE:
        message = _text(form, "message")
        if message not in TRIGGER_MESSAGES:
            raise InvalidInput("message", "choose a message")
        params: dict[str, Any] = {"message": message}
        if evse and int(evse) > 0:
            params["evse_id"] = int(evse)
        return params
    operative = _text(form, "operative")
    if operative not in ("yes", "no"):
        raise InvalidInput("operative", "choose operative or inoperative")
    params = {"operative": operative == "yes"}
    if evse:
        params["evse_id"] = int(evse)
    return params


@router.post("/stations/{ocpp_id}/commands/{name}")
async def station_command(ocpp_id: str, name: str, page: AssetsPage) -> Response:
    """Send a command and answer with its result (an htmx fragment); a command still running
    polls /stations/{id}/commands/{command id} until it is done."""
    _ = page.web.gettext
    operation = WEB_OPERATIONS.get(name)
    if operation is None:
        raise WebError(404, _("No such command."))
    if not all(page.may(p) for p in command_permissions(operation)):
        raise WebError(403, _("Your role does not allow this command."))
    form = await page.web.request.form()
    error = ""
    command: Command | None = None
    try:
        params = command_params(operation, form)
        command = await page.web.services.commands.execute(
            page.principal,
            ocpp_id,
            operation,
            params,
            f"web:{page.principal.name}",
            wait=COMMAND_WAIT,
        )
    except StationOffline:
        error = _("The station is not connected: the command was not sent.")
    except InvalidInput as invalid:
        error = _("The command was not sent: %(reason)s.") % {"reason": invalid.message}
    except NotFound:
        raise WebError(404, _("No such station.")) from None
    except DomainError as failed:
        error = _("The command was not sent: %(reason)s.") % {"reason": str(failed)}
    return _command_result(page, ocpp_id, command, error)


@router.get("/stations/{ocpp_id}/commands/{command_id:int}")
async def station_command_result(ocpp_id: str, command_id: int, page: AssetsPage) -> Response:
    try:
        command = await page.web.services.commands.get(page.principal, command_id)
    except NotFound:
        raise WebError(404, page.web.gettext("No such command.")) from None
    if command.station_ocpp_id != ocpp_id:
        raise WebError(404, page.web.gettext("No such command."))
    return _command_result(page, ocpp_id, command, "")


def _command_result(page: Page, ocpp_id: str, command: Command | None, error: str) -> Response:
    return page.render(
        "stations/_command_result.html",
        {
            "command": command_row(command) if command is not None else None,
            "error": error,
            "poll_url": (
                f"{station_url(ocpp_id)}/commands/{command.id}"
                if command is not None and not command.done
                else ""
            ),
        },
    )
