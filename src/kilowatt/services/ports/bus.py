"""Live events: where services publish them (the catalogue is domain/live.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from kilowatt.domain.live import LiveEvent


class EventPublisher(Protocol):
    """Live events for dashboards, other nodes and in-process subscribers (in-process or
    Redis). Publish after the unit of work that made the event true has committed."""

    def publish(self, event: LiveEvent) -> None: ...


Subscriber = Callable[[LiveEvent], None]
