"""The connector page: identity and rating, today's and cumulative figures, the running session
live (static/connector.js), its power setting, sessions and faults, and remote commands whose
outcome is shown when the station answers; a remote start picks its token from a search of
drivers and tokens (web/remote_start.py) and shows what came of its session."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.command_params import (
    ChangeAvailability,
    CommandParams,
    RemoteStop,
    Reset,
    UnlockConnector,
)
from kilowatt.domain.commands import Command, Operation
from kilowatt.domain.connector_states import IN_USE
from kilowatt.domain.curves import latest
from kilowatt.domain.errors import DomainError, InvalidInput, NotFound, StationOffline
from kilowatt.domain.permissions import Permission, command_permissions
from kilowatt.domain.power_limits import parse_limit_kw
from kilowatt.domain.remote_start import TokenRefused
from kilowatt.domain.stations import OcppId
from kilowatt.services.monitoring import COMMAND_WAIT, ConnectorOverview, Target, TargetResult
from kilowatt.web.kit import refusals
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.forms import REQUIRED, Fields, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import AssetsPage, Page, page_for
from kilowatt.web.operator.costs import last_bill
from kilowatt.web.operator.disruption import connector_disruption
from kilowatt.web.operator.paths import ConnectorNumber, EvseId
from kilowatt.web.operator.power import PowerForm
from kilowatt.web.operator.remote_start import (
    MAX_TOKEN,
    CommandForm,
    StartForm,
    choice_notes,
    refusal,
    start_params,
    start_view,
)
from kilowatt.web.operator.remote_start import labels as start_labels
from kilowatt.web.operator.rows.commands import status_words

router = APIRouter()


CommandsPage = Annotated[Page, Depends(page_for(Permission.ASSETS_READ, Permission.COMMANDS_SEND))]
PickerPage = Annotated[
    Page,
    Depends(page_for(Permission.ASSETS_READ, Permission.COMMANDS_SEND, Permission.TOKENS_READ)),
]

COMMANDS: dict[str, Operation] = {
    "remote-start": Operation.REMOTE_START,
    "remote-stop": Operation.REMOTE_STOP,
    "unlock": Operation.UNLOCK_CONNECTOR,
    "reset": Operation.RESET,
    "availability": Operation.CHANGE_AVAILABILITY,
}
PATH = "/connectors/{station_key}/{evse_id}/{connector_id}"
"""``station_key``: the station's OCPP identity (URL-encoded), as in the API's URLs."""


class ConnectorQuery(Fields):
    """``q``: a search of the token picker (the page without scripts searches this way)."""

    q: Annotated[str, Field(max_length=MAX_TOKEN)] = ""


class ResetForm(CommandForm):
    type: Annotated[
        Literal["soft", "hard"] | None, REQUIRED, Says(N_("Choose a soft or a hard reset."))
    ] = None


class AvailabilityForm(CommandForm):
    operative: Annotated[
        Literal["operative", "inoperative"] | None,
        REQUIRED,
        Says(N_("Choose operative or inoperative.")),
    ] = None


@router.get(PATH)
async def connector_page(
    page: AssetsPage, station_key: str, evse_id: EvseId, connector_id: ConnectorNumber
) -> Response:
    reading = page.web.query(ConnectorQuery)
    station_id = await _station(page, station_key)
    overview = await _overview(page, station_id, evse_id, connector_id)
    status = 422 if reading.errors else 200
    return await _render(page, overview, status, q=reading.data.q, errors=reading.errors)


@router.get(PATH + "/tokens")
async def token_choices(
    page: PickerPage, station_key: str, evse_id: EvseId, connector_id: ConnectorNumber
) -> Response:
    """The remote start's token picker: drivers and tokens matching ``q`` (htmx)."""
    reading = page.web.query(ConnectorQuery)
    context = await _picker(page, station_key, reading.data.q, {})
    return page.render(
        "connectors/_token_choices.html",
        {**context, "errors": reading.errors},
        422 if reading.errors else 200,
    )


FORMS: dict[Operation, type[CommandForm]] = {
    Operation.REMOTE_START: StartForm,
    Operation.RESET: ResetForm,
    Operation.CHANGE_AVAILABILITY: AvailabilityForm,
}


@router.post(PATH + "/commands/{name}")
async def connector_command(
    page: CommandsPage, station_key: str, evse_id: EvseId, connector_id: ConnectorNumber, name: str
) -> Response:
    _ = page.web.gettext
    station_id = await _station(page, station_key)
    operation = COMMANDS.get(name)
    if operation is None:
        raise WebError(404, _("There is no such command."))
    if not all(page.may(p) for p in command_permissions(operation)):
        raise WebError(403, _("Your role does not allow this command."))
    reading = await page.web.form(FORMS.get(operation, CommandForm))
    form = reading.data
    monitoring = page.web.services.monitoring
    try:
        station, transaction = await monitoring.running_transaction(
            page.principal, station_id, evse_id, connector_id
        )
    except NotFound as error:
        raise WebError(404, _("There is no such connector.")) from error
    errors = dict(reading.errors)
    params: CommandParams | None = None
    if isinstance(form, StartForm):
        params = start_params(form, evse_id)
    elif operation is Operation.REMOTE_STOP:
        if transaction is None or transaction.id is None:
            errors["stop"] = _("No session is running on this connector.")
        else:
            params = RemoteStop(transaction_id=transaction.id)
    elif operation is Operation.UNLOCK_CONNECTOR:
        params = UnlockConnector(evse_id=evse_id, connector_id=connector_id)
    elif isinstance(form, ResetForm):
        params = Reset(type="soft" if form.type == "soft" else "hard")
    elif isinstance(form, AvailabilityForm):
        params = ChangeAvailability(
            operative=form.operative == "operative",
            evse_id=evse_id,
            connector_id=connector_id if station.protocol_version == "2.0.1" else None,
        )
    command: Command | None = None
    failure = ""
    disruption = None
    if not errors and params is not None:
        disruption = await connector_disruption(
            page,
            station,
            params,
            f"/connectors/{quote(station.ocpp_id, safe='')}/{evse_id}/{connector_id}",
            name,
        )
    if not errors and params is not None and disruption is None:
        try:
            command = await page.web.services.commands.execute(
                page.principal,
                OcppId(station.ocpp_id),
                params,
                f"web:{page.principal.name}",
                wait=COMMAND_WAIT,
            )
        except StationOffline:
            failure = _("The station is not connected.")
        except TokenRefused as error:
            errors["id_tag"] = refusal(_, error)
        except DomainError as error:
            failure = _("The station cannot take this command: %(reason)s") % {
                "reason": refusals.refusal(error, _)
            }
    overview = await _overview(page, station_id, evse_id, connector_id)
    return await _render(
        page,
        overview,
        422 if errors else 200,
        errors=errors,
        command=command,
        command_name=name,
        failure=failure,
        disruption=disruption,
        id_tag=reading.values.get("id_tag", ""),
        q=form.q,
    )


@router.post(PATH + "/power")
async def connector_power(
    page: CommandsPage, station_key: str, evse_id: EvseId, connector_id: ConnectorNumber
) -> Response:
    _ = page.web.gettext
    station_id = await _station(page, station_key)
    reading = await page.web.form(PowerForm)
    power = reading.data
    errors: dict[str, str] = {}
    monitoring = page.web.services.monitoring
    target = Target(station_id, evse_id, connector_id)
    requested_by = f"web:{page.principal.name}"
    results: list[TargetResult] = []
    if reading.errors.get("limit_kw"):
        errors["limit_kw"] = reading.errors["limit_kw"]
    elif power.action == "set":
        try:
            limit_w = parse_limit_kw(power.limit_kw)
        except InvalidInput:
            errors["limit_kw"] = _("Enter a limit in kW above 0 and at most 1000, such as 7.4.")
        else:
            results = await _limit(
                page, monitoring.set_power_limit, [target], limit_w, requested_by
            )
    elif power.action == "clear":
        results = await _limit(page, monitoring.clear_power_limit, [target], requested_by)
    else:
        errors["limit_kw"] = _("Choose whether to set or remove the limit.")
    overview = await _overview(page, station_id, evse_id, connector_id)
    return await _render(
        page,
        overview,
        422 if errors else 200,
        errors=errors,
        power_results=results,
        limit_kw=reading.values["limit_kw"],
    )


async def _limit(page: Page, send: Any, *args: Any) -> list[TargetResult]:
    try:
        results: list[TargetResult] = await send(page.principal, *args)
    except NotFound as error:
        raise WebError(404, page.web.gettext("There is no such connector.")) from error
    return results


async def _station(page: Page, key: str) -> int:
    try:
        return await page.web.services.monitoring.station_number(page.principal, key)
    except NotFound as error:
        raise WebError(404, page.web.gettext("There is no such connector.")) from error


async def _overview(
    page: Page, station_id: int, evse_id: int, connector_id: int
) -> ConnectorOverview:
    try:
        return await page.web.services.monitoring.connector(
            page.principal, station_id, evse_id, connector_id
        )
    except NotFound as error:
        raise WebError(404, page.web.gettext("There is no such connector.")) from error


async def _render(
    page: Page, overview: ConnectorOverview, status_code: int = 200, **extra: Any
) -> Response:
    station, connector = overview.station, overview.connector
    faults = [
        fault
        for fault in await page.web.services.faults.open_faults(
            page.principal, station_id=station.id, evse_id=connector.evse_id
        )
        if fault.connector_id in (0, connector.connector_id)
    ]
    running = overview.running
    live: dict[str, Any] = {
        "station": station.ocpp_id,
        "evse_id": connector.evse_id,
        "connector_id": connector.connector_id,
        "online": station.online,
        "state": connector.state,
        "in_use": sorted(s.value for s in IN_USE),
        "transaction_id": running.transaction.id if running else None,
        "points": [p.as_dict() for p in running.points] if running else [],
        "labels": {
            "power": page.web.gettext("Power (kW)"),
            "energy": page.web.gettext("Energy (kWh)"),
            "minutes": page.web.gettext("Minutes since the start"),
            "ended": page.web.gettext("Session ended"),
            "running": page.web.gettext("Charging session running"),
            "idle": page.web.gettext("No session is running."),
            "session": page.web.gettext("Session %(id)s"),
            "outcomes": status_words(page.web.gettext),
            "start": start_labels(page.web.gettext),
        },
    }
    command = extra.get("command")
    picker = {}
    if page.may(Permission.TOKENS_READ) and page.may(Permission.COMMANDS_SEND):
        picker = await _picker(page, station.ocpp_id, str(extra.get("q") or ""), extra)
    zone = ZoneInfo(overview.site.timezone if overview.site is not None else "UTC")
    context: dict[str, Any] = {
        "overview": overview,
        "station": station,
        "connector": connector,
        "running": running,
        "now_values": latest(running.points) if running else {},
        "faults": faults,
        "live": live,
        "zone": zone,
        "errors": {},
        "command": None,
        "command_name": "",
        "failure": "",
        "disruption": None,
        "id_tag": "",
        "power_results": [],
        "limit_kw": "",
        "q": "",
        "picker": bool(picker),
        **extra,
        **picker,
        "start": start_view(live["labels"]["start"], command),
        **(await last_bill(page, [s.transaction_id for s in overview.sessions], zone)),
    }
    return page.render("connectors/connector.html", context, status_code)


async def _picker(page: Page, station_key: str, q: str, extra: dict[str, Any]) -> dict[str, Any]:
    """What the token picker shows: the tokens matching ``q`` or, when none does, ``q`` as a
    token Kilowatt does not know (sent only if picked)."""
    try:
        choices = await page.web.services.remote_start.choices(page.principal, station_key, q)
    except NotFound as error:
        raise WebError(404, page.web.gettext("There is no such connector.")) from error
    chosen = str(extra.get("id_tag") or "")
    if chosen and not any(c.token.value == chosen for c in choices):
        # Keep the token picked before the page came back (a refusal, an answer).
        picked = await page.web.services.remote_start.choices(page.principal, station_key, chosen)
        choices = [c for c in picked if c.token.value.lower() == chosen.lower()][:1] + choices
    return {
        "q": q,
        "choices": choices,
        "unknown_tag": q if q and not choices else "",
        "choice_notes": choice_notes(page.web.gettext),
    }
