"""Failed attempts, counted per key (a source address, a station identity), with a block that
grows while the failures go on.

``limit`` failures within ``window`` seconds block the key for ``block`` seconds; each block
that follows another without a quiet ``window`` in between lasts twice as long, up to
``max_block``. While a key is blocked, attempts are refused without being checked (no password
is hashed for them), and they do not extend the block.

The state lives in memory, per process; at most ``max_keys`` keys are tracked (the oldest are
forgotten first), so that a flood of addresses cannot grow it without bound.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field


@dataclass
class _Record:
    failures: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0
    strikes: int = 0
    last_failure: float = 0.0


@dataclass(frozen=True, slots=True)
class Blocked:
    retry_after: float
    """Seconds until attempts are looked at again."""
    started: bool
    """This failure started the block (report it once)."""
    failures: int


class Throttle:
    def __init__(
        self,
        *,
        limit: int,
        window: float,
        block: float,
        max_block: float,
        max_keys: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.block = block
        self.max_block = max_block
        self.max_keys = max_keys
        self._records: OrderedDict[str, _Record] = OrderedDict()

    def __len__(self) -> int:
        return len(self._records)

    def blocked(self, key: str, now: float) -> float:
        """Seconds the key is still blocked for; 0 when it may try."""
        record = self._records.get(key)
        if record is None:
            return 0.0
        return max(0.0, record.blocked_until - now)

    def fail(self, key: str, now: float) -> Blocked | None:
        """Count a failure; the block it starts (or None)."""
        record = self._records.get(key)
        if record is None:
            record = self._records[key] = _Record()
            while len(self._records) > self.max_keys:
                self._records.popitem(last=False)
        else:
            self._records.move_to_end(key)
        if record.blocked_until > now:
            return Blocked(record.blocked_until - now, False, len(record.failures))
        if record.strikes and now - max(record.last_failure, record.blocked_until) > self.window:
            record.strikes = 0  # quiet for a window: start over
        record.last_failure = now
        record.failures.append(now)
        while record.failures and record.failures[0] <= now - self.window:
            record.failures.popleft()
        if len(record.failures) < self.limit:
            return None
        duration = min(self.block * 2**record.strikes, self.max_block)
        record.strikes += 1
        record.blocked_until = now + duration
        count = len(record.failures)
        record.failures.clear()
        return Blocked(duration, True, count)

    def succeed(self, key: str, now: float) -> None:
        """A success forgets the key's failures and past blocks (not a block in force)."""
        record = self._records.get(key)
        if record is not None and record.blocked_until <= now:
            del self._records[key]


class Sampler:
    """At most one record per key every ``interval`` seconds, and at most ``total`` records of
    all keys together within ``interval``: for writing down refusals (a bad API key, a
    station without credentials) without letting whoever causes them flood the record.

    ``take`` answers None (do not record) or how many were left unrecorded for the key since
    its last record, to be noted with the next one. The state lives in memory, per process,
    for at most ``max_keys`` keys (the oldest are forgotten first).
    """

    def __init__(self, *, interval: float, total: int = 1_000, max_keys: int = 10_000) -> None:
        self.interval = interval
        self.total = total
        self.max_keys = max_keys
        self._last: OrderedDict[object, tuple[float, int]] = OrderedDict()
        self._recent: deque[float] = deque()

    def take(self, key: object, now: float) -> int | None:
        while self._recent and self._recent[0] <= now - self.interval:
            self._recent.popleft()
        last = self._last.get(key)
        if last is not None and now - last[0] < self.interval:
            self._last[key] = (last[0], last[1] + 1)
            return None
        if len(self._recent) >= self.total:
            # Over the cap: counted, to be told with the key's next record.
            self._last[key] = (last[0], last[1] + 1) if last else (now - self.interval, 1)
            self._last.move_to_end(key)
            while len(self._last) > self.max_keys:
                self._last.popitem(last=False)
            return None
        skipped = last[1] if last is not None else 0
        self._last[key] = (now, 0)
        self._last.move_to_end(key)
        while len(self._last) > self.max_keys:
            self._last.popitem(last=False)
        self._recent.append(now)
        return skipped
