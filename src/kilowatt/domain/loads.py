"""Site load management: a site's transformer watched, the 50 % / 80 % rules, and its power
shared among the sessions charging there.

A site has a grid connection (its transformer) of ``capacity_w``. Its measured load is the
transformer's total; what the charging sessions may share is the capacity less the load that
is not theirs (``base_load_w``: the measured total less what the cars draw). The rules look at
the transformer's load as a share of its capacity:

- above ``half_at_pct`` (50 %) a new session starts at half of its maximum;
- above ``hold_at_pct`` (80 %) a new session is held at 0 A, queued, until the load falls
  below the line less ``hysteresis_pct``.

How the budget is shared among the sessions (``allocate``, by the site's ``Strategy``) and
which limits are sent is domain/load_allocation.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.load_caps import LoadCap, check_caps

DEFAULT_VOLTAGE = 230
"""Volts between a phase and neutral, for turning amperes per phase into watts."""
DEFAULT_MIN_CURRENT_A = 6.0
"""Below 6 A an AC car does not charge (IEC 61851): a session gets at least this, or 0."""
DEFAULT_MAX_CURRENT_A = 32.0


class RuleState(StrEnum):
    """Where the site's load stands against its two lines."""

    NORMAL = "normal"
    HALF_POWER = "half_power"
    """Above the first line: new sessions start at half power."""
    HOLD = "hold"
    """Above the second line: new sessions are held (0 A, queued)."""


_RANK = {RuleState.NORMAL: 0, RuleState.HALF_POWER: 1, RuleState.HOLD: 2}


class StartRule(StrEnum):
    """What the rules allowed a session when it started (and since)."""

    FULL = "full"
    HALF = "half"
    HELD = "held"


class Strategy(StrEnum):
    """How a site shares what is left once every admitted session has its minimum."""

    EQUAL_SHARE = "equal_share"
    """The same amperes per phase for everyone, up to each one's demand."""
    FIRST_COME = "first_come"
    """In order of arrival: each gets its demand before the next gets more than its minimum."""
    PRIORITY = "priority"
    """The highest priority (the token group's ``load_priority``) is served first, shared
    equally within it; then the next. Priority also orders the queue."""


class Reason(StrEnum):
    """Why a session has the limit it has."""

    SHARED = "shared"
    """Its share of what the site has left (by the site's strategy)."""
    AT_MAX = "at_max"
    """Its own maximum (there is room for more)."""
    CAR_DRAWS_LESS = "car_draws_less"
    """The car draws less than it may; what it leaves goes to the others."""
    HALF_POWER = "half_power"
    """It started above the first line: half of its maximum."""
    HELD = "held"
    """It started above the second line: held at 0 A until the load falls."""
    NO_ROOM = "no_room"
    """Its minimum does not fit beside those ahead of it: paused (0 A) and queued."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadSettings:
    """A site's load management settings (its capacity is the site's ``grid_capacity_w``)."""

    enabled: bool = True
    half_at_pct: int = 50
    hold_at_pct: int = 80
    hysteresis_pct: int = 5
    voltage: int = DEFAULT_VOLTAGE
    min_current_a: float = DEFAULT_MIN_CURRENT_A
    reserve_pct: int = 2
    """Share of the capacity kept out of what the sessions share, so that a load that wobbles
    by less does not force limits down (never more than the capacity is allowed)."""
    fallback_load_w: int = 0
    """The load assumed when no reading is newer than ``reading_max_age_s``."""
    reading_max_age_s: int = 300
    meter_topic: str = ""
    """The MQTT topic its meter publishes on (empty: none)."""
    meter_station: str = ""
    """The OCPP identity of one of the site's stations whose main meter (connector/EVSE 0)
    measures the transformer (empty: none); its Power.Active.Import are the site's readings."""
    strategy: Strategy = Strategy.EQUAL_SHARE
    """How what is left above the minimums is shared."""
    caps: tuple[LoadCap, ...] = ()
    """Time-of-use caps on the capacity (domain/load_caps.py): the lowest in force wins."""
    failsafe_current_a: float = DEFAULT_MIN_CURRENT_A
    """What each session may draw per phase by the stations' default profile, the failsafe
    for when Kilowatt cannot reach them (domain/load_failsafe.py); 0 stops them charging."""

    def check(self) -> None:
        if not 0 < self.half_at_pct < self.hold_at_pct <= 100:
            raise InvalidInput("half_at_pct", "the first line is above 0 % and below the second")
        if not 0 < self.hold_at_pct <= 100:
            raise InvalidInput("hold_at_pct", "between 1 % and 100 %")
        if not 0 <= self.hysteresis_pct < self.half_at_pct:
            raise InvalidInput("hysteresis_pct", "0 % or more, and below the first line")
        if not 100 <= self.voltage <= 400:
            raise InvalidInput("voltage", "between 100 V and 400 V")
        if not 0 < self.min_current_a <= 32:
            raise InvalidInput("min_current_a", "above 0 A and at most 32 A")
        if not 0 <= self.reserve_pct <= 20:
            raise InvalidInput("reserve_pct", "between 0 % and 20 %")
        if self.fallback_load_w < 0:
            raise InvalidInput("fallback_load_w", "0 W or more")
        if not 10 <= self.reading_max_age_s <= 86_400:
            raise InvalidInput("reading_max_age_s", "between 10 s and a day")
        if len(self.meter_topic) > 200 or any(c in self.meter_topic for c in "#+\0"):
            raise InvalidInput("meter_topic", "one topic of up to 200 characters, no wildcards")
        if len(self.meter_station) > 48:
            raise InvalidInput("meter_station", "a station's OCPP identity, up to 48 characters")
        if self.strategy not in set(Strategy):
            raise InvalidInput("strategy", "equal_share, first_come or priority")
        check_caps(self.caps)
        failsafe = self.failsafe_current_a
        if (
            not (failsafe == 0 or self.min_current_a <= failsafe <= 63)
            or round(failsafe, 1) != failsafe
        ):
            raise InvalidInput(
                "failsafe_current_a",
                "0 A, or from the smallest current a session gets to 63 A, one decimal at most",
            )


def load_pct(load_w: int, capacity_w: int) -> float:
    return load_w * 100 / capacity_w


def _level(pct: float, settings: LoadSettings, lowered: int = 0) -> RuleState:
    if pct > settings.hold_at_pct - lowered:
        return RuleState.HOLD
    if pct > settings.half_at_pct - lowered:
        return RuleState.HALF_POWER
    return RuleState.NORMAL


def rule_state(
    previous: RuleState, load_w: int, capacity_w: int, settings: LoadSettings
) -> RuleState:
    """The state the load puts the site in: a line is crossed upwards as soon as the load is
    above it, downwards only once the load is ``hysteresis_pct`` below it."""
    pct = load_pct(load_w, capacity_w)
    rising = _level(pct, settings)
    staying = _level(pct, settings, settings.hysteresis_pct)
    kept = staying if _RANK[staying] < _RANK[previous] else previous
    return rising if _RANK[rising] >= _RANK[kept] else kept


def start_rule(state: RuleState) -> StartRule:
    """What a session starting now is allowed."""
    return {
        RuleState.NORMAL: StartRule.FULL,
        RuleState.HALF_POWER: StartRule.HALF,
        RuleState.HOLD: StartRule.HELD,
    }[state]


def carry_rule(rule: StartRule, state: RuleState) -> StartRule:
    """A running session's rule as the site's state changes: a held session is let go when
    the load falls below the second line (at half power while above the first), a half
    power session is lifted when it falls below the first; nothing is tightened afterwards
    (the rules are about starting)."""
    if rule is StartRule.HELD and state is not RuleState.HOLD:
        return start_rule(state)
    if rule is StartRule.HALF and state is RuleState.NORMAL:
        return StartRule.FULL
    return rule


def base_load_w(measured_w: int, drawn_w: int) -> int:
    """The load that is not the sessions': the transformer's total less what the cars draw."""
    return max(0, measured_w - drawn_w)


def budget_w(capacity_w: int, base_w: int) -> int:
    """What the sessions may draw together: never more than this is in force."""
    return max(0, capacity_w - base_w)


def share_w(capacity_w: int, base_w: int, settings: LoadSettings) -> int:
    """What the allocator shares: the budget less the reserve."""
    return max(0, budget_w(capacity_w, base_w) - capacity_w * settings.reserve_pct // 100)


# Records -----------------------------------------------------------------------------------


class DecisionKind(StrEnum):
    RULE = "rule"
    """The site's load crossed a line: the rule state changed."""
    LIMIT = "limit"
    """A session was given a new limit (sent to its station)."""
    SILENT = "silent"
    """The site's meter went silent: its last reading is stale, the fallback is assumed."""
    BACK = "back"
    """A reading came again after the meter had gone silent."""
    REFUSED = "refused"
    """A station refused a profile load management sent it: flagged, left alone a while."""


@dataclass(eq=False, kw_only=True)
class SiteLoad:
    """A site's load management: its settings and where its load stands."""

    site_id: int
    organization_id: int
    settings: LoadSettings
    state: RuleState = RuleState.NORMAL
    load_w: int | None = None
    """The last measured load of the transformer."""
    load_at: datetime | None = None
    load_source: str = ""
    meter_silent_since: datetime | None = None
    """When the meter was found silent (its last reading stale); None while it is heard."""
    updated_at: datetime

    def load_now(self, now: datetime) -> tuple[int, bool]:
        """The load to go by, and whether it was measured (else the fallback, for want of
        a fresh reading)."""
        if (
            self.load_w is not None
            and self.load_at is not None
            and (now - self.load_at).total_seconds() <= self.settings.reading_max_age_s
        ):
            return self.load_w, True
        return self.settings.fallback_load_w, False


@dataclass(eq=False, kw_only=True)
class SessionLoad:
    """What load management knows of one running session."""

    transaction_id: int
    site_id: int
    rule: StartRule
    limit_a: float | None = None
    """The limit in force (sent and not refused); None: none sent."""
    drawn_a: float | None = None
    phases: int | None = None
    reason: Reason | None = None
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadDecision:
    """What load management did, for the operator to read."""

    site_id: int
    at: datetime
    kind: DecisionKind
    state: RuleState
    load_w: int
    transaction_id: int | None = None
    station: str = ""
    evse_id: int | None = None
    limit_a: float | None = None
    reason: Reason | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class LoadReading:
    site_id: int
    measured_at: datetime
    load_w: int
    source: str
    """"api", "mqtt" or "ocpp"."""
