"""Charging profiles as a simulated station keeps and obeys them, the same for both versions
(1.6 connector n and 2.0.1 EVSE n alike; 0: the whole station).

A station holds the profiles it accepted (``SmartCharging``); what an EVSE may draw at a moment
is the lowest of the station's maximum and the profile in force for its transaction: a
``TxProfile`` of that transaction over a ``TxDefaultProfile``, an EVSE's own over the station's
(EVSE 0), the highest stack level first; a profile whose schedule says nothing at that moment
(not valid yet or any more, its duration over) gives way to the next. Limits in amperes are per
phase (times the number of phases, 3 when not given, times 230 V); in watts as they are. The
simulated stations draw ``min(car, allowed)`` at each meter interval, so their MeterValues
(power, current, energy register) follow the profiles.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


VOLTAGE = 230.0
MAX_PURPOSES = frozenset({"ChargePointMaxProfile", "ChargingStationMaxProfile"})
RECURRENCE = {"Daily": 86_400, "Weekly": 7 * 86_400}


@dataclass
class ProfileSim:
    """A charging profile as a station keeps it: 1.6 connector n and 2.0.1 EVSE n alike
    (0: the whole station)."""

    id: int
    evse_id: int
    purpose: str
    stack_level: int
    kind: str
    unit: str
    periods: list[tuple[int, float, int | None]]
    """(start period in seconds, limit in ``unit``, number of phases)"""
    received_at: datetime
    recurrency: str | None = None
    start: datetime | None = None
    duration: int | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    """As received (snake_case keys), to report it back."""

    @classmethod
    def of(cls, evse_id: int, profile: dict[str, Any], schedule: dict[str, Any]) -> ProfileSim:
        def moment(key: str, data: dict[str, Any]) -> datetime | None:
            value = data.get(key)
            return parse_time(str(value)) if value else None

        return cls(
            id=int(profile.get("charging_profile_id", profile.get("id", 0))),
            evse_id=evse_id,
            purpose=str(profile["charging_profile_purpose"]),
            stack_level=int(profile["stack_level"]),
            kind=str(profile["charging_profile_kind"]),
            unit=str(schedule["charging_rate_unit"]),
            periods=sorted(
                (int(p["start_period"]), float(p["limit"]), p.get("number_phases"))
                for p in schedule["charging_schedule_period"]
            ),
            received_at=datetime.now(UTC),
            recurrency=profile.get("recurrency_kind"),
            start=moment("start_schedule", schedule),
            duration=schedule.get("duration"),
            valid_from=moment("valid_from", profile),
            valid_to=moment("valid_to", profile),
            transaction_id=None
            if profile.get("transaction_id") is None
            else str(profile["transaction_id"]),
            raw=profile,
        )

    def origin(self, tx_start: datetime | None) -> datetime:
        if self.kind == "Relative":
            return tx_start or datetime.now(UTC)
        return self.start or self.received_at

    def limit_w(self, when: datetime, tx_start: datetime | None) -> float | None:
        """The limit this profile sets at ``when`` (W), or None where it says nothing."""
        if (self.valid_from and when < self.valid_from) or (
            self.valid_to and when >= self.valid_to
        ):
            return None
        elapsed = (when - self.origin(tx_start)).total_seconds()
        if self.kind == "Recurring" and self.recurrency in RECURRENCE:
            elapsed %= RECURRENCE[self.recurrency]
        if elapsed < 0 or (self.duration is not None and elapsed >= self.duration):
            return None
        current = None
        for start, limit, phases in self.periods:
            if start <= elapsed:
                current = (limit, phases)
        if current is None:
            return None
        limit, phases = current
        return limit if self.unit == "W" else limit * VOLTAGE * (phases or 3)

    def breakpoints(self, now: datetime, seconds: int, tx_start: datetime | None) -> set[int]:
        """Offsets from ``now`` (within ``seconds``) where this profile's limit may change."""
        origin = self.origin(tx_start)
        starts = [p[0] for p in self.periods] + ([self.duration] if self.duration else [])
        cycles: Iterable[int] = [0]
        if self.kind == "Recurring" and self.recurrency in RECURRENCE:
            length = RECURRENCE[self.recurrency]
            since = (now - origin).total_seconds()
            first = math.floor(since / length)
            last = math.floor((since + seconds) / length)
            cycles = [k * length for k in range(first, last + 1)]
        found = set()
        for cycle in cycles:
            for start in starts:
                moment = origin + timedelta(seconds=cycle + start)
                offset = math.ceil((moment - now).total_seconds())
                if 0 < offset < seconds:
                    found.add(offset)
        for edge in (self.valid_from, self.valid_to):
            if edge is not None and 0 < (edge - now).total_seconds() < seconds:
                found.add(math.ceil((edge - now).total_seconds()))
        return found


class SmartCharging:
    """The profiles a station holds and the limits they make."""

    def __init__(self, max_power_w: float) -> None:
        self.max_power_w = max_power_w
        self.profiles: dict[int, ProfileSim] = {}

    def add(self, profile: ProfileSim) -> None:
        """A profile replaces one with its id, or with its EVSE, purpose and stack level."""
        for known in list(self.profiles.values()):
            if known.id == profile.id or (
                (known.evse_id, known.purpose, known.stack_level)
                == (profile.evse_id, profile.purpose, profile.stack_level)
            ):
                del self.profiles[known.id]
        self.profiles[profile.id] = profile

    def clear(
        self,
        profile_id: int | None = None,
        evse_id: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> int:
        """Remove what matches every given criterion; how many were removed."""
        gone = [
            p.id
            for p in self.profiles.values()
            if (profile_id is None or p.id == profile_id)
            and (evse_id is None or p.evse_id == evse_id)
            and (purpose is None or p.purpose == purpose)
            and (stack_level is None or p.stack_level == stack_level)
        ]
        for key in gone:
            del self.profiles[key]
        return len(gone)

    def _applicable(self, evse_id: int, transaction_id: str | None) -> list[ProfileSim]:
        return [
            p
            for p in self.profiles.values()
            if p.evse_id in (0, evse_id)
            and (p.purpose != "TxProfile" or (transaction_id is not None and evse_id != 0))
            and (p.transaction_id is None or p.transaction_id == transaction_id)
        ]

    def limit_w(
        self,
        evse_id: int,
        when: datetime,
        tx_start: datetime | None = None,
        transaction_id: str | None = None,
    ) -> float:
        """The power allowed on an EVSE at ``when``: the station maximum and the transaction's
        profile (TxProfile over TxDefaultProfile, an EVSE's over the station's, the highest
        stack level first), whichever is lower."""
        applicable = self._applicable(evse_id, transaction_id)
        limits = [self.max_power_w]
        for group in (
            sorted(
                (p for p in applicable if p.purpose in MAX_PURPOSES),
                key=lambda p: -p.stack_level,
            ),
            sorted(
                (p for p in applicable if p.purpose not in MAX_PURPOSES),
                key=lambda p: (p.purpose != "TxProfile", p.evse_id == 0, -p.stack_level),
            ),
        ):
            for profile in group:
                limit = profile.limit_w(when, tx_start)
                if limit is not None:
                    limits.append(limit)
                    break
        return min(limits)

    def composite(
        self,
        evse_id: int,
        seconds: int,
        unit: str,
        tx_start: datetime | None = None,
        transaction_id: str | None = None,
    ) -> tuple[datetime, list[dict[str, Any]]]:
        """(start, periods) of the schedule the EVSE will follow for ``seconds``, in ``unit``
        (snake_case keys, as the library's call results take them)."""
        now = datetime.now(UTC)
        offsets = {0}
        for profile in self._applicable(evse_id, transaction_id):
            offsets |= profile.breakpoints(now, seconds, tx_start)
        periods: list[dict[str, Any]] = []
        for offset in sorted(offsets):
            watts = self.limit_w(evse_id, now + timedelta(seconds=offset), tx_start, transaction_id)
            limit = watts if unit == "W" else watts / (VOLTAGE * 3)
            limit = round(limit, 1)
            if not periods or periods[-1]["limit"] != limit:
                periods.append({"start_period": offset, "limit": limit})
        return now, periods
