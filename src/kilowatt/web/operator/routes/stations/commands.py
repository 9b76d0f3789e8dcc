"""The station's page's commands: reset, clear the cache, trigger a message, change the
availability; sent through the same service (and checks) as the API's commands, answered with
an htmx fragment that polls until the station answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.command_params import (
    ChangeAvailability,
    ClearCache,
    CommandParams,
    Reset,
)
from kilowatt.domain.command_params import (
    TriggerMessage as Trigger,
)
from kilowatt.domain.commands import Command, Operation
from kilowatt.domain.errors import DomainError, InvalidInput, NotFound, StationOffline
from kilowatt.domain.exports import zone_of
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.permissions import command_permissions
from kilowatt.domain.stations import OcppId
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.forms import REQUIRED, F, Fields, Reading, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import TRANSLATED, refusal
from kilowatt.web.operator.context import AssetsPage, Page
from kilowatt.web.operator.disruption import (
    Confirmation,
    Disruption,
    disruptive,
    interrupts,
    running_sessions,
    what_it_does,
)
from kilowatt.web.operator.paths import CommandId
from kilowatt.web.operator.routes.stations.common import find_station, site_of
from kilowatt.web.operator.rows.commands import CommandRow
from kilowatt.web.operator.rows.stations import StationRow, station_url

router = APIRouter()


COMMAND_WAIT = 10.0
TriggerMessage = Literal[
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "MeterValues",
    "FirmwareStatusNotification",
    "DiagnosticsStatusNotification",
]
TRIGGER_MESSAGES: tuple[str, ...] = get_args(TriggerMessage)


def trigger_words(gettext: Callable[[str], str]) -> list[tuple[str, str]]:
    """The messages a station can be asked to send, in words."""
    _ = gettext
    words = {
        "BootNotification": _("Its boot notification (identity and firmware)"),
        "Heartbeat": _("A heartbeat"),
        "StatusNotification": _("The status of its connectors"),
        "MeterValues": _("Its meter readings"),
        "FirmwareStatusNotification": _("Where its firmware update stands"),
        "DiagnosticsStatusNotification": _("Where its diagnostics upload stands"),
    }
    return [(message, words[message]) for message in TRIGGER_MESSAGES]


WEB_OPERATIONS = {
    "reset": Operation.RESET,
    "clear-cache": Operation.CLEAR_CACHE,
    "trigger-message": Operation.TRIGGER_MESSAGE,
    "change-availability": Operation.CHANGE_AVAILABILITY,
}
CONFIGURATION_OPERATIONS = frozenset(
    {
        Operation.GET_CONFIGURATION.value,
        Operation.CHANGE_CONFIGURATION.value,
        Operation.GET_VARIABLES.value,
        Operation.SET_VARIABLES.value,
    }
)
"""Commands whose answer lands in the device model (the station page reloads it)."""
Evse = Annotated[int | None, Field(ge=0, le=99_999), Says(N_("choose an EVSE"))]


class ResetForm(Fields):
    type: Annotated[Literal["soft", "hard"] | None, REQUIRED, Says(N_("choose soft or hard"))] = (
        None
    )


class TriggerForm(Fields):
    message: Annotated[TriggerMessage | None, REQUIRED, Says(N_("choose a message"))] = None
    evse_id: Evse = None


class AvailabilityForm(Fields):
    operative: Annotated[
        Literal["yes", "no"] | None, REQUIRED, Says(N_("choose operative or inoperative"))
    ] = None
    evse_id: Evse = None


async def command_params(page: Page, operation: Operation) -> CommandParams:
    """The command's parameters from the form; a bad or missing one raises InvalidInput with
    its reason in words."""
    if operation is Operation.CLEAR_CACHE:
        return ClearCache()
    if operation is Operation.RESET:
        reset = _valid(await page.web.form(ResetForm))
        return Reset(type="soft" if reset.type == "soft" else "hard")
    if operation is Operation.TRIGGER_MESSAGE:
        trigger = _valid(await page.web.form(TriggerForm))
        return Trigger(message=str(trigger.message), evse_id=trigger.evse_id or None)
    change = _valid(await page.web.form(AvailabilityForm))
    return ChangeAvailability(operative=change.operative == "yes", evse_id=change.evse_id)


def _valid(reading: Reading[F]) -> F:
    for field, message in reading.errors.items():
        raise InvalidInput(field, message, reason=TRANSLATED)
    return reading.data


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
    error = ""
    command: Command | None = None
    try:
        params = await command_params(page, operation)
        asked = await confirmation(page, ocpp_id, params, f"{station_url(ocpp_id)}/commands/{name}")
        if asked is not None:
            return asked
        command = await page.web.services.commands.execute(
            page.principal,
            OcppId(ocpp_id),
            params,
            f"web:{page.principal.name}",
            wait=COMMAND_WAIT,
        )
    except StationOffline:
        error = _("The station is not connected: the command was not sent.")
    except InvalidInput as invalid:
        error = _("The command was not sent: %(reason)s") % {"reason": refusal(invalid, _)}
    except NotFound:
        raise WebError(404, _("No such station.")) from None
    except DomainError as failed:
        error = _("The command was not sent: %(reason)s") % {"reason": refusal(failed, _)}
    return _command_result(page, ocpp_id, command, error)


@router.get("/stations/{ocpp_id}/commands/{command_id}")
async def station_command_result(ocpp_id: str, command_id: CommandId, page: AssetsPage) -> Response:
    try:
        command = await page.web.services.commands.get(page.principal, command_id)
    except NotFound:
        raise WebError(404, page.web.gettext("No such command.")) from None
    if command.station_ocpp_id != ocpp_id:
        raise WebError(404, page.web.gettext("No such command."))
    return _command_result(page, ocpp_id, command, "")


RECENT_COMMANDS = 10


async def recent_commands(page: Page, ocpp_id: str, zone: ZoneInfo) -> dict[str, Any]:
    """The station page's recent commands panel (stations/_recent_commands.html)."""
    found = await page.web.services.commands.search(
        page.principal, PageRequest(limit=RECENT_COMMANDS), ocpp_id
    )
    return {
        "commands": [CommandRow.of(c, zone, page.web.gettext) for c in found.items],
        "commands_url": f"{station_url(ocpp_id)}/commands",
    }


@router.get("/stations/{ocpp_id}/commands")
async def station_recent_commands(ocpp_id: str, page: AssetsPage) -> Response:
    """The recent commands panel again, open (htmx fetches it on "commands-changed")."""
    station = (await find_station(page, ocpp_id)).station
    row = StationRow.of(station, await site_of(page, station), page.web.gettext)
    context = await recent_commands(page, station.ocpp_id, row.zone)
    return page.render(
        "stations/_recent_commands.html",
        {**context, "zone": row.timezone, "commands_open": True},
    )


def changed(answer: Response, *, sent: bool, model: bool = False) -> Response:
    """Tell the page which panels a command changed: the recent commands (whenever one was
    sent or moved on), the device model (``model``: a configuration command is done)."""
    events = (["commands-changed"] if sent else []) + (["device-model-changed"] if model else [])
    if events:
        answer.headers["HX-Trigger"] = ", ".join(events)
    return answer


async def confirmation(
    page: Page, ocpp_id: str, params: CommandParams, url: str
) -> Response | None:
    """The confirmation a disruptive command asks for (None: send it): what it does and the
    sessions it interrupts, with the form again (``url``) to send it anyway."""
    if not interrupts(params) or (await page.web.form(Confirmation)).data.confirm:
        return None
    site = await site_of(page, (await find_station(page, ocpp_id)).station)
    evse = params.evse_id if isinstance(params, ChangeAvailability) else None
    sessions = await running_sessions(page, ocpp_id, zone_of(site.timezone if site else None), evse)
    if not disruptive(params) and not sessions:
        return None
    what, button = what_it_does(params, ocpp_id, page.web.gettext)
    fields: list[tuple[str, str]] = []
    if isinstance(params, Reset):
        fields = [("type", params.type)]
    elif isinstance(params, ChangeAvailability):
        fields = [("operative", "yes" if params.operative else "no")]
        fields.append(("evse_id", str(params.evse_id or 0)))
    disruption = Disruption(
        what=what,
        button=button,
        sessions=sessions,
        url=url,
        target="#command-result",
        fields=fields,
        cancel_url=station_url(ocpp_id),
        stops_sessions=not isinstance(params, ChangeAvailability),
    )
    return page.render("stations/_confirm.html", {"disruption": disruption})


def _command_result(page: Page, ocpp_id: str, command: Command | None, error: str) -> Response:
    answer = page.render(
        "stations/_command_result.html",
        {
            "command": (
                CommandRow.of(command, zone_of("UTC"), page.web.gettext)
                if command is not None
                else None
            ),
            "error": error,
            "poll_url": (
                f"{station_url(ocpp_id)}/commands/{command.id}"
                if command is not None and not command.done
                else ""
            ),
        },
    )
    model = command is not None and command.done and command.operation in CONFIGURATION_OPERATIONS
    return changed(answer, sent=command is not None, model=model)
