"""Commands that interrupt a station's work (a hard reset, making it inoperative, a firmware
update) are sent only once the operator confirmed them, having read what they interrupt: the
sessions running on the station (or the EVSE) now, counted and named."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kilowatt.domain.command_params import ChangeAvailability, CommandParams, Reset, UpdateFirmware
from kilowatt.domain.errors import NotFound
from kilowatt.domain.exports import format_local, zone_of
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.stations import Station
from kilowatt.domain.transactions import TransactionState
from kilowatt.services.ports import TransactionFilter
from kilowatt.web.kit.forms import Checkbox, Fields
from kilowatt.web.operator.context import Page

Gettext = Callable[[str], str]


class Confirmation(Fields):
    """Sent (as ``confirm=yes``) by the confirmation's button."""

    confirm: Checkbox = False


@dataclass(frozen=True, slots=True)
class Interrupted:
    """A session running where the command strikes."""

    id: int
    url: str
    evse_id: int
    connector_id: int
    id_tag: str
    started: str
    """In the site's time zone."""


@dataclass(frozen=True)
class Disruption:
    """What the confirmation says, and how it sends the command once confirmed."""

    what: str
    """What the command does, in words."""
    button: str
    sessions: list[Interrupted]
    url: str
    """Where the confirmed form posts."""
    target: str
    """The element htmx swaps with the answer (a CSS selector)."""
    fields: Sequence[tuple[str, str]]
    """The form's values, sent again with ``confirm``."""
    cancel_url: str
    stops_sessions: bool = True
    swap: str = "innerHTML"
    select: str = ""
    """What htmx takes of the answer (a CSS selector; "" all of it)."""
    """False when the station may wait for the sessions to end (an availability change)."""


def disruptive(params: CommandParams) -> bool:
    """Whether the command always asks for a confirmation."""
    if isinstance(params, Reset):
        return params.type in ("hard", "immediate")
    if isinstance(params, ChangeAvailability):
        return not params.operative
    return isinstance(params, UpdateFirmware)


def interrupts(params: CommandParams) -> bool:
    """Whether the command asks for a confirmation when sessions are running (a soft reset
    stops them too, more gently)."""
    return disruptive(params) or isinstance(params, Reset)


async def running_sessions(
    page: Page, ocpp_id: str, zone: ZoneInfo, evse_id: int | None = None
) -> list[Interrupted]:
    """The sessions running on the station now (on EVSE ``evse_id`` only, when given and
    not 0)."""
    found = await page.web.services.transactions.search(
        page.principal,
        PageRequest(limit=MAX_PAGE),
        TransactionFilter(state=TransactionState.ACTIVE),
        station_ocpp_id=ocpp_id,
    )
    return [
        Interrupted(
            id=t.id,
            url=f"/sessions/{t.id}",
            evse_id=t.evse_id,
            connector_id=t.connector_id,
            id_tag=t.id_tag,
            started=format_local(t.start_time, zone),
        )
        for view in found.items
        if (t := view.transaction).id is not None and (not evse_id or t.evse_id == evse_id)
    ]


def what_it_does(
    params: CommandParams, station: str, gettext: Gettext, version: str = ""
) -> tuple[str, str]:
    """The confirmation's sentence and its button, in words."""
    _ = gettext
    if isinstance(params, Reset):
        if params.type == "soft":
            return (
                _("A soft reset stops the sessions of station %(station)s and restarts it.")
                % {"station": station},
                _("Reset anyway"),
            )
        return (
            _("A hard reset restarts station %(station)s at once, cutting the power to its cars.")
            % {"station": station},
            _("Reset anyway"),
        )
    if isinstance(params, ChangeAvailability):
        if params.evse_id:
            text = _(
                "EVSE %(evse)s of station %(station)s becomes inoperative: it takes no new "
                "session until it is made operative again."
            ) % {"evse": params.evse_id, "station": station}
        else:
            text = _(
                "Station %(station)s becomes inoperative: it takes no new session until it is "
                "made operative again."
            ) % {"station": station}
        return text, _("Make inoperative")
    if isinstance(params, UpdateFirmware):
        return (
            _(
                "Station %(station)s downloads firmware %(version)s and restarts to install it: "
                "it cannot charge while it installs."
            )
            % {"station": station, "version": version or params.firmware_version or ""},
            _("Update anyway"),
        )
    return _("This command interrupts the station's work."), _("Send anyway")


async def connector_disruption(
    page: Page, station: Station, params: CommandParams, base: str, name: str
) -> Disruption | None:
    """The confirmation a command from the connector page at ``base`` asks for (None: none),
    the whole page's commands panel swapped with the answer."""
    if not interrupts(params) or (await page.web.form(Confirmation)).data.confirm:
        return None
    zone = zone_of(await _timezone(page, station))
    evse = params.evse_id if isinstance(params, ChangeAvailability) else None
    sessions = await running_sessions(page, station.ocpp_id, zone, evse)
    if not disruptive(params) and not sessions:
        return None
    what, button = what_it_does(params, station.ocpp_id, page.web.gettext)
    fields: list[tuple[str, str]] = []
    if isinstance(params, Reset):
        fields = [("type", params.type)]
    elif isinstance(params, ChangeAvailability):
        fields = [("operative", "operative" if params.operative else "inoperative")]
    return Disruption(
        what=what,
        button=button,
        sessions=sessions,
        url=f"{base}/commands/{name}",
        target="#commands",
        fields=fields,
        cancel_url=base,
        stops_sessions=not isinstance(params, ChangeAvailability),
        swap="outerHTML",
        select="#commands",
    )


async def _timezone(page: Page, station: Station) -> str | None:
    if station.site_id is None:
        return None
    try:
        site = await page.web.services.sites.get(page.principal, station.site_id)
    except NotFound:
        return None
    return site.timezone
