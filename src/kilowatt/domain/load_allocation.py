"""Site load management's allocator: each session's limit in amperes per phase within what
the site has for charging, and which of the limits are worth sending.

``allocate``: the queue (arrival; under the priority strategy priority, then arrival) is
admitted while each admitted session's minimum fits; what is left goes out by the site's
``Strategy``: shared equally per phase ("water filling"), to each in order of arrival, or tier
by tier of priority, up to each session's demand. A car that draws less than it is allowed is
given what it draws plus a margin, its rest going to the others. All amounts are counted in
whole tenths of an ampere, so the sum never exceeds the budget (ADR 0008).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from kilowatt.domain.loads import (
    DEFAULT_MAX_CURRENT_A,
    DEFAULT_MIN_CURRENT_A,
    Reason,
    StartRule,
    Strategy,
)

CAR_SLACK_A = 2.0
"""A car that draws this much less than it is allowed is limited by itself, not by us."""
CAR_MARGIN_A = 1.0
"""What a car limited by itself is given above what it draws, so that it may draw more."""
MIN_STEP_A = 1.0
"""A new limit differing by less than this from the one in force is not sent (no storms)."""
TENTHS = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """A session charging (or waiting to) at the site."""

    key: int
    """The transaction's id."""
    phases: int = 3
    min_a: float = DEFAULT_MIN_CURRENT_A
    max_a: float = DEFAULT_MAX_CURRENT_A
    priority: int = 0
    """Higher first under the priority strategy (fleet, VIP): its token group's
    ``load_priority``."""
    arrival: datetime
    rule: StartRule = StartRule.FULL
    drawn_a: float | None = None
    """What the car draws now, per phase (None: not reported)."""
    limit_a: float | None = None
    """The limit in force (None: none sent yet)."""

    @property
    def ceiling_a(self) -> float:
        """The most it may get: its maximum, or half of it (never below its minimum)."""
        if self.rule is StartRule.HALF:
            return max(self.min_a, self.max_a / 2)
        return self.max_a

    @property
    def car_limited(self) -> bool:
        allowed = self.limit_a if self.limit_a is not None else self.ceiling_a
        return self.drawn_a is not None and self.drawn_a < allowed - CAR_SLACK_A

    @property
    def demand_a(self) -> float:
        """What it can use: its ceiling, or (when the car draws less) what it draws plus a
        margin."""
        if self.car_limited:
            assert self.drawn_a is not None
            return max(self.min_a, min(self.ceiling_a, self.drawn_a + CAR_MARGIN_A))
        return self.ceiling_a


@dataclass(frozen=True, slots=True)
class Allocation:
    key: int
    limit_a: float
    """Amperes per phase, one decimal; 0: paused."""
    reason: Reason
    phases: int

    def watts(self, voltage: int) -> int:
        return round(self.limit_a * self.phases * voltage)


def _tenths(amps: float) -> int:
    return int(amps * TENTHS + 1e-9)


def queue_order(
    sessions: Iterable[Session], strategy: Strategy = Strategy.PRIORITY
) -> list[Session]:
    """Who is served first: earlier arrival; under the priority strategy higher priority,
    then earlier arrival."""
    if strategy is Strategy.PRIORITY:
        return sorted(sessions, key=lambda s: (-s.priority, s.arrival, s.key))
    return sorted(sessions, key=lambda s: (s.arrival, s.key))


def _fill(tier: list[Session], given: dict[int, int], rest: int) -> tuple[int, bool]:
    """Water filling: raise everyone in ``tier`` not yet at its demand by the same amount per
    phase. What is left, and whether everyone in the tier has its demand."""
    open_ = sorted(tier, key=lambda s: _tenths(s.demand_a) - given[s.key])
    while open_:
        phases = sum(s.phases for s in open_)
        smallest = open_[0]
        step = max(0, _tenths(smallest.demand_a) - given[smallest.key])
        if step * phases <= rest:
            for s in open_:
                given[s.key] += step
            rest -= step * phases
            open_.pop(0)
            continue
        share = rest // phases
        for s in open_:
            given[s.key] += share
        return rest - share * phases, False
    return rest, True


def _tiers(admitted: list[Session], strategy: Strategy) -> list[list[Session]]:
    """The groups served one after the other: all at once, each in order of arrival, or each
    priority from the highest."""
    if strategy is Strategy.FIRST_COME:
        return [[s] for s in sorted(admitted, key=lambda s: (s.arrival, s.key))]
    if strategy is Strategy.PRIORITY:
        levels = sorted({s.priority for s in admitted}, reverse=True)
        return [[s for s in admitted if s.priority == level] for level in levels]
    return [admitted]


def allocate(
    budget_w: int,
    sessions: Iterable[Session],
    voltage: int,
    strategy: Strategy = Strategy.EQUAL_SHARE,
) -> dict[int, Allocation]:
    """Each session's limit within ``budget_w`` (what the site has for charging)."""
    ordered = queue_order(sessions, strategy)
    budget = max(0, budget_w) * TENTHS // voltage  # tenths of an ampere, times phases
    result: dict[int, Allocation] = {}
    admitted: list[Session] = []
    used = 0
    full = False
    for session in ordered:
        if session.rule is StartRule.HELD:
            result[session.key] = Allocation(session.key, 0.0, Reason.HELD, session.phases)
            continue
        cost = _tenths(session.min_a) * session.phases
        if full or used + cost > budget:
            full = True  # strictly in turn: nobody overtakes the first who does not fit
            result[session.key] = Allocation(session.key, 0.0, Reason.NO_ROOM, session.phases)
            continue
        used += cost
        admitted.append(session)
    given = {s.key: _tenths(s.min_a) for s in admitted}
    rest = budget - used
    for tier in _tiers(admitted, strategy):
        rest, served = _fill(tier, given, rest)
        if not served:
            break  # those after it keep their minimum
    for s in admitted:
        limit = given[s.key]
        if s.car_limited and limit >= _tenths(s.demand_a):
            reason = Reason.CAR_DRAWS_LESS
        elif limit >= _tenths(s.ceiling_a):
            reason = Reason.HALF_POWER if s.rule is StartRule.HALF else Reason.AT_MAX
        else:
            reason = Reason.SHARED
        result[s.key] = Allocation(s.key, limit / TENTHS, reason, s.phases)
    return result


def meaningful(old: float | None, new: float) -> bool:
    """Whether a new limit is worth sending: the first, a pause or a resumption, or a change
    of at least MIN_STEP_A."""
    if old is None or (old == 0) != (new == 0):
        return True
    return abs(new - old) >= MIN_STEP_A


def changes(
    current: Mapping[int, float | None],
    target: Mapping[int, Allocation],
    budget_w: int,
    voltage: int,
) -> dict[int, float]:
    """The limits to send: the meaningful changes, and as many small decreases as it takes
    (largest first) for the limits in force afterwards to fit in the budget."""
    send = {key: a.limit_a for key, a in target.items() if meaningful(current.get(key), a.limit_a)}

    def in_force() -> int:
        total = 0
        for key, allocation in target.items():
            limit = send.get(key, current.get(key))
            total += _tenths(limit if limit is not None else 0) * allocation.phases
        return total

    budget = max(0, budget_w) * TENTHS // voltage
    smaller: Sequence[tuple[float, int]] = sorted(
        (
            ((current.get(k) or 0.0) - a.limit_a, k)
            for k, a in target.items()
            if k not in send and (current.get(k) or 0.0) > a.limit_a
        ),
        reverse=True,
    )
    for _, key in smaller:
        if in_force() <= budget:
            break
        send[key] = target[key].limit_a
    return send
