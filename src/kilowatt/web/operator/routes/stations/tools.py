"""The station page's tools: read and change its configuration (1.6 keys, 2.0.1 variables) and
ask for a base report. Each tool is a form that htmx swaps with its answer: the same form with
its errors beside the fields, or with the command's outcome below it (polled until the station
answers). The commands go through the commands service, as the API's do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.command_params import CommandParams
from kilowatt.domain.commands import Command, Operation
from kilowatt.domain.device_model import (
    ChangeConfiguration,
    GetBaseReport,
    GetConfiguration,
    SetVariables,
    VariableValue,
)
from kilowatt.domain.errors import DomainError, InvalidInput, NotFound, StationOffline
from kilowatt.domain.exports import zone_of
from kilowatt.domain.permissions import command_permissions
from kilowatt.domain.stations import OcppId, Station
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.forms import INTEGER, REQUIRED, Fields, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import refusal
from kilowatt.web.operator.context import AssetsPage, Page
from kilowatt.web.operator.routes.stations.commands import CONFIGURATION_OPERATIONS, changed
from kilowatt.web.operator.routes.stations.common import find_station
from kilowatt.web.operator.rows.commands import CommandRow
from kilowatt.web.operator.rows.stations import station_url

router = APIRouter()

TOOL_WAIT = 10.0
MAX_KEYS = 500
REPORT_BASES = ("FullInventory", "ConfigurationInventory", "SummaryInventory")
ReportBase = Literal["FullInventory", "ConfigurationInventory", "SummaryInventory"]
Name = Annotated[str, Field(max_length=50)]
"""A configuration key, a component or a variable (OCPP's CiString50)."""


class ReadForm(Fields):
    keys: Annotated[str, Field(max_length=MAX_KEYS)] = ""
    """1.6: the keys to read, separated by commas or spaces; none: all of them."""


class ReportForm(Fields):
    report_base: Annotated[ReportBase | None, REQUIRED, Says(N_("Choose a report."))] = None


class ChangeForm(Fields):
    key: Annotated[Name, REQUIRED, Says(N_("Enter the key to change (at most 50 characters)."))] = (
        ""
    )
    value: Annotated[str, Field(max_length=500)] = ""


class SetForm(Fields):
    component: Annotated[
        Name, REQUIRED, Says(N_("Enter the component (at most 50 characters)."))
    ] = ""
    variable: Annotated[Name, REQUIRED, Says(N_("Enter the variable (at most 50 characters)."))] = (
        ""
    )
    evse_id: Annotated[
        int | None, Field(ge=1, le=INTEGER), Says(N_("Enter an EVSE number, or leave it empty."))
    ] = None
    value: Annotated[str, Field(max_length=1000)] = ""


def _read(form: Any, _: Station) -> CommandParams:
    keys = tuple(k for k in str(form.keys).replace(",", " ").split() if k)
    return GetConfiguration(keys=keys)


def _report(form: Any, _: Station) -> CommandParams:
    return GetBaseReport(report_base=str(form.report_base))


def _change(form: Any, _: Station) -> CommandParams:
    return ChangeConfiguration(key=str(form.key), value=str(form.value))


def _set(form: Any, _: Station) -> CommandParams:
    variable = VariableValue(
        component=str(form.component),
        variable=str(form.variable),
        evse_id=form.evse_id,
        value=str(form.value),
    )
    return SetVariables(variables=(variable,))


@dataclass(frozen=True)
class Tool:
    name: str
    """In the tool's URL and its form's id."""
    operation: Operation
    form: type[Fields]
    params: Callable[[Any, Station], CommandParams]
    template: str


TOOLS = {
    tool.name: tool
    for tool in (
        Tool("read-configuration", Operation.GET_CONFIGURATION, ReadForm, _read, "read"),
        Tool("base-report", Operation.GET_BASE_REPORT, ReportForm, _report, "report"),
        Tool("change-configuration", Operation.CHANGE_CONFIGURATION, ChangeForm, _change, "change"),
        Tool("set-variable", Operation.SET_VARIABLES, SetForm, _set, "set"),
    )
}


@dataclass(frozen=True)
class Outcome:
    """What a tool's form shows below itself once sent."""

    command: CommandRow | None = None
    error: str = ""
    poll_url: str = ""
    answer: Any = None
    """What the station's answer says (the outcome's data), once it answered."""


def tool_context(ocpp_id: str, **extra: Any) -> dict[str, Any]:
    """What a tool's template needs (the station page gives every tool this, empty)."""
    return {
        "tools_url": station_url(ocpp_id) + "/tools/",
        "report_bases": REPORT_BASES,
        "values": {},
        "errors": {},
        "outcome": None,
        **extra,
    }


@router.post("/stations/{ocpp_id}/tools/{name}")
async def station_tool(ocpp_id: str, name: str, page: AssetsPage) -> Response:
    return await run_tool(page, ocpp_id, TOOLS.get(name))


More = Callable[[Page, Station], Awaitable[dict[str, Any]]]
"""What else a tool's template shows (the station's reservations...), after the command."""


async def run_tool(
    page: Page, ocpp_id: str, tool: Tool | None, more: More | None = None
) -> Response:
    """Read the tool's form, send its command, and answer with its template: the form again,
    with its errors (422, nothing sent) or the command's outcome."""
    _ = page.web.gettext
    if tool is None:
        raise WebError(404, _("No such command."))
    if not all(page.may(p) for p in command_permissions(tool.operation)):
        raise WebError(403, _("Your role does not allow this command."))
    station = (await find_station(page, ocpp_id)).station
    reading = await page.web.form(tool.form)
    errors = dict(reading.errors)
    outcome = None
    if not errors:
        try:
            params = tool.params(reading.data, station)
        except InvalidInput as invalid:
            errors[invalid.field] = refusal(invalid, _)
        else:
            outcome = await _send(page, station, params, errors)
    context = tool_context(
        ocpp_id, values=reading.values, errors=errors, outcome=outcome, station=station
    )
    if more is not None:
        context.update(await more(page, station))
    answer = page.render(f"stations/tools/{tool.template}.html", context, 422 if errors else 200)
    command = outcome.command if outcome is not None else None
    model = (
        command is not None and command.done and tool.operation.value in CONFIGURATION_OPERATIONS
    )
    return changed(answer, sent=command is not None, model=model)


async def _send(
    page: Page, station: Station, params: CommandParams, errors: dict[str, str]
) -> Outcome | None:
    _ = page.web.gettext
    try:
        command = await page.web.services.commands.execute(
            page.principal,
            OcppId(station.ocpp_id),
            params,
            f"web:{page.principal.name}",
            wait=TOOL_WAIT,
        )
    except StationOffline:
        return Outcome(error=_("The station is not connected: the command was not sent."))
    except InvalidInput as invalid:
        field = invalid.field.split(".")[-1].split("[")[0]
        if field in ("key", "value", "component", "variable", "evse_id", "report_base"):
            errors[field] = refusal(invalid, _)
            return None
        return Outcome(
            error=_("The command was not sent: %(reason)s") % {"reason": refusal(invalid, _)}
        )
    except NotFound:
        raise WebError(404, _("No such station.")) from None
    except DomainError as failed:
        return Outcome(
            error=_("The command was not sent: %(reason)s") % {"reason": refusal(failed, _)}
        )
    return outcome_of(page, station.ocpp_id, command)


def outcome_of(page: Page, ocpp_id: str, command: Command) -> Outcome:
    return Outcome(
        command=CommandRow.of(command, zone_of("UTC"), page.web.gettext),
        poll_url=(f"{station_url(ocpp_id)}/commands/{command.id}" if not command.done else ""),
        answer=command.result if command.done else None,
    )
