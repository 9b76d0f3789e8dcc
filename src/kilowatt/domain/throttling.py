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
