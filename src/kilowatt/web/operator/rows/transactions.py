"""A transaction as the sessions pages show it: the list's rows and one session's facts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from kilowatt.domain.exports import SessionRow, duration, format_duration, format_kwh
from kilowatt.domain.transactions import TransactionState
from kilowatt.web.kit.formatting import Badge, minute

Gettext = Callable[[str], str]


def state_badge(state: TransactionState, gettext: Gettext) -> Badge:
    _ = gettext
    if state is TransactionState.ACTIVE:
        return Badge("charging", _("Running"))
    if state is TransactionState.REFUSED:
        note = _(
            "The station began it, but Kilowatt refused the card and told the station to stop."
        )
        return Badge("faulted", _("Refused"), note)
    return Badge("", _("Completed"))


def flag_words(gettext: Gettext) -> dict[str, str]:
    """A session's review flags (domain/transactions.py) in words."""
    _ = gettext
    return {
        "unknown_transaction": _("Stopped, but never started here"),
        "meter_stop_below_start": _("The meter reading went backwards"),
        "timestamp_in_future": _("Time stamped in the future (the station's clock is ahead)"),
        "timestamp_too_old": _("Time stamped before 2010 (the station's clock was not set)"),
        "timestamp_in_past": _(
            "Time stamped long before it arrived (the station's clock is behind, or it was held "
            "back)"
        ),
        "stop_before_start": _("Stop time before the start time"),
        "no_stop_received": _("The station never reported the stop"),
        "not_authorized": _("Begun with a card Kilowatt refused"),
        "seq_gap": _("A transaction event is missing"),
        "energy_implausible": _(
            "The meter jumped by more than the connector could deliver: counted from the "
            "reading after the jump"
        ),
        "stopped_by_other_token": _("Stopped with a card unrelated to the one that started it"),
        "unknown_connector": _("Started on a connector the station never reported"),
        "meter_start_negative": _("The meter start was below zero"),
    }


@dataclass(frozen=True, slots=True)
class TransactionRow:
    """A charging session, its times in its site's zone (named by ``timezone``)."""

    id: int
    station: str
    station_name: str
    site: str
    timezone: str
    evse_id: int
    connector_id: int
    token: str
    driver: str
    start: str
    stop: str
    duration: str
    energy: str
    """kWh, three decimals."""
    open: bool
    """Running or refused: a station that ignored the refusal still owes its stop."""
    state: Badge
    stop_reason: str
    flags: tuple[str, ...]
    """Its review flags, in words."""
    connector_url: str

    @classmethod
    def of(cls, row: SessionRow, gettext: Gettext) -> TransactionRow:
        tx = row.transaction
        words = flag_words(gettext)
        station = quote(row.station_ocpp_id, safe="")
        return cls(
            id=row.id,
            station=row.station_ocpp_id,
            station_name=row.station_name,
            site=row.site_name,
            timezone=row.timezone,
            evse_id=tx.evse_id,
            connector_id=tx.connector_id,
            token=tx.id_tag or "",
            driver=row.driver_name,
            start=minute(tx.start_time, row.zone),
            stop=minute(tx.stop_time, row.zone),
            duration=format_duration(duration(tx.start_time, tx.stop_time)),
            energy=format_kwh(row.energy_wh),
            open=tx.is_open,
            state=state_badge(tx.state, gettext),
            stop_reason=tx.stop_reason or "",
            flags=tuple(words.get(flag, flag) for flag in tx.flags),
            connector_url=f"/connectors/{station}/{tx.evse_id}/{tx.connector_id}",
        )
