"""Site monitoring and the connector page: the figures an operator watches, computed from plain
rows so that they are tested without I/O.

* fuzzy search of sites by name (letters in order, contiguous runs and word starts score more);
* a site's figures for its local day: sessions, charging hours, largest and smallest session;
* counts per connector status, connectors in use, AC and DC connectors;
* the connector list filter (by id, status and power);
* power limits: the charging profile that sets one, and the setting in force derived from the
  accepted set/clear commands;
* the curve of a session from its meter readings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from kilowatt.domain.commands import Command, CommandStatus, Operation
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.metering import (
    CURRENT_IMPORT,
    ENERGY_REGISTER,
    POWER_IMPORT,
    SOC,
    VOLTAGE,
    MeterRecord,
)
from kilowatt.domain.stations import IN_USE_STATUSES, ConnectorStatus, ProtocolVersion

T = TypeVar("T")

# Fuzzy search -------------------------------------------------------------------


def fuzzy_score(query: str, text: str) -> float | None:
    """How well ``query`` matches ``text``: None when its letters (spaces ignored, any case) do
    not all appear in ``text`` in order; otherwise higher is better. A contiguous run, a match at
    the start of a word and a match at the start of the text score more; gaps score less.
    The best alignment is found (dynamic programming over positions), not the first one."""
    needle = [c for c in query.casefold() if not c.isspace()]
    hay = text.casefold()
    if not needle:
        return 0.0
    n, m = len(needle), len(hay)
    if n > m:
        return None
    starts = [i == 0 or not hay[i - 1].isalnum() for i in range(m)]
    minus = float("-inf")
    # best[j]: best score of matching needle[: k + 1] with needle[k] at hay position j.
    best = [minus] * m
    for j in range(m):
        if hay[j] == needle[0]:
            best[j] = _letter(starts[j], j == 0) - 0.05 * j
    for k in range(1, n):
        row = [minus] * m
        running = minus  # best over earlier positions i < j - 1, with the gap penalty so far
        for j in range(1, m):
            if j >= 2 and best[j - 2] > minus:
                running = max(running, best[j - 2])
            if running > minus:
                running -= 0.1
            if hay[j] != needle[k]:
                continue
            adjacent = (
                best[j - 1] + _letter(starts[j], False) + 2.0 if best[j - 1] > minus else minus
            )
            gapped = running + _letter(starts[j], False) if running > minus else minus
            row[j] = max(adjacent, gapped)
        best = row
    top = max(best)
    if top == minus:
        return None
    return top + (3.0 if hay.startswith("".join(needle)) else 0.0) - 0.01 * (m - n)


def _letter(word_start: bool, text_start: bool) -> float:
    return 1.0 + (1.5 if word_start else 0.0) + (1.0 if text_start else 0.0)


def fuzzy_filter(query: str, items: Iterable[T], *texts: Callable[[T], str]) -> list[T]:
    """The items any of whose ``texts`` the query matches, best first (ties keep their order).
    An empty query keeps every item in its order."""
    items = list(items)
    if not query.strip():
        return items
    scored: list[tuple[float, int, T]] = []
    for position, item in enumerate(items):
        scores = [s for s in (fuzzy_score(query, text(item)) for text in texts) if s is not None]
        if scores:
            scored.append((max(scores), position, item))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    return [item for _, _, item in scored]


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

STATUS_ORDER: tuple[str, ...] = tuple(s.value for s in ConnectorStatus)
IN_USE: frozenset[str] = frozenset(s.value for s in IN_USE_STATUSES)


def is_in_use(status: str) -> bool:
    return status in IN_USE


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
    error_code: str
    status_at: datetime | None = None

    @property
    def label(self) -> str:
        """How the page names it: ``<station>/<evse>/<connector>``."""
        return f"{self.station_ocpp_id}/{self.evse_id}/{self.connector_id}"

    @property
    def key(self) -> str:
        """The value of its checkbox: ``<station id>/<evse>/<connector>``."""
        return f"{self.station_id}/{self.evse_id}/{self.connector_id}"

    @property
    def shown_status(self) -> str:
        """What the badge says: a station that is not connected is Offline, whatever its
        connectors last reported."""
        return self.status if self.online else "Offline"


@dataclass(frozen=True, slots=True)
class ConnectorCounts:
    total: int
    ac: int
    dc: int
    in_use: int
    by_status: dict[str, int] = field(default_factory=dict)
    """Status → how many, in the order of ConnectorStatus (then Offline); only non-zero."""


def connector_counts(rows: Iterable[ConnectorRow]) -> ConnectorCounts:
    rows = list(rows)
    tally: dict[str, int] = {}
    for row in rows:
        tally[row.shown_status] = tally.get(row.shown_status, 0) + 1
    order = [*STATUS_ORDER, "Offline"]
    by_status = {s: tally[s] for s in order if s in tally}
    by_status.update({s: n for s, n in sorted(tally.items()) if s not in by_status})
    return ConnectorCounts(
        total=len(rows),
        ac=sum(1 for r in rows if r.current_type == "AC"),
        dc=sum(1 for r in rows if r.current_type == "DC"),
        in_use=sum(1 for r in rows if r.online and is_in_use(r.status)),
        by_status=by_status,
    )


@dataclass(frozen=True, slots=True)
class ConnectorFilter:
    text: str = ""
    """Matches the connector's ``station/evse/connector`` label or its station's name."""
    status: str = ""
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
        if where.status and row.shown_status.casefold() != where.status.casefold():
            continue
        kw = None if row.max_power_w is None else row.max_power_w / 1000.0
        if where.min_power_kw is not None and (kw is None or kw < where.min_power_kw):
            continue
        if where.max_power_kw is not None and (kw is None or kw > where.max_power_kw):
            continue
        found.append(row)
    return found


# Power limits -------------------------------------------------------------------

PROFILE_ID_BASE = 7100
"""Power limits set from the dashboard use charging profile id PROFILE_ID_BASE + EVSE id, so
that setting a new limit replaces the previous one and removing it clears just that one."""
LIMIT_STACK_LEVEL = 1
MAX_LIMIT_KW = 1000.0
SETTING_PURPOSES = frozenset(
    {"TxDefaultProfile", "ChargePointMaxProfile", "ChargingStationMaxProfile"}
)


def parse_limit_kw(text: str) -> int:
    """The power limit an operator typed, in kW; returned in W."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        raise InvalidInput("limit_kw", "enter the limit in kW")
    try:
        value = float(cleaned)
    except ValueError as error:
        raise InvalidInput("limit_kw", "enter a number of kW, such as 7.4") from error
    if not 0 < value <= MAX_LIMIT_KW:
        raise InvalidInput("limit_kw", f"enter a limit above 0 and at most {MAX_LIMIT_KW:g} kW")
    return round(value * 1000)


def profile_id_for(evse_id: int) -> int:
    return PROFILE_ID_BASE + evse_id


def limit_profile(
    protocol_version: str | None, evse_id: int, limit_w: int, now: datetime
) -> dict[str, Any]:
    """An absolute default profile (TxDefaultProfile) limiting the EVSE to ``limit_w`` from now
    on, in the station's OCPP version."""
    start = now.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    period = [{"startPeriod": 0, "limit": float(limit_w)}]
    profile_id = profile_id_for(evse_id)
    if protocol_version == ProtocolVersion.OCPP201.value:
        return {
            "id": profile_id,
            "stackLevel": LIMIT_STACK_LEVEL,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": [
                {
                    "id": profile_id,
                    "startSchedule": start,
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": period,
                }
            ],
        }
    return {
        "chargingProfileId": profile_id,
        "stackLevel": LIMIT_STACK_LEVEL,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "startSchedule": start,
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": period,
        },
    }


@dataclass(frozen=True, slots=True)
class PowerSetting:
    """A limit in force on an EVSE (or, with ``evse_id`` 0, the whole station)."""

    station_id: int
    evse_id: int
    limit: float
    unit: str
    """"W" or "A"."""
    profile_id: int | None
    since: datetime | None
    command_id: int | None

    @property
    def text(self) -> str:
        if self.unit == "W":
            return f"{self.limit / 1000:g} kW"
        return f"{self.limit:g} {self.unit}"


def _profile_facts(profile: Mapping[str, Any]) -> tuple[int | None, str, float, str] | None:
    """(profile id, purpose, first limit, unit) of a 1.6 or 2.0.1 charging profile."""
    schedule = profile.get("chargingSchedule")
    if isinstance(schedule, list):
        schedule = schedule[0] if schedule else None
    if not isinstance(schedule, Mapping):
        return None
    periods = schedule.get("chargingSchedulePeriod") or []
    if not periods or not isinstance(periods[0], Mapping):
        return None
    try:
        limit = float(periods[0]["limit"])
    except (KeyError, TypeError, ValueError):
        return None
    raw_id = profile.get("chargingProfileId", profile.get("id"))
    profile_id = raw_id if isinstance(raw_id, int) else None
    purpose = str(profile.get("chargingProfilePurpose", ""))
    return profile_id, purpose, limit, str(schedule.get("chargingRateUnit", "W"))


def power_settings(commands: Iterable[Command]) -> dict[tuple[int, int], PowerSetting]:
    """The limits in force, by (station id, EVSE id), from set/clear charging profile commands
    in the order they were sent: an accepted set of a default or station maximum profile puts
    one in force; an accepted clear removes those it matches (all of the station when it names
    neither profile nor EVSE)."""
    settings: dict[tuple[int, int], PowerSetting] = {}
    for command in commands:
        if command.status is not CommandStatus.ACCEPTED:
            continue
        params = command.params
        if command.operation == Operation.SET_CHARGING_PROFILE.value:
            facts = _profile_facts(params.get("charging_profile") or {})
            if facts is None:
                continue
            profile_id, purpose, limit, unit = facts
            if purpose not in SETTING_PURPOSES:
                continue
            evse_id = int(params.get("evse_id") or 0)
            settings[(command.station_id, evse_id)] = PowerSetting(
                command.station_id,
                evse_id,
                limit,
                unit,
                profile_id,
                command.completed_at or command.created_at,
                command.id,
            )
        elif command.operation == Operation.CLEAR_CHARGING_PROFILE.value:
            cleared_id = params.get("profile_id")
            cleared_evse = params.get("evse_id")
            for key, setting in list(settings.items()):
                if key[0] != command.station_id:
                    continue
                if cleared_id is not None and setting.profile_id != cleared_id:
                    continue
                if cleared_evse is not None and setting.evse_id != int(cleared_evse):
                    continue
                del settings[key]
    return settings


def setting_for(
    settings: Mapping[tuple[int, int], PowerSetting], station_id: int, evse_id: int
) -> PowerSetting | None:
    """The limit on an EVSE: its own, else the station's."""
    return settings.get((station_id, evse_id)) or settings.get((station_id, 0))


def parse_connector_key(text: str) -> tuple[int, int, int]:
    """A connector checkbox value ``<station id>/<evse>/<connector>``."""
    parts = text.split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise InvalidInput("connectors", f"not a connector: {text!r}")
    station_id, evse_id, connector_id = (int(p) for p in parts)
    return station_id, evse_id, connector_id


# Curves -------------------------------------------------------------------

LIVE_KEYS: tuple[tuple[str, str], ...] = (
    ("power_w", POWER_IMPORT),
    ("voltage_v", VOLTAGE),
    ("current_a", CURRENT_IMPORT),
    ("soc", SOC),
)


def live_readings(values: Mapping[str, float | None]) -> dict[str, float | None]:
    """Power (W), voltage (V), current (A) and SoC (%) from a meter.values event's ``values``
    (measurand, or measurand.phase: the phases' mean voltage, their summed current)."""
    found: dict[str, float | None] = {}
    for name, measurand in LIVE_KEYS:
        plain = values.get(measurand)
        phased = [
            v
            for key, v in values.items()
            if v is not None and key.startswith(measurand + ".") and key[len(measurand) + 1 :]
        ]
        if plain is not None:
            found[name] = float(plain)
        elif phased:
            total = sum(phased)
            found[name] = total / len(phased) if measurand == VOLTAGE else total
        else:
            found[name] = None
    return found


@dataclass(frozen=True, slots=True)
class CurvePoint:
    seconds: float
    """Since the session started."""
    power_w: float | None
    energy_wh: float | None
    voltage_v: float | None
    current_a: float | None
    soc: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {
            "t": round(self.seconds, 1),
            "power_w": self.power_w,
            "energy_wh": self.energy_wh,
            "voltage_v": self.voltage_v,
            "current_a": self.current_a,
            "soc": self.soc,
        }


def curve(
    records: Sequence[MeterRecord], start: datetime, meter_start_wh: int | None
) -> list[CurvePoint]:
    """One point per reading time: the live values and the energy delivered so far."""
    by_time: dict[datetime, dict[str, float | None]] = {}
    for record in records:
        sample = record.sample
        if sample.context in ("Transaction.Begin", "Transaction.End") and sample.measurand != (
            ENERGY_REGISTER
        ):
            continue
        key = sample.measurand + (f".{sample.phase}" if sample.phase else "")
        by_time.setdefault(sample.timestamp, {})[key] = sample.value
    points = []
    for moment in sorted(by_time):
        values = by_time[moment]
        live = live_readings(values)
        register = values.get(ENERGY_REGISTER)
        energy = None
        if register is not None:
            energy = max(0.0, register - meter_start_wh) if meter_start_wh is not None else None
        points.append(
            CurvePoint(
                seconds=max(0.0, (moment - start).total_seconds()),
                power_w=live["power_w"],
                energy_wh=energy,
                voltage_v=live["voltage_v"],
                current_a=live["current_a"],
                soc=live["soc"],
            )
        )
    return points


def latest(points: Sequence[CurvePoint]) -> dict[str, float | None]:
    """The newest known value of each reading (for the live panel when the page opens)."""
    found: dict[str, float | None] = {
        "power_w": None,
        "energy_wh": None,
        "voltage_v": None,
        "current_a": None,
        "soc": None,
    }
    for point in points:
        for name, value in point.as_dict().items():
            if name != "t" and value is not None:
                found[name] = value
    return found


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
