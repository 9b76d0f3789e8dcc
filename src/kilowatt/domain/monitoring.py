"""Site monitoring and the connector page: the figures an operator watches, computed from plain
rows so that they are tested without I/O.

* a site's figures for its local day: sessions, charging hours, largest and smallest session;
* counts per connector state, connectors in use, AC and DC connectors;
* the connector list filter (by id, state and power);
* a connector's totals, the running session included.

The fuzzy search of sites is in fuzzy.py, power limits in power_limits.py, the curve of a
session in curves.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from kilowatt.domain.connector_states import IN_USE, ConnectorState, shown_state
from kilowatt.domain.errors import InvalidInput

# Sites -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteCard:
    """A site with its connector counts, for the site list."""

    id: int
    name: str
    city: str
    address: str
    timezone: str
    stations: int
    connectors: int
    in_use: int
    faulted: int
    offline_stations: int


# A site's day -------------------------------------------------------------------


def day_start(now: datetime, timezone: str) -> datetime:
    """The instant the local day of ``now`` began in ``timezone``."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    return datetime.combine(local.date(), datetime.min.time(), zone)


@dataclass(frozen=True, slots=True)
class SessionSpan:
    """What the figures need of one transaction."""

    transaction_id: int
    station_id: int
    evse_id: int
    connector_id: int
    start: datetime
    stop: datetime | None
    energy_wh: int | None
    """Final energy; None while it runs (or when unknown)."""
    active: bool


@dataclass(frozen=True, slots=True)
class SessionFigures:
    sessions: int
    """Sessions that started in the period."""
    charging_seconds: float
    """Time sessions ran within the period (a session crossing midnight counts its part)."""
    largest_wh: int | None
    smallest_wh: int | None
    longest_seconds: float | None
    shortest_seconds: float | None
    """Of the finished sessions that started in the period."""

    @property
    def charging_hours(self) -> float:
        return self.charging_seconds / 3600.0


def session_figures(spans: Iterable[SessionSpan], since: datetime, now: datetime) -> SessionFigures:
    count = 0
    charging = 0.0
    energies: list[int] = []
    durations: list[float] = []
    for span in spans:
        end = now if span.stop is None else min(span.stop, now)
        begin = max(span.start, since)
        if end > begin:
            charging += (end - begin).total_seconds()
        if span.start < since:
            continue
        count += 1
        if span.active or span.stop is None:
            continue
        durations.append(max(0.0, (span.stop - span.start).total_seconds()))
        if span.energy_wh is not None:
            energies.append(span.energy_wh)
    return SessionFigures(
        sessions=count,
        charging_seconds=charging,
        largest_wh=max(energies) if energies else None,
        smallest_wh=min(energies) if energies else None,
        longest_seconds=max(durations) if durations else None,
        shortest_seconds=min(durations) if durations else None,
    )


# Connectors -------------------------------------------------------------------

STATE_ORDER: tuple[str, ...] = tuple(s.value for s in ConnectorState)
"""The states in the order pages list them (and offer them in filters)."""


def is_in_use(state: str) -> bool:
    return state in IN_USE


@dataclass(frozen=True, slots=True)
class ConnectorRow:
    """A connector of a site as the site page lists it."""

    station_id: int
    station_ocpp_id: str
    station_name: str
    online: bool
    protocol_version: str | None
    evse_id: int
    connector_id: int
    current_type: str
    standard: str
    max_power_w: int | None
    status: str
    """What the station said, in its own word."""
    error_code: str
    status_at: datetime | None = None
    state: str = ConnectorState.UNKNOWN.value
    """What it is doing (domain/connector_states.py), as the station last said."""

    @property
    def label(self) -> str:
        """How the page names it: ``<station>/<evse>/<connector>``."""
        return f"{self.station_ocpp_id}/{self.evse_id}/{self.connector_id}"

    @property
    def key(self) -> str:
        """The value of its checkbox: ``<station id>/<evse>/<connector>``."""
        return f"{self.station_id}/{self.evse_id}/{self.connector_id}"

    @property
    def shown_state(self) -> ConnectorState:
        """What the badge says: a station that is not connected is offline, whatever its
        connectors last reported."""
        return shown_state(self.state, self.online)


@dataclass(frozen=True, slots=True)
class ConnectorCounts:
    total: int
    ac: int
    dc: int
    in_use: int
    by_state: dict[str, int] = field(default_factory=dict)
    """State → how many, in the order of ConnectorState; only non-zero. Each connector
    counts once, under one state whatever its station's OCPP version."""


def connector_counts(rows: Iterable[ConnectorRow]) -> ConnectorCounts:
    rows = list(rows)
    tally: dict[str, int] = {}
    for row in rows:
        state = row.shown_state.value
        tally[state] = tally.get(state, 0) + 1
    return ConnectorCounts(
        total=len(rows),
        ac=sum(1 for r in rows if r.current_type == "AC"),
        dc=sum(1 for r in rows if r.current_type == "DC"),
        in_use=sum(1 for r in rows if is_in_use(r.shown_state)),
        by_state={s: tally[s] for s in STATE_ORDER if s in tally},
    )


@dataclass(frozen=True, slots=True)
class ConnectorFilter:
    text: str = ""
    """Matches the connector's ``station/evse/connector`` label or its station's name."""
    state: str = ""
    """A ConnectorState value; "" for any."""
    min_power_kw: float | None = None
    max_power_kw: float | None = None


def parse_power_bound(name: str, text: str) -> float | None:
    """A power bound in kW typed into the filter ('' for none)."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as error:
        raise InvalidInput(name, "enter a number of kW") from error
    if not 0 <= value <= 10_000:
        raise InvalidInput(name, "enter a number of kW between 0 and 10000")
    return value


def filter_connectors(rows: Iterable[ConnectorRow], where: ConnectorFilter) -> list[ConnectorRow]:
    text = where.text.strip().casefold()
    found = []
    for row in rows:
        if text and text not in row.label.casefold() and text not in row.station_name.casefold():
            continue
        if where.state and row.shown_state.value != where.state:
            continue
        kw = None if row.max_power_w is None else row.max_power_w / 1000.0
        if where.min_power_kw is not None and (kw is None or kw < where.min_power_kw):
            continue
        if where.max_power_kw is not None and (kw is None or kw > where.max_power_kw):
            continue
        found.append(row)
    return found


def parse_connector_key(text: str) -> tuple[int, int, int]:
    """A connector checkbox value ``<station id>/<evse>/<connector>``."""
    parts = text.split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise InvalidInput("connectors", f"not a connector: {text!r}")
    station_id, evse_id, connector_id = (int(p) for p in parts)
    return station_id, evse_id, connector_id


# Connector totals -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Totals:
    sessions: int
    energy_wh: int
    seconds: float

    @property
    def hours(self) -> float:
        return self.seconds / 3600.0


def add_running(
    totals: Totals, running: Sequence[SessionSpan], now: datetime, running_wh: int | None = None
) -> Totals:
    """Totals of finished sessions (from SQL) plus the time of sessions still running and the
    energy the running one delivered so far."""
    extra = sum(max(0.0, (now - span.start).total_seconds()) for span in running if span.active)
    return Totals(totals.sessions, totals.energy_wh + (running_wh or 0), totals.seconds + extra)
