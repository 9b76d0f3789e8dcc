"""Site load management over the API: settings, readings, the state and the allocations."""

from __future__ import annotations

from datetime import datetime, time

from pydantic import AwareDatetime, Field

from kilowatt.api.schemas.common import Schema
from kilowatt.domain.loads import DecisionKind, Reason, RuleState, StartRule, Strategy
from kilowatt.domain.tariffs import Weekday


class LoadCapIn(Schema):
    """A time-of-use cap: on ``days``, from ``start`` to ``end`` (the site's local time; an end
    not after the start runs overnight into the next day, an end equal to the start is a whole
    day), the transformer's capacity is taken as at most ``max_w``."""

    days: list[Weekday] = Field(min_length=1, max_length=7, description="MONDAY to SUNDAY.")
    start: time = Field(description="HH:MM, the site's local time.")
    end: time = Field(description="HH:MM, the site's local time (exclusive).")
    max_w: int = Field(gt=0, le=10**10, description="The capacity in force meanwhile, in W.")


class LoadSettingsIn(Schema):
    enabled: bool = True
    capacity_w: int | None = Field(
        default=None, gt=0, description="The transformer's (grid connection's) capacity in W."
    )
    half_at_pct: int = Field(
        default=50, description="Above this load (% of capacity) new sessions start at half."
    )
    hold_at_pct: int = Field(
        default=80, description="Above this load new sessions are held (0 A) until it falls."
    )
    hysteresis_pct: int = Field(
        default=5, description="A line is crossed downwards this far below it."
    )
    voltage: int = Field(default=230, description="Phase voltage, for amperes to watts.")
    min_current_a: float = Field(default=6.0, description="A session gets this much, or 0.")
    reserve_pct: int = Field(
        default=2, description="Share of the capacity kept in reserve against wobbles."
    )
    fallback_load_w: int = Field(
        default=0, description="The load assumed when no reading is fresh."
    )
    reading_max_age_s: int = Field(default=300, description="How long a reading stays fresh.")
    meter_topic: str = Field(
        default="", max_length=200, description="The MQTT topic the site's meter publishes on."
    )
    meter_station: str = Field(
        default="",
        max_length=48,
        description="The OCPP identity of one of the site's stations whose main meter "
        "(1.6 connectorId 0, 2.0.1 evseId 0) measures the transformer: its MeterValues' "
        "Power.Active.Import (summed over phases when per phase) are the site's load readings "
        '(source "ocpp"). Empty: none.',
    )
    caps: list[LoadCapIn] = Field(
        default_factory=list,
        max_length=20,
        description="Time-of-use caps on the capacity: the lowest in force lowers what the "
        "sessions share (the 50 %/80 % lines stay relative to the physical capacity).",
    )
    strategy: Strategy = Field(
        default=Strategy.EQUAL_SHARE,
        description="How what is left once every admitted session has its minimum is shared: "
        "equal_share (the same amperes per phase for all, up to each one's demand); first_come "
        "(in order of arrival, each gets its demand before the next gets more than its "
        "minimum); priority (the sessions of the token groups with the highest load_priority "
        "first, shared equally among them, then the next; priority also orders the queue "
        "for the minimums). Sessions are admitted at their minimum in queue order either way.",
    )
    failsafe_current_a: float = Field(
        default=6.0,
        description="Amperes per phase each session gets from the stations' default profile "
        "(the failsafe for when a station cannot reach Kilowatt): 0, or from min_current_a "
        "to 63, one decimal.",
    )


class LoadSettingsOut(LoadSettingsIn):
    pass


class ReadingIn(Schema):
    load_w: int = Field(ge=0, le=10**10, description="The transformer's total load in W.")
    measured_at: AwareDatetime | None = Field(default=None, description="Default: now.")


class ReadingOut(Schema):
    measured_at: datetime
    load_w: int
    source: str


class SessionLoadOut(Schema):
    transaction_id: int
    station: str
    evse_id: int
    rule: StartRule | None
    limit_a: float | None = Field(description="Amperes per phase in force; 0: paused.")
    drawn_a: float | None = Field(description="What the car draws per phase, last reported.")
    phases: int | None
    reason: Reason | None
    station_refuses_limits: bool = Field(
        default=False,
        description="Its station refuses load management's profiles: the session is not "
        "limited (its draw counts with the site's other load) until the station is tried again.",
    )


class StationProfilesOut(Schema):
    """What load management knows of the profiles it sends a station."""

    station: str
    failsafe_a: float | None = Field(
        description="The failsafe default profile the station accepted, amperes per phase "
        "(null: none known to be in force)."
    )
    failsafe_at: datetime | None
    refuses_limits: bool = Field(description="It refused a profile and has not accepted one since.")
    refused_at: datetime | None
    refused_answer: str = Field(description="What it answered: Rejected (reason), CALLERROR ...")
    retry_at: datetime | None = Field(description="When it is sent a profile once more.")


class DecisionOut(Schema):
    at: datetime
    kind: DecisionKind
    state: RuleState
    load_w: int
    transaction_id: int | None
    station: str
    evse_id: int | None
    limit_a: float | None
    reason: Reason | None


class SiteLoadOut(Schema):
    site_id: int
    meter_silent_since: datetime | None = Field(
        description="When the site's meter was found silent (the alert raised); null while "
        "it is heard."
    )
    capacity_w: int | None
    state: RuleState
    load_w: int = Field(description="The load gone by: the last reading, or the fallback.")
    measured: bool = Field(description="False when no reading is fresh.")
    load_pct: float | None
    budget_w: int = Field(description="What the sessions may share.")
    cap_w: int | None = Field(description="The time-of-use cap in force (W), null if none.")
    settings: LoadSettingsOut
    sessions: list[SessionLoadOut]
    refusing: list[StationProfilesOut] = Field(
        default_factory=list, description="The site's stations that refuse profiles."
    )
    readings: list[ReadingOut]
    decisions: list[DecisionOut]
